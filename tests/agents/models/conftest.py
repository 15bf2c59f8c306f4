import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])  # the repo root, so `tests.fakes` imports
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.fakes.fixtures import *  # noqa: E402,F401,F403
