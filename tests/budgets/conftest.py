import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])  # the repo root, so `tests.budgets._budget_fakes` imports
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
