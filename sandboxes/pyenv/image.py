"""An image per test environment for the docker backend (issue 17).

    tag = ensure_image(client, env, base_image)   # "scaleagent-env:<key>-<base id>", made once, then reused

What goes in: the sandbox image (scripts/docker_setup.sh) plus the environment's venv, as build.py
built it on the host (the only step that reaches the package registry; from `git archive` of the
base commit, never candidate code), copied to ENV_DIR with its interpreter links pointed at the
image's own `python3.X` (the same minor version as the venv: the host's base Python is not copied).
How: a container of the sandbox image is created (never started, network none), the venv goes in
with `put_archive` and the container is committed as the image. Nothing runs and nothing is
downloaded here, so the image step has no network at all.

Cache: the tag holds the environment's key (the venv's cache key: declarations at the base commit,
Python version, overrides) and the sandbox image's id, so a rebuilt sandbox image gets new
environment images; a label records which build of the venv it holds, so a venv rebuilt under the
same key replaces the image too. One build per tag across threads and processes (a file lock).
Test runs use the image like any other: `--network none`, read-only root, the candidate worktree
bind-mounted at /workspace and first on PYTHONPATH (the venv holds no copy of the project).
"""
from __future__ import annotations

import fcntl
import io
import os
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

from .build import EnvError, Environment, cache_root

ENV_DIR = "/opt/scaleagent-env"
REPOSITORY = "scaleagent-env"
LABEL = "scaleagent.env"
COMMITS: Counter = Counter()  # tag -> images this process committed (tests assert one per environment)


def venv_version(root: Path) -> str:
    """The venv's Python as major.minor (from its pyvenv.cfg)."""
    cfg = root / "pyvenv.cfg"
    for line in cfg.read_text().splitlines() if cfg.is_file() else []:
        name, _, value = line.partition("=")
        if name.strip() in ("version", "version_info"):
            return ".".join(value.strip().split(".")[:2])
    raise EnvError(f"{root} is not a virtual environment (no version in pyvenv.cfg)")


def image_tag(client, env: Environment, base_image: str) -> str:
    try:
        base_id = client.images.get(base_image).id.split(":")[-1][:12]
    except Exception as exc:  # noqa: BLE001 - docker.errors.ImageNotFound / APIError
        raise EnvError(f"sandbox image {base_image} not found ({type(exc).__name__}): "
                       "run `bash scripts/docker_setup.sh`") from None
    return f"{REPOSITORY}:{env.key}-{base_id}"


def ensure_image(client, env: Environment, base_image: str) -> str:
    """The tag of `env`'s image (committed from `base_image` when missing). Raises EnvError (one line)."""
    return ensure_image_status(client, env, base_image)[0]


def ensure_image_status(client, env: Environment, base_image: str) -> tuple[str, bool]:
    """`ensure_image`, and whether this call committed the image (False: found, perhaps after waiting
    for another thread's or process's commit). Raises EnvError (one line)."""
    if not env.root:
        raise EnvError("this environment has no venv to put in an image")
    tag = image_tag(client, env, base_image)
    stamp = venv_stamp(Path(env.root))
    if _current(client, tag, stamp):
        return tag, False
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / f"{env.key}.image.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one image per tag, across threads and processes
        if _current(client, tag, stamp):
            return tag, False
        old = _image_id(client, tag)
        _commit(client, env, base_image, tag, stamp)
        if old:  # the image of an earlier build of the venv: untagged now, nothing should keep it
            try:
                client.images.remove(old, noprune=False)
            except Exception:  # noqa: BLE001, S110 - in use by a running test: docker keeps it, harmless
                pass
    return tag, True


def _image_id(client, tag: str) -> str | None:
    try:
        return client.images.get(tag).id
    except Exception:  # noqa: BLE001 - ImageNotFound
        return None


def venv_stamp(root: Path) -> str:
    """Which build of the venv an image holds (its folder and the time its `.ready` was written): a
    venv rebuilt under the same key (its cache deleted, another SCALEAGENT_CACHE) gets a new image."""
    try:
        return f"{root}@{(root / '.ready').stat().st_mtime_ns}"
    except OSError:
        raise EnvError(f"the environment {root} is not built (no .ready)") from None


def _current(client, tag: str, stamp: str) -> bool:
    try:
        labels = client.images.get(tag).attrs.get("Config", {}).get("Labels") or {}
    except Exception:  # noqa: BLE001 - ImageNotFound
        return False
    return labels.get(f"{LABEL}.venv") == stamp


def _commit(client, env: Environment, base_image: str, tag: str, stamp: str) -> None:
    COMMITS[tag] += 1
    root = Path(env.root)
    minor = venv_version(root)
    container = client.containers.create(base_image, command=["/bin/true"], network_mode="none",
                                         labels={LABEL: "build"})
    try:
        interp = f"/usr/bin/python{minor}"
        try:
            container.get_archive(interp)
        except Exception:  # noqa: BLE001 - NotFound: the image has another Python
            raise EnvError(f"the docker sandbox image has no {interp} for this Python {minor} environment; "
                           "use --sandbox bwrap or an image with that Python") from None
        with tempfile.TemporaryFile() as fh:
            _venv_tar(root, minor, fh)
            fh.seek(0)
            if not container.put_archive("/", fh):
                raise EnvError(f"docker refused the environment's files for {tag}")
        repo, _, name = tag.partition(":")
        container.commit(repository=repo, tag=name, conf={"Labels": {LABEL: env.key, f"{LABEL}.venv": stamp},
                                                       "WorkingDir": "/workspace"})
    except EnvError:
        raise
    except Exception as exc:  # noqa: BLE001 - docker API errors: one line
        raise EnvError(f"building the docker image {tag}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001
            pass


def _venv_tar(root: Path, minor: str, fh) -> None:
    """The venv as a tar rooted at ENV_DIR: readable by any uid, interpreter links to the image's
    python, pyvenv.cfg's home and the scripts' shebangs pointing inside the image."""
    prefix = ENV_DIR.lstrip("/")
    host_shebang = f"#!{root}/bin/".encode()
    with tarfile.open(fileobj=fh, mode="w") as tar:
        for parent in Path(prefix).parents[::-1][1:]:
            tar.addfile(_dir(str(parent)))
        tar.addfile(_dir(prefix))
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            rel_dir = Path(dirpath).relative_to(root)
            for d in dirnames:
                full = Path(dirpath) / d
                arc = f"{prefix}/{rel_dir / d}" if str(rel_dir) != "." else f"{prefix}/{d}"
                if full.is_symlink():
                    tar.addfile(_link(arc, os.readlink(full)))
                else:
                    tar.addfile(_dir(arc))
            for name in sorted(filenames):
                full = Path(dirpath) / name
                rel = (rel_dir / name).as_posix()
                arc = f"{prefix}/{rel}"
                if rel in ("bin/python", "bin/python3", f"bin/python{minor}"):
                    continue  # replaced below by links to the image's interpreter
                if full.is_symlink():
                    tar.addfile(_link(arc, os.readlink(full)))
                    continue
                data = full.read_bytes()
                if rel == "pyvenv.cfg":
                    data = _pyvenv_cfg(data.decode(), minor).encode()
                elif rel.startswith("bin/") and data.startswith(host_shebang):
                    data = f"#!{ENV_DIR}/bin/".encode() + data[len(host_shebang):]
                info = tarfile.TarInfo(arc)
                info.size, info.mode = len(data), (full.stat().st_mode & 0o777) | 0o444
                tar.addfile(info, io.BytesIO(data))
        tar.addfile(_link(f"{prefix}/bin/python{minor}", f"/usr/bin/python{minor}"))
        tar.addfile(_link(f"{prefix}/bin/python3", f"python{minor}"))
        tar.addfile(_link(f"{prefix}/bin/python", f"python{minor}"))


def _pyvenv_cfg(text: str, minor: str) -> str:
    out = []
    for line in text.splitlines():
        name = line.partition("=")[0].strip()
        if name == "home":
            line = "home = /usr/bin"
        elif name == "executable":
            line = f"executable = /usr/bin/python{minor}"
        elif name == "command":
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _dir(arc: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(arc)
    info.type, info.mode = tarfile.DIRTYPE, 0o755
    return info


def _link(arc: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(arc)
    info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
    return info
