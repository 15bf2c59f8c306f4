"""Every sandbox backend passes the same behavioural tests (cf. LangGraph's checkpointer conformance)."""
from __future__ import annotations

import sys

import pytest

from sandboxes import TRUNCATION_PREFIX, ExecResult, Limits, Sandbox, SandboxUnavailable, open_sandbox

from sbx_helpers import ALL_BACKENDS, backend_params, require_backend

pytestmark = [
    pytest.mark.parametrize("backend", backend_params(ALL_BACKENDS)),
    pytest.mark.filterwarnings("ignore:sandbox backend 'local' does not isolate"),
]


def test_exit_code_stdout_stderr(make_sandbox, backend):
    sb = make_sandbox(backend)
    assert isinstance(sb, Sandbox) and sb.backend == backend
    r = sb.run("echo out; echo err >&2; exit 3")
    assert (r.exit_code, r.stdout, r.stderr) == (3, "out\n", "err\n")
    assert not r.ok and not r.timed_out and not r.truncated and r.duration_s > 0


def test_list_command_is_not_shell_parsed(make_sandbox, backend):
    r = make_sandbox(backend).run(["echo", "$HOME", "a b"])
    assert r.ok and r.stdout == "$HOME a b\n"


def test_timeout_kills_and_reports(make_sandbox, backend):
    r = make_sandbox(backend).run("echo started; sleep 30", timeout=1)
    assert r.timed_out and not r.ok and r.duration_s < 10
    assert "started" in r.stdout


def test_env_passed_and_host_env_hidden(make_sandbox, backend, monkeypatch):
    monkeypatch.setenv("SCALEAGENT_HOST_ONLY", "leak")
    r = make_sandbox(backend).run("env", env={"GREETING": "hello world"})
    assert "GREETING=hello world" in r.stdout
    assert "SCALEAGENT_HOST_ONLY" not in r.stdout


def test_workspace_is_cwd_and_writes_visible_on_host(make_sandbox, backend, workspace):
    sb = make_sandbox(backend)
    (workspace / "given.txt").write_text("from host")
    r = sb.run("cat given.txt && mkdir -p sub && echo made > sub/new.txt")
    assert r.ok, r.stderr
    assert r.stdout == "from host"
    assert (workspace / "sub" / "new.txt").read_text() == "made\n"
    assert sb.run("pwd").stdout.strip() == sb.workdir


def test_private_tmp_and_home_writable(make_sandbox, backend):
    r = make_sandbox(backend).run('echo t > /tmp/scratch-$$ && cat /tmp/scratch-$$ && rm /tmp/scratch-$$ && touch "$HOME/.rc" && echo ok')
    assert r.ok and r.stdout.endswith("ok\n"), r.stderr


def test_cwd_relative_to_workspace(make_sandbox, backend, workspace):
    (workspace / "pkg").mkdir()
    r = make_sandbox(backend).run("pwd", cwd="pkg")
    assert r.ok and r.stdout.strip().endswith("/pkg")


def test_stdin(make_sandbox, backend):
    r = make_sandbox(backend).run("tr a-z A-Z", stdin="shout\n")
    assert r.ok and r.stdout == "SHOUT\n"


def test_truncation_marker(make_sandbox, backend):
    r = make_sandbox(backend).run("yes | head -c 50000; yes e | head -c 30000 >&2",
                                  limits=Limits(output_bytes=1000))
    assert r.truncated
    assert r.stdout.startswith("y\n" * 500) and TRUNCATION_PREFIX in r.stdout and "49000 bytes" in r.stdout
    assert TRUNCATION_PREFIX in r.stderr and len(r.stdout) < 1200


def test_reuse_for_several_commands(make_sandbox, backend):
    sb = make_sandbox(backend)
    for i in range(3):
        assert sb.run(f"echo {i} >> log.txt").ok
    assert sb.run("cat log.txt").stdout == "0\n1\n2\n"


def test_python3_runs(make_sandbox, backend, workspace):
    (workspace / "test_mod.py").write_text("def test_add():\n    assert 1 + 1 == 2\n")
    r = make_sandbox(backend).run("python3 -c 'import sys; print(sys.version_info[:2])'")
    assert r.ok and r.stdout.startswith("(3, "), r.stderr


def test_project_interpreter_usable(make_sandbox, backend):
    if backend == "docker":
        pytest.skip("docker runs the image's python3, not the host venv")
    r = make_sandbox(backend).run([sys.executable, "-c", "import pydantic, sys; print(sys.prefix)"])
    assert r.ok and r.stdout.strip() == sys.prefix, r.stderr


def test_memory_limit(make_sandbox, backend):
    r = make_sandbox(backend).run("python3 -c 'x = bytearray(600 * 2**20)'", limits=Limits(memory_mb=200))
    assert not r.ok and r.oom, r


def test_file_size_limit(make_sandbox, backend, workspace):
    r = make_sandbox(backend).run("head -c 5000000 /dev/zero > big", limits=Limits(file_size_mb=1))
    assert not r.ok
    assert (workspace / "big").stat().st_size <= 1024 * 1024


def test_closed_sandbox_and_context_manager(workspace, backend):
    require_backend(backend)
    with open_sandbox(backend, workspace) as sb:
        assert isinstance(sb.run("true"), ExecResult)


def test_unknown_backend_is_one_line_error(workspace, backend):
    with pytest.raises(SandboxUnavailable) as exc:
        open_sandbox(f"no-such-{backend}", workspace)
    assert "\n" not in str(exc.value) and "choose one of" in str(exc.value)



def test_sandbox_python_runs_pytest(make_sandbox, backend, workspace):
    (workspace / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    sb = make_sandbox(backend)
    r = sb.run([sb.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_ok.py"], timeout=60)
    assert r.ok and "1 passed" in r.stdout, r.stdout + r.stderr


def test_signal_death_reported_as_128_plus_signal(make_sandbox, backend):
    r = make_sandbox(backend).run("kill -TERM $$")
    assert r.exit_code == 128 + 15 and not r.timed_out
    assert make_sandbox(backend).run("sleep 10", timeout=0.5).exit_code == -9
