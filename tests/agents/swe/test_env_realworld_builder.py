"""examples/realworld/build.py from a local sdist cache (--offline: no registry): base release as a
repository, gold and test patches from the next release, a src/ layout that grades resolved with the
gold patch and unresolved without it."""
from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _load_builder():
    spec = importlib.util.spec_from_file_location("realworld_build", ROOT / "examples/realworld/build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _sdist(cache: Path, name: str, version: str, files: dict[str, str]) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    with tarfile.open(cache / f"{name}-{version}.tar.gz", "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_offline_build_then_grade(tmp_path, monkeypatch, sandbox_backend, capsys):
    from agents.swe.grading import grade
    from agents.swe.instances import load_instances

    monkeypatch.setenv("SCALEAGENT_CACHE", str(tmp_path / "cache"))
    test = "from tiny import half\n\ndef test_half():\n    assert half(3) == 1.5\n\ndef test_zero():\n    assert half(0) == 0\n"
    _sdist(tmp_path / "cache/sdists", "tiny", "1.0", {"src/tiny/__init__.py": "def half(x):\n    return x // 2\n",
                                                      "tests/test_tiny.py": test.split("\n\ndef test_zero")[0] + "\n"})
    _sdist(tmp_path / "cache/sdists", "tiny", "1.1", {"src/tiny/__init__.py": "def half(x):\n    return x / 2\n",
                                                      "tests/test_tiny.py": test})
    builder = _load_builder()
    specs = tmp_path / "specs.json"
    specs.write_text(json.dumps([{"instance_id": "tiny-1.1", "package": "tiny", "base": "1.0", "fixed": "1.1",
                                  "source_files": ["src/tiny/__init__.py"], "test_files": ["tests/test_tiny.py"],
                                  "problem_statement": "half(3) gives 1"}]))
    monkeypatch.setattr(builder, "SPECS", specs)
    out = tmp_path / "out"
    assert builder.main(["--out", str(out), "--offline", "--compute-tests", "--sandbox", sandbox_backend]) == 0
    inst = load_instances(out / "instances.jsonl")[0]
    assert inst.FAIL_TO_PASS == ["tests/test_tiny.py::test_half"]
    assert inst.PASS_TO_PASS == ["tests/test_tiny.py::test_zero"]
    assert grade(inst, inst.patch, sandbox=sandbox_backend, timeout=120).status == "resolved"
    assert grade(inst, "", sandbox=sandbox_backend, timeout=120).status == "unresolved"
    specs.write_text(specs.read_text().replace('"1.1"', '"9.9"'))
    capsys.readouterr()
    assert builder.main(["--out", str(out), "--offline"]) == 1
    assert "tiny==9.9: no sdist in" in capsys.readouterr().err
