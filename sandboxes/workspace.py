"""Candidate workspaces: one git worktree of a repository at a commit per candidate.

A worktree shares the repository's object store, so creating one costs a checkout, not a copy
(see benchmarks/workspaces.py). Each workspace lives under a pool root in a directory named
`<pid>-<token>`; a process that crashes leaves it behind, and the next WorkspaceManager on the
same root removes directories whose pid is gone and runs `git worktree prune`.

Inside a sandbox the `.git` file of a worktree points at the host repository, which is not
mounted: git commands do not work in the sandbox (the host computes diffs).

Every host-side git call on a workspace goes through _hostgit.HostGit, which reads nothing from
the worktree but the files it diffs (sandboxed code can write all of them), and diff() keeps
nested repositories out of the index (`git add` would run `git status` inside them, with their
own config). The pool root is private (0700): other local users cannot reach the workspaces or
the overlay templates (whose files are left writable for the sandbox uids).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import tempfile
import threading
from pathlib import Path

import git

from . import _overlay
from ._fs import make_tree_writable, nested_repos, private_dir, rmtree, write_no_follow
from ._hostgit import NO_CHILDREN, HostGit, HostGitError

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}


class PatchError(Exception):
    """The patch does not apply. The message is one line saying why."""


def _one_line(err: HostGitError | str) -> str:
    text = err.stderr if isinstance(err, HostGitError) else err
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


class Workspace:
    """One candidate's checkout. Use as a context manager; `.path` is the host directory."""

    def __init__(self, manager: "WorkspaceManager", path: Path, base_commit: str,
                 home: Path | None = None, meta: Path | None = None, gitdir: Path | None = None):
        self.manager, self.path, self.base_commit = manager, path, base_commit
        self.home = home or path  # the directory under the pool root that holds everything
        self.meta = meta  # overlay mode: our .git/worktrees/<name> metadata dir
        self.gitdir = gitdir or meta  # the host's metadata dir of this worktree (never read from the tree)
        if self.gitdir is None:
            raise ValueError("a workspace needs its host-side gitdir")
        self.git = HostGit(self.gitdir, path)
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
            self.git("apply", "--check", *args)
            self.git("apply", *args)
        except HostGitError as exc:
            raise PatchError(_one_line(exc)) from None
        finally:
            os.unlink(fh.name)

    def diff(self) -> str:
        """Unified diff of the workspace vs the base commit, new and binary files included.
        Nested repositories are left out: `git add` would run `git status` inside one it recorded
        (with that repository's own config: fsmonitor, filters) and fails on one without commits."""
        nested = [f":(exclude,literal){p}" for p in nested_repos(self.path)]
        self.git("add", "-A", "--", ".", *nested)
        return self.git("diff", "--cached", "--binary", *NO_CHILDREN, "--ignore-submodules=all", self.base_commit)

    def write_file(self, rel: str, text: str | bytes) -> Path:
        """Put a host-made file (e.g. a generated test) at `rel`, never through a link the patch
        or a sandbox made. Raises ValueError for a path outside the tree or through a link."""
        return write_no_follow(self.path, rel, text.encode() if isinstance(text, str) else text)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.manager.remove(self)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WorkspaceManager:
    """Creates worktrees of `repo` under `root` (default: a per-repository dir in the temp dir).

    mode "checkout": each workspace is a plain `git worktree add` (writes every file).
    mode "overlay": each is an overlayfs over a per-commit template worktree (see _overlay.py).
    mode "auto" (default): overlay where it works (root, overlayfs), else checkout.
    """

    def __init__(self, repo: Path | str, root: Path | str | None = None, mode: str = "auto"):
        self.repo = git.Repo(str(repo))
        self.repo.git.update_environment(**_GIT_ENV)
        repo_id = hashlib.sha1(str(Path(self.repo.git_dir).resolve()).encode()).hexdigest()[:12]
        if root is None:  # per user: a directory another user made first is refused (see _fs.private_dir)
            private_dir(Path(tempfile.gettempdir()) / f"scaleagent-worktrees-{os.geteuid()}")
        self.root = Path(root) if root else Path(tempfile.gettempdir()) / f"scaleagent-worktrees-{os.geteuid()}" / repo_id
        private_dir(self.root)  # the workspaces and templates are writable by the sandbox uids
        self._lock = threading.Lock()  # serializes every use of self.repo (see create)
        if mode not in ("auto", "checkout", "overlay"):
            raise ValueError(f"unknown workspace mode {mode!r}: auto, checkout or overlay")
        overlay_ok = _overlay.overlay_supported(str(self.root))
        if mode == "overlay" and not overlay_ok:
            raise OSError("overlay workspaces need root and overlayfs on the pool root: use mode='checkout'")
        self.mode = "overlay" if mode != "checkout" and overlay_ok else "checkout"
        self.templates = self.root / "templates"  # per-commit lower layers, kept as a cache
        self.pruned = self.prune_stale()

    @contextlib.contextmanager
    def _git_lock(self):
        """Held (across processes and threads) around `git worktree add/remove/prune`: git's own
        prune deletes an entry that a concurrent `add` has created but not yet filled in."""
        with open(Path(self.repo.common_dir) / "scaleagent-worktrees.lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def prune_stale(self) -> list[Path]:
        """Remove workspaces left by dead processes (a crash), then drop their git metadata."""
        stale = []
        for entry in self.root.iterdir():
            pid_text = entry.name.split("-", 1)[0]
            if entry.is_dir() and pid_text.isdigit() and not _pid_alive(int(pid_text)):
                _overlay.unmount(entry / "tree")  # never rmtree through a live mount
                rmtree(entry)
                stale.append(entry)
        for entry in Path(self.repo.common_dir).glob("scaleagent-staging-*"):  # see _overlay.mount_candidate
            pid_text = entry.name.rsplit("-", 2)[-2]
            if pid_text.isdigit() and not _pid_alive(int(pid_text)):
                rmtree(entry)
        if self.templates.is_dir():  # a template whose creation crashed has no .ready marker
            for entry in self.templates.iterdir():
                if entry.is_dir() and not entry.with_suffix(".ready").exists():
                    rmtree(entry)
        with self._git_lock():
            self.repo.git.worktree("prune")
        return stale

    def create(self, commit: str = "HEAD") -> Workspace:
        path = self.root / f"{os.getpid()}-{secrets.token_hex(4)}"
        # Under the lock: GitPython's Repo is not thread-safe (repo.commit() shares one
        # `git cat-file --batch` pipe), and worktree add edits shared metadata.
        with self._lock:
            sha = self._resolve(commit)
            if self.mode == "overlay":
                template = self._template(sha)
                tree, meta = _overlay.mount_candidate(template, path, Path(self.repo.common_dir), sha)
                return Workspace(self, tree, sha, home=path, meta=meta)
            with self._git_lock():
                self.repo.git.worktree("add", "--detach", "--quiet", str(path), sha)
        # Read once, now, before any sandbox ran: later the `.git` file is not to be trusted.
        gitdir = _overlay.template_gitdir(path)
        if gitdir.parent != Path(self.repo.common_dir) / "worktrees":
            raise OSError(f"git registered {path} at an unexpected gitdir {gitdir}")
        return Workspace(self, path, sha, gitdir=gitdir)

    def _resolve(self, commit: str) -> str:
        """Commit-ish -> full sha, through GitPython's long-lived cat-file process (no spawn)."""
        try:
            return self.repo.commit(commit).hexsha
        except (ValueError, git.BadName, git.GitCommandError) as exc:
            raise ValueError(f"unknown commit {commit!r} in {self.repo.working_dir}: {exc}") from None

    def _template(self, sha: str) -> Path:
        """The read-only lower layer for `sha`: one plain worktree, made once, shared by all
        candidates (and processes: a file lock guards its creation)."""
        template, ready = self.templates / sha, self.templates / f"{sha}.ready"
        if ready.exists() and self._registered(template):
            return template
        self.templates.mkdir(mode=0o700, exist_ok=True)
        with open(self.templates / f"{sha}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (ready.exists() and self._registered(template)):
                ready.unlink(missing_ok=True)
                with self._git_lock():
                    if template.exists():
                        rmtree(template)
                        self.repo.git.worktree("prune")
                    self.repo.git.worktree("add", "--detach", "--quiet", str(template), sha)
                make_tree_writable(template)  # so sandboxes never need a copy-up just to chmod;
                # only root reaches it (the pool root is 0700) and no sandbox mounts it
                ready.touch()
        return template

    @staticmethod
    def _registered(template: Path) -> bool:
        """The template is still a worktree of the repository: a repository rebuilt at the same path
        (same cache directory) no longer knows it, and candidates copied from it would fail."""
        try:
            return (_overlay.template_gitdir(template) / "index").is_file()
        except (OSError, IndexError):
            return False

    def drop_templates(self) -> None:
        """Delete the overlay templates (a cache kept across runs; safe when no workspace is open)."""
        with self._lock:
            if self.templates.is_dir():
                rmtree(self.templates)
                with self._git_lock():
                    self.repo.git.worktree("prune")

    def remove(self, ws: Workspace) -> None:
        """Delete the tree and our metadata by hand: `git worktree remove` would read the tree's
        `.git` file, which is not to be trusted after a sandbox ran."""
        with self._lock:
            if ws.meta is not None:
                _overlay.unmount(ws.path)
            with self._git_lock():  # what `git worktree prune` does for a missing tree, no more
                rmtree(ws.gitdir)
            if ws.home.exists():
                rmtree(ws.home)
