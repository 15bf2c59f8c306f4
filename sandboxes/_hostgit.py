"""git on a workspace, run by the host, immune to what a sandbox wrote into the worktree.

Sandboxed code can write every file of a worktree, including (before it was protected) its `.git`
file: pointed at a directory holding a config with `core.fsmonitor = <cmd>` (or hooks), the host's
next `git add` ran <cmd> as root. So here git takes nothing from the worktree but the files it
diffs: the gitdir is the one the host registered (passed explicitly; the `.git` file is never
read), no system or global config is read, and what could start a program (fsmonitor, hooks,
external diff, textconv, ssh, transports) is pinned off on the command line, which wins over any
config file and also reaches child git processes (GIT_CONFIG_PARAMETERS).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

PINNED = ("core.fsmonitor=false", "core.hooksPath=/dev/null", "core.untrackedCache=false",
          "core.sshCommand=false", "diff.external=", "submodule.recurse=false", "protocol.allow=never")
NO_CHILDREN = ("--no-ext-diff", "--no-textconv")  # for every diff-producing command
BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_ATTR_NOSYSTEM": "1"}


class HostGitError(Exception):
    def __init__(self, argv: list[str], code: int, stderr: str):
        super().__init__(f"{' '.join(argv[3:])} failed ({code}): {stderr.strip()}")
        self.stderr = stderr


def host_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # no GIT_DIR & co. from outside
    return {**env, **BASE_ENV}


class HostGit:
    """`HostGit(gitdir, worktree)("add", "-A")` runs git on that worktree with that gitdir."""

    def __init__(self, gitdir: Path, worktree: Path):
        self.gitdir, self.worktree = Path(gitdir), Path(worktree)

    def argv(self, *args: str) -> list[str]:
        argv = ["git", f"--git-dir={self.gitdir}", f"--work-tree={self.worktree}"]
        for kv in PINNED:
            argv += ["-c", kv]
        return argv + list(args)

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        argv = self.argv(*args)
        proc = subprocess.run(argv, cwd=self.worktree, env=host_env(), input=stdin, capture_output=True,
                              text=True, errors="surrogateescape")
        if proc.returncode != 0:
            raise HostGitError(argv, proc.returncode, proc.stderr)
        return proc.stdout
