"""The local backend's llama threads when nobody names them: the cores the load average leaves free
(llama's threads spin-wait, so every core beside another busy process was up to 8x slower), with
$SCALEAGENT_LLAMA_THREADS as the override. Opens no model: the count is decided when a LocalModel
is made."""
from __future__ import annotations

import pytest

from agents.errors import ConfigError
from agents.models import local
from agents.models.local import LocalModel


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.delenv("SCALEAGENT_LLAMA_THREADS", raising=False)
    monkeypatch.setattr(local.os, "cpu_count", lambda: 2)

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
