"""Candidate workspaces: one git worktree of a repository at a commit per candidate.

A worktree shares the repository's object store, so creating one costs a checkout, not a copy
(see benchmarks/workspaces.py). Each workspace lives under a pool root in a directory named
`<pid>-<token>`; a process that crashes leaves it behind, and the next WorkspaceManager on the
same root removes directories whose pid is gone and runs `git worktree prune`.

Inside a sandbox the `.git` file of a worktree points at the host repository, which is not
mounted: git commands do not work in the sandbox (the host computes diffs).
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path

import git

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}


class PatchError(Exception):
    """The patch does not apply. The message is one line saying why."""


def _one_line(err: git.GitCommandError | str) -> str:
    text = err.stderr if isinstance(err, git.GitCommandError) else err
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip() and not ln.strip().startswith("stderr:")]
    errors = [ln for ln in lines if ln.lower().startswith(("error", "fatal"))]
    line = (errors or lines or ["git apply failed"])[0].strip("'\" ")
    return line.removeprefix("error: ").removeprefix("fatal: ")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rmtree(path: Path) -> None:
    def unlock(func, p, _exc):  # a sandbox may leave read-only dirs; root can chmod them back
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=unlock)


class Workspace:
    """One candidate's checkout. Use as a context manager; `.path` is the host directory."""

    def __init__(self, manager: "WorkspaceManager", path: Path, base_commit: str):
        self.manager, self.path, self.base_commit = manager, path, base_commit
        self.git = git.Git(str(path))
        self.git.update_environment(**_GIT_ENV)
        self.closed = False

    def apply_patch(self, diff_text: str) -> None:
        """Apply a unified (git) diff; text and binary hunks. Raises PatchError, leaving the tree untouched."""
        if not diff_text.strip():
            raise PatchError("empty patch")
        if not diff_text.endswith("\n"):
            diff_text += "\n"  # models often drop the final newline; git apply calls that corrupt
        with tempfile.NamedTemporaryFile("w", suffix=".diff", delete=False) as fh:
            fh.write(diff_text)
        try:
            # --check first: git apply is atomic per call, but a failed check explains better.
            # --recount tolerates wrong hunk line counts (common in model-written diffs).
            args = ["--binary", "--recount", "--whitespace=nowarn", fh.name]
            self.git.apply("--check", *args)
            self.git.apply(*args)
        except git.GitCommandError as exc:
            raise PatchError(_one_line(exc)) from None
        finally:
            os.unlink(fh.name)

    def diff(self) -> str:
        """Unified diff of the workspace vs the base commit, new and binary files included."""
        self.git.add("-A")
        out = self.git.diff("--cached", "--binary", self.base_commit)
        return out + "\n" if out else ""  # GitPython strips the final newline git apply needs

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.manager.remove(self)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WorkspaceManager:
    """Creates worktrees of `repo` under `root` (default: a per-repository dir in the temp dir)."""

    def __init__(self, repo: Path | str, root: Path | str | None = None):
        self.repo = git.Repo(str(repo))
        self.repo.git.update_environment(**_GIT_ENV)
        repo_id = hashlib.sha1(str(Path(self.repo.git_dir).resolve()).encode()).hexdigest()[:12]
        self.root = Path(root) if root else Path(tempfile.gettempdir()) / "scaleagent-worktrees" / repo_id
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # serializes every use of self.repo (see create)
        self._resolved: dict[str, str] = {}
        self.pruned = self.prune_stale()

    def prune_stale(self) -> list[Path]:
        """Remove workspaces left by dead processes (a crash), then drop their git metadata."""
        stale = []
        for entry in self.root.iterdir():
            pid_text = entry.name.split("-", 1)[0]
            if entry.is_dir() and pid_text.isdigit() and not _pid_alive(int(pid_text)):
                _rmtree(entry)
                stale.append(entry)
        self.repo.git.worktree("prune")
        return stale

    def create(self, commit: str = "HEAD") -> Workspace:
        path = self.root / f"{os.getpid()}-{secrets.token_hex(4)}"
        # Under the lock: GitPython's Repo is not thread-safe (repo.commit() shares one
        # `git cat-file --batch` pipe), and worktree add edits shared metadata.
        with self._lock:
            sha = self._resolved.get(commit) or self.repo.git.rev_parse("--verify", f"{commit}^{{commit}}")
            if len(commit) == 40 and commit == sha:  # only a full sha is immutable: cache it
                self._resolved[commit] = sha
            self.repo.git.worktree("add", "--detach", "--quiet", str(path), sha)
        return Workspace(self, path, sha)

    def remove(self, ws: Workspace) -> None:
        with self._lock:
            try:
                self.repo.git.worktree("remove", "--force", "--force", str(ws.path))
                return
            except git.GitCommandError:
                pass  # e.g. the directory is already gone or not removable: clean up by hand
            if ws.path.exists():
                _rmtree(ws.path)
            self.repo.git.worktree("prune")
