import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])  # the repo root, so `tests.fakes` imports
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.fakes.fixtures import *  # noqa: E402,F401,F403

import functools  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402

import pytest  # noqa: E402


def require_local_model(name: str = "local/smollm2-135m"):
    """The local model, or skip with the reason (fail instead when CI=true: CI must run it)."""
    from agents.models import get_model, registry

    missing = None
    if importlib.util.find_spec("llama_cpp") is None:
        missing = "llama-cpp-python is not installed (pip install 'scaleagent[local]')"
    elif not registry.is_installed(name):
        missing = f"{name} is not pulled (python scripts/build_models.py {name})"
    else:
        missing = _llama_crashes(str(registry.model_path(name)))
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)
    return get_model(name)


@functools.cache
def _llama_crashes(path: str) -> str | None:
    """Load the model and draw one token in a child process first: a llama-cpp-python wheel built
    for another CPU (e.g. with AVX512 on a CPU without it) dies with SIGILL and would take the whole
    test session down with it."""
    code = ("import sys, llama_cpp; m = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=256, verbose=False); "
            "m.create_completion('hi', max_tokens=1)")
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, timeout=300)
    if done.returncode == 0:
        return None
    why = f"signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
    return (f"llama-cpp-python cannot run a model on this machine ({why}); rebuild it for this CPU "
            "(see ENVIRONMENT.md; AVX512 builds die with SIGILL on CPUs without AVX512)")


@pytest.fixture
def smollm2():
    return require_local_model("local/smollm2-135m")
