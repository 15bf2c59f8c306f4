"""pytest runs with --import-mode=importlib (no sys.path changes): make the helper modules of this
directory (swe_scripted) importable, and share the SWE example fixture."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from swe_scripted import wraptext  # noqa: E402,F401  (a module-scoped fixture)
