"""scripts/gpu_check.py (never run in `make test` on a GPU): a clear one-line exit without a GPU or
vLLM, and its whole path against the stand-in `vllm serve` (tests/fakes/vllm_stub.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STUB = ROOT / "tests" / "fakes" / "vllm_stub.py"


def gpu_check(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_check.py"), *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT, check=False)


@pytest.fixture
def base(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SCALEAGENT_VLLM", "SCALEAGENT_SKIP_GPU_CHECK")}
    return env | {"SCALEAGENT_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}


def test_without_a_gpu_it_exits_with_one_clear_line(base) -> None:
    r = gpu_check(env=base | {"SCALEAGENT_VLLM": f"{sys.executable} {STUB}", "CUDA_VISIBLE_DEVICES": ""})
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""
    assert r.stderr.strip().splitlines() == ["gpu_check: error: no GPU visible (nvidia-smi lists none, or "
                                             "CUDA_VISIBLE_DEVICES hides them): vLLM needs a CUDA GPU; use a "
                                             "local/... model on this machine"]


def test_without_vllm_it_exits_with_one_clear_line(base) -> None:
    if (Path(sys.executable).with_name("vllm")).exists():
        pytest.skip("vLLM is installed here")
    r = gpu_check(env=base | {"PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == ["gpu_check: error: vLLM is not installed: `pip install "
                                             "'scaleagent[vllm]'` on a machine with a CUDA GPU"]


def test_the_whole_check_against_the_stand_in(base, tmp_path) -> None:
    env = base | {"SCALEAGENT_VLLM": f"{sys.executable} {STUB}", "SCALEAGENT_SKIP_GPU_CHECK": "1",
                  "FAKE_VLLM_START_S": "0.5"}
    r = gpu_check("--problems", "0", "--k", "2", "--budget", "calls=2", "--sandbox", "local",
                  "--out", str(tmp_path / "out"), env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("HumanEval/0: ")
    out = json.loads(lines[-1])
    assert out["model"] == "hosted_vllm/Qwen/Qwen2.5-Coder-0.5B-Instruct" and out["passed"] == 0
    assert out["generated_tokens"] > 0 and out["tokens_per_s"] > 0 and out["prompt_tokens"] > 0
    assert 0 <= out["prefix_cache_hit_rate"] <= 1 and "server stopped" in r.stderr
