"""`scaleagent serve` and `--serve` against a stand-in for `vllm serve` (tests/fakes/vllm_stub.py):
slow start, /health, /v1/models, OpenAI chat completions, death on bad flags. Loopback only."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents import serve as sv
from tests.fakes.signals import default_sigint

ROOT = Path(__file__).resolve().parents[3]
STUB = ROOT / "tests" / "fakes" / "vllm_stub.py"
MODEL = "hosted_vllm/fake/coder-7b"



@pytest.fixture
def env(tmp_path, monkeypatch):
    """The environment of a machine where vLLM is the stand-in and a GPU is assumed."""
    values = {"SCALEAGENT_VLLM": f"{sys.executable} {STUB}", "SCALEAGENT_SKIP_GPU_CHECK": "1",
              "SCALEAGENT_HOME": str(tmp_path / "home"), "FAKE_VLLM_START_S": "1.0",
              "FAKE_VLLM_RECORD": str(tmp_path / "requests.jsonl"), "PYTHONPATH": str(ROOT)}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return dict(os.environ)


def cli(*args, env, timeout=60):
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=ROOT)


def one_line_error(r) -> str:
    assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("scaleagent: error:")]
    assert len(lines) == 1, r.stderr
    return lines[0]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_detach_serves_the_model_and_stop_ends_it(env, tmp_path) -> None:
    port = sv.free_port()
    r = cli("serve", MODEL, "--port", str(port), "--detach", "--json", env=env)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["model"] == MODEL and info["api_base"] == f"http://127.0.0.1:{port}/v1"
    assert "--enable-prefix-caching" in r.stderr  # the command it ran is shown
    assert sv._get(f"http://127.0.0.1:{port}/health")[0] == 200
    assert [s["pid"] for s in sv.recorded()] == [info["pid"]]
    stopped = cli("serve", "--stop", "--json", env=env)
    assert json.loads(stopped.stdout)["stopped"][0]["pid"] == info["pid"]
    deadline = time.monotonic() + 10
    while alive(info["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(info["pid"]) and sv.recorded() == []
    assert "Shutting down" in Path(info["log"]).read_text()  # SIGTERM: a clean shutdown, not a kill
    assert cli("serve", "--stop", env=env).stdout.strip() == "no server to stop"


def test_foreground_server_stops_on_ctrl_c(env) -> None:
    port = sv.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "agents.cli", "serve", MODEL, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            preexec_fn=default_sigint)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
        assert lines[1].strip() == f"use: --model {MODEL} --api-base http://127.0.0.1:{port}/v1", lines
        pid = sv.recorded(port)[0]["pid"]
        proc.send_signal(signal.SIGINT)
        # the command gives the server STOP_GRACE_S to stop on SIGTERM before it kills it, so waiting
        # exactly that long raced it; communicate(): a full stderr pipe must not stall the command
        proc.communicate(timeout=sv.STOP_GRACE_S + 30)
        assert proc.returncode == 0
    finally:
        proc.kill()
    assert not alive(pid) and sv.port_free("127.0.0.1", port)


@pytest.mark.parametrize("args,extra_env,needle", [
    (["--vllm-args", "--no-such-flag"], {}, "unrecognized arguments: --no-such-flag"),
    ([], {"FAKE_VLLM_START_S": "30", "X_MODEL": "broken/model"}, "not a valid model identifier"),
    (["--timeout", "1"], {"FAKE_VLLM_START_S": "30"}, "did not serve fake/coder-7b within 1 s"),
    ([], {"SCALEAGENT_VLLM": "", "PATH": "/nonexistent"}, "vLLM is not installed"),
    ([], {"SCALEAGENT_SKIP_GPU_CHECK": "", "CUDA_VISIBLE_DEVICES": ""}, "no GPU visible"),
])
def test_failures_are_one_line(env, args, extra_env, needle) -> None:
    model = extra_env.pop("X_MODEL", MODEL)
    port = sv.free_port()
    r = cli("serve", model, "--port", str(port), *args, env=env | extra_env)
    assert needle in one_line_error(r)
    assert sv.port_free("127.0.0.1", port) and sv.recorded() == []  # nothing left running


def test_taken_port_is_refused_before_starting(env) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli("serve", MODEL, "--port", str(port), env=env)
    assert f"port {port} is taken" in one_line_error(r)
    assert "starting:" not in r.stderr


async def test_serving_yields_an_api_base_that_litellm_samples_n_from_in_one_request(env, tmp_path) -> None:
    from agents.models.base import GenerationParams
    from agents.models.litellm_backend import LiteLLMModel

    with sv.serving(MODEL, None, True, say=lambda _m: None) as api_base:
        model = LiteLLMModel(MODEL, api_base=api_base)
        out = await model.complete([{"role": "user", "content": "hi"}], GenerationParams(n=8, max_tokens=8))
        pid = sv.recorded()[0]["pid"]
    assert len(out.choices) == 8 and out.usage.calls == 1
    sent = [json.loads(ln) for ln in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert sent == [{"n": 8, "model": "fake/coder-7b", "choices": 8}]  # one request, one prefill
    assert not alive(pid)


def test_serving_refuses_what_it_cannot_serve(env) -> None:
    with pytest.raises(sv.ServeError, match="drop --api-base"), sv.serving(MODEL, "http://127.0.0.1:9/v1", True):
        pass
    with pytest.raises(sv.ServeError, match="hosted_vllm/<hf-id>"), sv.serving("local/smollm2-135m", None, True):
        pass
    with sv.serving("local/smollm2-135m", None, False) as api_base:
        assert api_base is None


def test_run_with_serve_is_one_command(env, tmp_path) -> None:
    r = cli("run", "humaneval", "-p", "0", "--model", MODEL, "--serve", "--k", "2", "--budget", "calls=2",
            "--sandbox", "local", "--run-dir", str(tmp_path / "run"), "--json", env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["spend"]["model_calls"] >= 1 and "server stopped" in r.stderr
    sent = [json.loads(ln) for ln in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert sent and sent[0]["model"] == "fake/coder-7b"
    assert sv.recorded() == []


def test_resume_with_serve_finishes_a_killed_run_on_a_new_server(env, tmp_path) -> None:
    """A run whose server is gone (its `--serve` server stopped with it) resumes with `resume --serve`:
    a new server on a new port answers the rest, and is stopped after."""
    from tests.fakes.script_server import ScriptServer

    run = tmp_path / "run"
    with ScriptServer(lambda _m: "```python\ndef f():\n    return 1\n```", latency=3.0) as first:
        proc = subprocess.Popen([sys.executable, "-m", "agents.cli", "run", "humaneval", "-p", "0", "--model", MODEL,
                                 "--api-base", first.url, "--k", "2", "--budget", "calls=2", "--sandbox", "local",
                                 "--run-dir", str(run), "--json"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while first.received == 0 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert first.received >= 1 and proc.poll() is None, "the run ended before its first answer"
        proc.kill()  # killed while its first model call waits
        proc.wait()
        gone = first.url
    assert not (run / "result.json").exists()
    r = cli("resume", str(run), "--serve", "--json", env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] and out["spend"]["model_calls"] >= 1 and "server stopped" in r.stderr
    sent = [json.loads(ln) for ln in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert sent and sent[0]["model"] == "fake/coder-7b"  # the resumed calls went to the new server
    assert sv.recorded() == []
    assert "drop --api-base" in one_line_error(cli("resume", str(run), "--serve", "--api-base", gone, env=env))


@pytest.mark.parametrize("honours_n", [True, False])
async def test_vllm_budget_is_one_request_for_n_or_reserved_top_ups(env, monkeypatch, tmp_path, honours_n) -> None:
    """The worst case a hosted_vllm call reserves is one request (one prefill) for its n samples;
    a server that answers one choice is topped up with requests each reserved before it is sent."""
    from agents import calls
    from agents.models.base import GenerationParams
    from agents.models.litellm_backend import LiteLLMModel
    from budgets import Budget, BudgetTracker, CostModel

    monkeypatch.setenv("FAKE_VLLM_NO_N", "" if honours_n else "1")
    with sv.serving(MODEL, None, True, say=lambda _m: None) as api_base:
        model = LiteLLMModel(MODEL, api_base=api_base, price=(1e-6, 2e-6))
        tracker = BudgetTracker(Budget(model_calls=8), cost_model=CostModel())
        msgs = [{"role": "user", "content": "write is_even"}]
        params = GenerationParams(n=8, max_tokens=8)
        assert calls.worst_case(model, tracker, msgs, params).model_calls == 1
        out = await calls.complete(model, tracker, msgs, params)
    sent = [json.loads(ln) for ln in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert len(out.choices) == 8 and sent[0]["n"] == 8
    assert tracker.spent.model_calls == len(sent) == (1 if honours_n else 8)
    assert model.supports_n is honours_n and tracker.overruns == 0 and tracker.reserved.is_zero()


def test_stop_leaves_no_engine_worker_behind(env, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_VLLM_WORKER", "1")
    with sv.serving(MODEL, None, True, say=lambda _m: None):
        log = Path(sv.recorded()[0]["log"])
        deadline = time.monotonic() + 10
        while "engine worker pid" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        worker = int(log.read_text().split("engine worker pid ")[1].split()[0])
        assert alive(worker)
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker)
