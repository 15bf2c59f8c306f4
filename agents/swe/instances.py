"""SWE-bench instances: load them from JSONL/JSON, find or clone their repository, or make one from an issue.

    insts = load_instances("examples/swe/instances.jsonl")
    repo = materialize_repo(insts[0], cache_dir)        # a local git repository holding base_commit
    inst = instance_from_issue(".", "issue.md")          # `scaleagent solve --repo . --issue issue.md`

`repo` is a local path (relative paths resolve against the instances file's directory, then the CWD,
then the file's parent directories: the example suite stores paths relative to the project root),
a git URL (file://, https://, ssh://, git@host:…), or SWE-bench's `owner/name` (→ GitHub) when no
such local directory exists. URLs are cloned bare into a cache, reused, and fetched when the
base commit is missing.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, PrivateAttr, ValidationError, field_validator

from sandboxes.pyenv import Overrides, register

from agents.errors import ConfigError

_URL_RE = re.compile(r"^(file|https?|ssh|git)://|^[\w.-]+@[\w.-]+:")
_GITHUB_SLUG_RE = re.compile(r"^[\w.-]+/[\w.-]+$")
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


class Instance(Overrides):
    """One SWE-bench task. Unknown fields (difficulty, environment_setup_commit, …) are kept. The test
    environment fields (install, pre_install, test_cmd, …) come from `sandboxes.pyenv.Overrides`."""

    model_config = ConfigDict(extra="allow")

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    hints_text: str = ""
    test_patch: str = ""
    FAIL_TO_PASS: list[str] = []
    PASS_TO_PASS: list[str] = []
    patch: str | None = None  # the gold patch, when known
    version: str | None = None
    created_at: str | None = None

    _base_dir: Path | None = PrivateAttr(default=None)  # directory of the file it came from

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")
    @classmethod
    def _decode_test_list(cls, value: Any) -> Any:
        # SWE-bench stores these as JSON-encoded strings of lists; accept real lists too.
        if value is None:
            return []
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list of test ids ({exc.msg})") from None
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ValueError("must be a list of pytest node ids (strings)")
        return value

    @field_validator("instance_id", "base_commit", "repo")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("instance_id")
    @classmethod
    def _usable_id(cls, value: str) -> str:
        from agents.paths import id_problem  # ids become directory names: see agents.paths

        why = id_problem(value)
        if why:
            raise ValueError(why)
        return value

    def to_record(self) -> dict[str, Any]:
        """The SWE-bench JSONL record (test lists JSON-encoded again)."""
        rec = self.model_dump()
        rec["FAIL_TO_PASS"], rec["PASS_TO_PASS"] = json.dumps(self.FAIL_TO_PASS), json.dumps(self.PASS_TO_PASS)
        return rec


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"field {loc!r}: {'missing' if err['type'] == 'missing' else msg}")
    return "; ".join(parts)


def _parse_record(obj: Any, where: str, base_dir: Path) -> Instance:
    if not isinstance(obj, dict):
        raise ConfigError(f"{where}: expected a JSON object (one SWE-bench instance), got {type(obj).__name__}; "
                          "fix: one object per line with instance_id, repo, base_commit, problem_statement")
    try:
        inst = Instance.model_validate(obj)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_validation_message(exc)}; fix: give instance_id, repo, base_commit, "
                          "problem_statement, and FAIL_TO_PASS/PASS_TO_PASS as lists of test ids") from None
    inst._base_dir = base_dir
    return inst


def load_instances(path: Path | str) -> list[Instance]:
    """Read instances from JSONL (one object per line) or a .json file (one object or a list).
    Any malformed record raises ConfigError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"instances file {path} does not exist: give a SWE-bench JSONL file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read instances file {path}: {exc}") from None
    base_dir = path.resolve().parent
    out: list[Instance] = []
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); fix the file or use JSONL") from None
        records = data if isinstance(data, list) else [data]
        out = [_parse_record(r, f"{path} record {i + 1}", base_dir) for i, r in enumerate(records)]
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno}); "
                                  "fix: one JSON object per line") from None
            out.append(_parse_record(obj, f"{path}:{lineno}", base_dir))
    seen: set[str] = set()
    for inst in out:
        if inst.instance_id in seen:
            raise ConfigError(f"{path}: instance_id {inst.instance_id!r} appears twice; fix: make ids unique")
        seen.add(inst.instance_id)
    if not out:
        raise ConfigError(f"instances file {path} holds no instances")
    return out


# ---------------------------------------------------------------- repositories

def is_url(repo: str) -> bool:
    return bool(_URL_RE.match(repo))


def _git(args: list[str], cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, **_GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errs = [ln for ln in lines if ln.lower().startswith(("fatal", "error"))]
    return (errs or lines or ["unknown git error"])[0]


def local_repo_path(inst: Instance) -> Path | None:
    """The local directory `inst.repo` names, or None when it is a URL or names nothing that exists."""
    if is_url(inst.repo):
        return None
    p = Path(inst.repo).expanduser()
    if p.is_absolute():
        return p if p.exists() else None
    bases = [inst._base_dir] if inst._base_dir else []
    bases.append(Path.cwd())
    if inst._base_dir:
        bases.extend(inst._base_dir.parents)
    for base in bases:
        if (base / p).exists():
            return (base / p).resolve()
    return None


def repo_source(inst: Instance) -> str:
    """What to clone or open: a local path, a URL, or a GitHub URL for an `owner/name` slug."""
    local = local_repo_path(inst)
    if local is not None:
        return str(local)
    if is_url(inst.repo):
        return inst.repo
    if _GITHUB_SLUG_RE.match(inst.repo) and not inst.repo.startswith("."):
        return f"https://github.com/{inst.repo}.git"
    raise ConfigError(f"repository {inst.repo!r} of {inst.instance_id} not found (looked next to the instances "
                      "file and in the current directory); fix: build it (python examples/swe/build.py) or give "
                      "an absolute path or a git URL")


def has_commit(repo: Path, commit: str) -> bool:
    return _git(["cat-file", "-e", f"{commit}^{{commit}}"], cwd=repo).returncode == 0


def default_cache_dir() -> Path:
    return Path(os.environ.get("SCALEAGENT_CACHE", Path.home() / ".cache" / "scaleagent")) / "repos"


def materialize_repo(inst: Instance, cache_dir: Path | str | None = None) -> Path:
    """A local git repository holding `inst.base_commit` (URLs: cloned bare into `cache_dir`), with the
    instance's environment fields registered for every test run there (sandboxes.pyenv.lookup)."""
    repo = _materialize(inst, cache_dir)
    register(repo, inst.base_commit, inst.env_overrides())
    return repo


def _materialize(inst: Instance, cache_dir: Path | str | None) -> Path:
    source = repo_source(inst)
    if not is_url(source):
        repo = Path(source)
        if _git(["rev-parse", "--git-dir"], cwd=repo).returncode != 0:
            raise ConfigError(f"repository {repo} of {inst.instance_id} is not a git repository; fix: point "
                              "`repo` at a git checkout")
        if not has_commit(repo, inst.base_commit):
            raise ConfigError(f"base_commit {inst.base_commit[:12]} of {inst.instance_id} is not in {repo}; "
                              "fix: rebuild the repository or correct base_commit")
        return repo
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]", "_", source.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))[:40]
    repo = cache / f"{name}-{hashlib.sha1(source.encode()).hexdigest()[:10]}.git"
    with open(cache / f"{repo.name}.lock", "w") as lock:  # one clone per URL, even across processes
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (repo / "HEAD").exists():
            tmp = repo.with_name(repo.name + f".tmp{os.getpid()}")
            r = _git(["clone", "--bare", "--quiet", source, str(tmp)])
            if r.returncode != 0:
                raise ConfigError(f"cannot clone {source} for {inst.instance_id}: {_first_line(r.stderr)}; "
                                  "fix: check the URL and your network/credentials")
            tmp.rename(repo)
        if not has_commit(repo, inst.base_commit):
            _git(["fetch", "--quiet", "origin", inst.base_commit], cwd=repo)
            if not has_commit(repo, inst.base_commit):
                _git(["fetch", "--quiet", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                     cwd=repo)
        if not has_commit(repo, inst.base_commit):
            raise ConfigError(f"base_commit {inst.base_commit[:12]} of {inst.instance_id} is not in {source} "
                              "(even after fetching); fix: correct base_commit")
    return repo


# ---------------------------------------------------------------- from an issue

_PATH_LIKE = re.compile(r"^(~|\.{1,2}/|/)|/|\.(md|txt|rst|markdown|json|issue)$", re.IGNORECASE)


def read_issue(issue: str) -> str:
    """`--issue`: a file → its text; a directory → error; a string that looks like a path (one word
    with a `/`, or ending in .md/.txt/…) but names nothing → error; anything else is the text itself."""
    one_word = len(issue) < 4096 and issue.strip() and not any(c.isspace() for c in issue.strip())
    path = Path(issue.strip()).expanduser() if one_word else None
    try:
        is_dir, is_file = (path.is_dir(), path.is_file()) if path is not None else (False, False)
    except (OSError, ValueError):  # a name too long for the system, a NUL: not a path
        is_dir = is_file = False
    if is_dir:
        raise ConfigError(f"--issue {issue} is a directory: give the issue file or its text")
    if is_file:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read issue file {path}: {exc}") from None
    if path is not None and _PATH_LIKE.search(issue.strip()):
        raise ConfigError(f"--issue {issue}: no such file; give an existing issue file or the issue text itself")
    return issue


def instance_from_issue(repo: Path | str, issue: str, base_commit: str | None = None, *,
                        cache_dir: Path | str | None = None) -> Instance:
    """An instance for `scaleagent solve --repo REPO --issue TEXT|FILE` (no hidden tests: nothing to grade).
    `base_commit` defaults to the repository's HEAD; the id is `<repo name>-<8 hex>`."""
    text = read_issue(issue)
    if not text.strip():
        raise ConfigError("the issue is empty: give its text or a file holding it with --issue")
    repo_str = str(repo)
    if not is_url(repo_str):
        path = Path(repo_str).expanduser().resolve()
        if not path.exists():
            raise ConfigError(f"repository {repo_str} does not exist: give a path to a git checkout or a git URL")
        repo_str = str(path)
    draft = Instance(instance_id="draft", repo=repo_str, base_commit=base_commit or "HEAD", problem_statement=text)
    where = materialize_repo(draft, cache_dir)
    sha = _git(["rev-parse", "--verify", "--quiet", f"{draft.base_commit}^{{commit}}"], cwd=where).stdout.strip()
    name = re.sub(r"[^\w.-]", "_", repo_str.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")) or "repo"
    digest = hashlib.sha1(f"{sha}\n{text}".encode()).hexdigest()[:8]
    return Instance(instance_id=f"{name}-{digest}", repo=repo_str, base_commit=sha, problem_statement=text)
