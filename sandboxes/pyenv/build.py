"""Build (once) and find the virtual environment a repository state's tests run in.

    env = ensure(repo, base_commit, plan)      # built on first use, then reused from the cache
    env.python                                  # <cache>/envs/<key>/bin/python, or None: the harness's own

Where: `$SCALEAGENT_CACHE/envs/<key>` (default ~/.cache/scaleagent/envs). One build per key across
threads and processes (a file lock; the `.ready` marker is written last, so a crashed build is
redone). A failed build is remembered on disk with its one-line reason (failures.py), so K
candidates, every instance of a bench and later processes pay it once, until `env build --retry`.

How (host side, the only step that reaches the package registry):
  1. `git archive` of the base commit into a scratch folder: the build never sees candidate code;
  2. `python -m venv`; the instance's `pre_install` commands; then its `install` command, or
     `pip install .[test extras] -r <requirement files> <tox deps> <pip_packages>`;
  3. the project's own installed copy is deleted (its metadata and entry points stay): the tests
     import the candidate's worktree through `import_paths`, never a stale copy of the base;
  4. pytest: the harness's own version from repacked wheels (wheelhouse.py) unless the project
     brought one.
Trust: step 2 runs the base commit's build code (setup.py) on the host with network access. The
base commit comes from the instances file, which the harness trusts as SWE-bench's harness does;
candidate code never runs here. Extra pip options: `$SCALEAGENT_PIP_ARGS` (e.g. `--no-index
--find-links DIR` to build offline).
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import BaseModel

from . import failures
from .detect import Plan
from .wheelhouse import harness_pin, harness_wheelhouse

BUILDS: Counter = Counter()   # key -> builds this process ran (tests assert one build for K candidates)
BUILD_TIMEOUT = float(os.environ.get("SCALEAGENT_ENV_TIMEOUT", "1200"))


class EnvError(Exception):
    """The environment could not be built; the message is one line that names the cause."""


class Environment(BaseModel):
    key: str
    python: str | None = None         # None: the harness's interpreter (nothing to install)
    root: str | None = None           # the venv folder (to bind read-only into sandboxes)
    ro_paths: list[str] = []          # host folders the sandbox must see: the venv and its base Python
    import_paths: list[str] = ["."]   # relative to the workspace root
    pytest_args: list[str] = []
    plugin_autoload: bool = False     # True in a venv: its plugins are the project's own


def cache_root() -> Path:
    return Path(os.environ.get("SCALEAGENT_CACHE", Path.home() / ".cache" / "scaleagent")) / "envs"


def pip_args() -> list[str]:
    return shlex.split(os.environ.get("SCALEAGENT_PIP_ARGS", ""))


def light(plan: Plan) -> Environment:
    return Environment(key=plan.key(), import_paths=plan.import_paths, pytest_args=plan.pytest_args)


def _loaded(plan: Plan, root: Path) -> Environment:
    home = ""
    cfg = root / "pyvenv.cfg"
    for line in cfg.read_text().splitlines() if cfg.is_file() else []:
        if line.split("=")[0].strip() == "home":
            home = line.split("=", 1)[1].strip()
    ro = [str(root)] + ([os.path.realpath(str(Path(home).parent))] if home else [])
    return Environment(key=plan.key(), python=str(root / "bin" / "python"), root=str(root), ro_paths=ro,
                       import_paths=plan.import_paths, pytest_args=plan.pytest_args, plugin_autoload=True)


def ensure(repo: Path, commit: str, plan: Plan) -> Environment:
    """The environment for `plan` (built from `commit` of `repo` when missing). Raises EnvError."""
    return ensure_status(repo, commit, plan)[0]


def ensure_status(repo: Path, commit: str, plan: Plan) -> tuple[Environment, str]:
    """`ensure`, and what this call did: "built" (it ran the build), "cached" (found ready, perhaps
    after waiting for another thread's or process's build) or "not needed" (no venv). Raises EnvError."""
    if not plan.needs_venv:
        return light(plan), "not needed"
    key = plan.key()
    base = cache_root()
    root = base / key
    _raise_remembered(base, key)
    base.mkdir(parents=True, exist_ok=True)
    with open(base / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # threads and processes: one build per key
        _raise_remembered(base, key)
        status = "cached"
        if not (root / ".ready").is_file():
            try:
                _build(repo, commit, plan, root)
            except EnvError as exc:
                failures.remember(base, key, str(exc))
                raise
            status = "built"
    return _loaded(plan, root), status


def _raise_remembered(base: Path, key: str) -> None:
    why = failures.remembered(base, key)
    if why is not None:
        raise EnvError(f"{why} ({failures.RETRY_HINT})")


def _run(cmd: list[str] | str, cwd: Path, env: dict[str, str], what: str) -> str:
    try:
        r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                           shell=isinstance(cmd, str))
    except subprocess.TimeoutExpired:
        raise EnvError(f"{what} took over {BUILD_TIMEOUT:g}s") from None
    except OSError as exc:
        raise EnvError(f"{what}: {exc}") from None
    if r.returncode != 0:
        raise EnvError(f"{what} failed: {reason(r.stdout + chr(10) + r.stderr)}")
    return r.stdout + r.stderr


def reason(output: str) -> str:
    """pip's (or a command's) cause in one line, naming the package where pip does."""
    text = output.replace("\r", "")
    m = re.search(r"No matching distribution found for (\S+)", text)
    if m:
        return f"no package {m.group(1)} on the package registry (no matching distribution)"
    m = re.search(r"ResolutionImpossible|conflicting dependencies", text)
    if m:
        pkgs = re.findall(r"The conflict is caused by:\s*\n\s*(.+)", text)
        return "conflicting requirements" + (f": {pkgs[0].strip()}" if pkgs else "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errs = [ln for ln in lines if re.match(r"(ERROR|error|\w*Error|Exception|×|fatal)", ln)
            and not ln.startswith(("error: subprocess-exited-with-error", "ERROR: Failed building"))]
    errs = [e for e in errs if "subprocess-exited-with-error" not in e] or errs
    hints = [ln for ln in lines if re.match(r"\w*(Error|Exception)\b", ln)]
    pick = (hints or errs or lines or ["no output"])[-1]
    return " ".join(pick.lstrip("×").split())[:300]


def _build(repo: Path, commit: str, plan: Plan, root: Path) -> None:
    BUILDS[plan.key()] += 1
    if root.exists():
        shutil.rmtree(root)
    tree = Path(tempfile.mkdtemp(prefix="scaleagent-envsrc-"))
    try:
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=repo, capture_output=True,
                                 timeout=300)
        if archive.returncode != 0:
            raise EnvError(f"cannot export {commit[:12]}: {archive.stderr.decode(errors='replace').strip()[:200]}")
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True, capture_output=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
        env |= {"VIRTUAL_ENV": str(root), "PATH": f"{root / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        commands = bool(plan.overrides.install or plan.overrides.pre_install)  # they may call `pip`
        _run([plan.python, "-m", "venv", *([] if commands else ["--without-pip"]), str(root)], tree, env,
             "creating the virtual environment")
        py = str(root / "bin" / "python")
        log = []
        for step in plan.overrides.pre_install:
            log.append(_run(step, tree, env, f"pre_install step {step!r}"))
        # the venv's own pip where commands use it, else this interpreter's pip aimed at the venv (faster)
        pip = [py, "-m", "pip"] if commands else [sys.executable, "-m", "pip", "--python", py]
        pip += ["install", "--no-input", *pip_args()]
        if plan.overrides.install:
            log.append(_run(plan.overrides.install, tree, env, "install command"))
        else:
            reqs = [f".[{','.join(plan.extras)}]" if plan.extras else "."] if plan.installable else []
            for f in plan.requirements:
                reqs += ["-r", f]
            reqs += plan.test_deps
            if reqs:
                log.append(_run(pip + reqs, tree, env, "pip install"))
        if plan.overrides.pip_packages:
            log.append(_run(pip + plan.overrides.pip_packages, tree, env, "pip install of pip_packages"))
        _drop_installed_copy(root, tree)
        if subprocess.run([py, "-c", "import pytest"], capture_output=True, env=env).returncode != 0:
            wheels = harness_wheelhouse(cache_root())
            log.append(_run(pip + ["--no-index", "--find-links", str(wheels), harness_pin()], tree, env,
                            "installing the harness's pytest"))
        (root / "scaleagent-env.json").write_text(json.dumps(plan.model_dump(), indent=1))
        (root / "build.log").write_text("\n".join(log)[-200_000:])
        (root / ".ready").write_text(plan.key() + "\n")
    except EnvError:
        shutil.rmtree(root, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def _drop_installed_copy(root: Path, tree: Path) -> None:
    """Delete the files of distributions installed from `tree` (regular or editable), keeping their
    .dist-info (version, entry points): the worktree on the import path is the code that runs."""
    for site in root.glob("lib/python*/site-packages"):
        for info in site.glob("*.dist-info"):
            du = info / "direct_url.json"
            try:
                url = json.loads(du.read_text()).get("url", "") if du.is_file() else ""
            except (OSError, ValueError):
                continue
            path = unquote(urlparse(url).path) if url.startswith("file:") else ""
            if not path or os.path.realpath(path) != os.path.realpath(tree):
                continue
            record = info / "RECORD"
            for line in record.read_text().splitlines() if record.is_file() else []:
                rel = line.split(",", 1)[0]
                target = (site / rel).resolve()
                if ".dist-info" in rel or rel.startswith("..") or not target.is_relative_to(site.resolve()):
                    continue
                target.unlink(missing_ok=True)
                parent = target.parent
                while parent != site.resolve() and parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent


def use_environment(sb, env: Environment, run_env: dict[str, str], python: str | None) -> tuple[str | None, list[str]]:
    """Prepare sandbox `sb` for a run in `env`: bind its folders read-only (bwrap) or switch to its
    image (docker, built when missing: image.py), put the worktree's import roots first on PYTHONPATH
    (in `run_env`). Returns (interpreter, extra pytest args). Raises EnvError."""
    import posixpath

    roots = [posixpath.normpath(posixpath.join(sb.workdir, p)) for p in env.import_paths]
    run_env["PYTHONPATH"] = ":".join(dict.fromkeys(roots))
    if env.root and sb.backend == "docker":  # the environment's image (image.py), its venv's interpreter
        from .image import ENV_DIR, ensure_image

        sb.use_image(ensure_image(sb.client, env, sb.base_image))
        return f"{ENV_DIR}/bin/python", list(env.pytest_args)
    if env.ro_paths and hasattr(sb, "bind_ro"):
        sb.bind_ro(env.ro_paths)
    return env.python or python, list(env.pytest_args)
