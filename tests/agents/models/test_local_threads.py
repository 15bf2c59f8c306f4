"""The local backend's llama threads when nobody names them: the cores other work leaves free now
(from /proc/stat; the load average where that cannot be read; llama's threads spin-wait, so every core
beside another busy process was up to 8x slower), with $SCALEAGENT_LLAMA_THREADS as the override.
Opens no model: the count is decided when a LocalModel is made."""
from __future__ import annotations

import pytest

from agents.errors import ConfigError
from agents.models import cpu, local
from agents.models.local import LocalModel


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.delenv("SCALEAGENT_LLAMA_THREADS", raising=False)
    monkeypatch.setattr(local.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(cpu, "busy_cores", lambda: None)  # these tests: the load-average fallback

    def load(value: float) -> None:
        monkeypatch.setattr(local.os, "getloadavg", lambda: (value, 0.0, 0.0))
    return load


def test_the_default_leaves_the_cores_the_load_uses(two_cores, tmp_path):
    two_cores(0.2)
    assert LocalModel("local/x", tmp_path / "x.gguf").n_threads == 2
    two_cores(1.1)  # another process keeps one core busy: one thread, not two
    assert LocalModel("local/x", tmp_path / "x.gguf").n_threads == 1
    two_cores(9.0)  # never fewer than one
    assert LocalModel("local/x", tmp_path / "x.gguf").n_threads == 1


def test_the_variable_and_the_argument_override_the_load(two_cores, monkeypatch, tmp_path):
    two_cores(9.0)
    monkeypatch.setenv("SCALEAGENT_LLAMA_THREADS", "2")
    assert LocalModel("local/x", tmp_path / "x.gguf").n_threads == 2
    assert LocalModel("local/x", tmp_path / "x.gguf", n_threads=3).n_threads == 3


@pytest.mark.parametrize("bad", ["two", "0", "-1", "1.5"])
def test_a_bad_variable_is_a_one_line_config_error(two_cores, monkeypatch, tmp_path, bad):
    monkeypatch.setenv("SCALEAGENT_LLAMA_THREADS", bad)
    with pytest.raises(ConfigError, match="SCALEAGENT_LLAMA_THREADS"):
        LocalModel("local/x", tmp_path / "x.gguf")


def test_no_load_average_means_every_core(two_cores, monkeypatch):
    def missing():
        raise OSError("no load average")

    monkeypatch.setattr(local.os, "getloadavg", missing)
    assert local.default_threads() == 2


def _stat(path, busy, idle):
    path.write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n")


def test_busy_cores_read_what_the_cores_do_now(monkeypatch, tmp_path):
    """/proc/stat sampled twice: the busy share of the jiffies between the samples, times the cores.
    The load average lags (1.2 on an idle machine right after a benchmark, so the demo ran on one
    thread); this does not."""
    stat = tmp_path / "stat"
    _stat(stat, 1000, 9000)
    monkeypatch.setattr(cpu.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(cpu.time, "sleep", lambda s: _stat(stat, 1000 + 30, 9000 + 70))  # 30% busy
    assert cpu.busy_cores(stat=stat) == pytest.approx(0.6)
    assert cpu.busy_cores(stat=tmp_path / "missing") is None
    stat.write_text("intr 1 2 3\n")
    assert cpu.cpu_times(stat) is None


@pytest.mark.parametrize("busy, threads", [(0.1, 2), (0.6, 1), (1.0, 1), (2.0, 1)])
def test_the_default_uses_the_cores_busy_now_over_the_load_average(monkeypatch, busy, threads):
    monkeypatch.delenv("SCALEAGENT_LLAMA_THREADS", raising=False)
    monkeypatch.setattr(local.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(local.os, "getloadavg", lambda: (9.0, 0.0, 0.0))  # a stale load average is ignored
    monkeypatch.setattr(cpu, "busy_cores", lambda: busy)
    assert local.default_threads() == threads


def test_on_this_machine_the_measure_is_a_share_of_the_cores():
    busy = cpu.busy_cores(window=0.05)
    assert busy is None or 0.0 <= busy <= (cpu.os.cpu_count() or 1) + 1e-6
