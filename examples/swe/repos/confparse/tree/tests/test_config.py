import pytest

from confparse import Config, ConfigError

TEXT = """
[server]
host = 0.0.0.0
port = 8080
debug = yes
allowed = alpha, beta
"""


def test_typed_getters():
    cfg = Config.from_string(TEXT)
    assert cfg.get("server.host") == "0.0.0.0"
    assert cfg.get_int("server.port") == 8080
    assert cfg.get_bool("server.debug") is True
    assert cfg.get_list("server.allowed") == ["alpha", "beta"]


def test_missing_value():
    cfg = Config.from_string(TEXT)
    with pytest.raises(ConfigError):
        cfg.get("server.nope")
    assert cfg.get_int("server.nope", 5) == 5


def test_defaults():
    cfg = Config.from_string(TEXT, defaults={"server.timeout": "30"})
    assert cfg.get_int("server.timeout") == 30
    assert "server.timeout" in cfg


def test_set_default_does_not_override_file():
    cfg = Config.from_string(TEXT)
    cfg.set_default("server.port", "1")
    assert cfg.get_int("server.port") == 8080


def test_bad_bool():
    cfg = Config.from_string("[s]\nflag = maybe\n")
    with pytest.raises(ConfigError):
        cfg.get_bool("s.flag")


def test_from_file(tmp_path):
    path = tmp_path / "app.ini"
    path.write_text(TEXT, encoding="utf-8")
    assert Config.from_file(path).get_int("server.port") == 8080


def test_from_missing_file(tmp_path):
    assert Config.from_file(tmp_path / "nope.ini", missing_ok=True).keys() == []
    with pytest.raises(OSError):
        Config.from_file(tmp_path / "nope.ini")
