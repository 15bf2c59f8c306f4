import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])  # the repo root, so `tests.fakes` imports
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.fakes.fixtures import *  # noqa: E402,F401,F403

import importlib.util  # noqa: E402
import os  # noqa: E402

import pytest  # noqa: E402


def require_local_model(name: str = "local/smollm2-135m"):
    """The local model, or skip with the reason (fail instead when CI=true: CI must run it)."""
    from agents.models import get_model, registry

    missing = None
    if importlib.util.find_spec("llama_cpp") is None:
        missing = "llama-cpp-python is not installed (pip install 'scaleagent[local]')"
    elif not registry.is_installed(name):
        missing = f"{name} is not pulled (python scripts/build_models.py {name})"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)
    return get_model(name)


@pytest.fixture
def smollm2():
    return require_local_model("local/smollm2-135m")
