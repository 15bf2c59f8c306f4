#!/usr/bin/env python3
"""Build the SWE example suite: real git repositories plus an SWE-bench style instances.jsonl.

Usage:
    python examples/swe/build.py [--out DIR] [--only ID [--only ID ...]] [--update]

For every repository under ``examples/swe/repos/<name>/`` (``tree/`` holds the
files at the buggy base state, ``history.json`` the commits) this creates
``<out>/repos/<name>``, a git repository whose history is fully deterministic:
fixed author/committer identity and dates, fixed file modes, no hooks, no
user/system git configuration.  The commit SHAs are therefore identical on every
machine and every run.  The last commit of each history is the ``base_commit`` of
the repository's tasks.

It then writes ``<out>/instances.jsonl`` (``repo`` = absolute path of the built
repository) and checks the result against the committed
``examples/swe/instances.jsonl`` (``repo`` = path relative to the project root).
Any difference (a SHA, a patch, a test list) is an error, unless ``--update`` is
given, in which case the committed file is rewritten.

Only the standard library and the ``git`` command line are needed.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
REPOS_DIR = HERE / "repos"
TASKS_DIR = HERE / "tasks"
COMMITTED = HERE / "instances.jsonl"
DEFAULT_OUT = HERE / "build"
IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
IGNORED_SUFFIXES = (".pyc", ".pyo")


class BuildError(RuntimeError):
    pass


def _git_env(extra=None):
    """An environment isolated from the user's and the system's git configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C",
        TZ="UTC",
    )
    if extra:
        env.update(extra)
    return env


def git(args, cwd, env=None, input=None):
    cmd = ["git", "-c", "core.autocrlf=false", "-c", "core.fileMode=true", "-c", "commit.gpgSign=false", *args]
    proc = subprocess.run(
        cmd, cwd=cwd, env=env or _git_env(), input=input, capture_output=True
    )
    if proc.returncode != 0:
        raise BuildError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode()


def tree_files(tree):
    """All files of a source tree, as sorted posix paths relative to it."""
    files = []
    for path in sorted(tree.rglob("*")):
        rel = path.relative_to(tree)
        if path.is_dir() or IGNORED_PARTS.intersection(rel.parts) or path.name.endswith(IGNORED_SUFFIXES):
            continue
        files.append(rel.as_posix())
    return files


def _select(files, patterns):
    chosen = []
    for f in files:
        if any(p == "*" or f == p or f.startswith(p.rstrip("/") + "/") or fnmatch.fnmatch(f, p) for p in patterns):
            chosen.append(f)
    return chosen


def load_history(name):
    path = REPOS_DIR / name / "history.json"
    history = json.loads(path.read_text(encoding="utf-8"))
    commits = history.get("commits") or []
    if not 1 <= len(commits) <= 6:
        raise BuildError(f"{path}: expected 1-6 commits")
    if commits[-1]["paths"] != ["*"]:
        raise BuildError(f"{path}: the last commit must contain the whole tree (paths: ['*'])")
    return history


def build_repo(name, out_repos):
    """Create ``out_repos/<name>`` and return the SHA of its last (base) commit."""
    src = REPOS_DIR / name / "tree"
    if not src.is_dir():
        raise BuildError(f"no source tree at {src}")
    history = load_history(name)
    files = tree_files(src)
    dest = out_repos / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    git(["init", "-q", "--template=", "."], dest)
    git(["symbolic-ref", "HEAD", "refs/heads/main"], dest)

    # Write every blob once (no filters: the bytes in the repository are the bytes on disk).
    blobs = git(["hash-object", "-w", "--no-filters", "--stdin-paths"], dest,
                input="\n".join(str(src / f) for f in files).encode()).split()
    blob_of = dict(zip(files, blobs))
    older_dir = REPOS_DIR / name / "history"

    author_name, author_email = history["author"]
    parent = None
    for commit in history["commits"]:
        selected = _select(files, commit["paths"])
        if not selected:
            raise BuildError(f"{name}: commit {commit['message']!r} selects no files")
        git(["read-tree", "--empty"], dest)
        # "older": {"path/in/tree": "file under repos/<name>/history/"} gives a file
        # its content as of this commit (e.g. a README before a doc change).
        older = commit.get("older", {})
        blobs_here = dict((f, blob_of[f]) for f in selected)
        for path, old_file in sorted(older.items()):
            blobs_here[path] = git(["hash-object", "-w", "--no-filters", str(older_dir / old_file)], dest).strip()
        index_info = "".join(f"100644 {sha}\t{f}\n" for f, sha in sorted(blobs_here.items()))
        git(["update-index", "--add", "--index-info"], dest, input=index_info.encode())
        tree_sha = git(["write-tree"], dest).strip()
        env = _git_env({
            "GIT_AUTHOR_NAME": author_name,
            "GIT_AUTHOR_EMAIL": author_email,
            "GIT_AUTHOR_DATE": commit["date"],
            "GIT_COMMITTER_NAME": author_name,
            "GIT_COMMITTER_EMAIL": author_email,
            "GIT_COMMITTER_DATE": commit["date"],
        })
        args = ["commit-tree", tree_sha, "-m", commit["message"]]
        if parent:
            args[2:2] = ["-p", parent]
        parent = git(args, dest, env=env).strip()
    git(["update-ref", "refs/heads/main", parent], dest)
    git(["reset", "-q", "--hard", "main"], dest)
    return parent


def load_tasks(only=None):
    tasks = []
    for task_dir in sorted(p for p in TASKS_DIR.iterdir() if p.is_dir()):
        if only and task_dir.name not in only:
            continue
        meta = json.loads((task_dir / "meta.json").read_text(encoding="utf-8"))
        tasks.append((task_dir.name, task_dir, meta))
    if only:
        missing = set(only) - {t[0] for t in tasks}
        if missing:
            raise BuildError(f"unknown instance id(s): {', '.join(sorted(missing))}")
    return tasks


def make_instance(instance_id, task_dir, meta, repo_value, base_commit):
    history = load_history(meta["repo"])
    return {
        "instance_id": instance_id,
        "repo": repo_value,
        "base_commit": base_commit,
        "problem_statement": (task_dir / "issue.md").read_text(encoding="utf-8"),
        "hints_text": "",
        "test_patch": (task_dir / "test.patch").read_text(encoding="utf-8"),
        "patch": (task_dir / "gold.patch").read_text(encoding="utf-8"),
        "FAIL_TO_PASS": json.dumps(meta["FAIL_TO_PASS"]),
        "PASS_TO_PASS": json.dumps(meta["PASS_TO_PASS"]),
        "version": history["version"],
        "created_at": meta["created_at"],
        "environment_setup_commit": base_commit,
        "difficulty": meta["difficulty"],
    }


def relative_repo(name):
    return (DEFAULT_OUT / "repos" / name).relative_to(PROJECT_ROOT).as_posix()


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")


def compare_with_committed(records):
    """Return a list of human-readable differences against examples/swe/instances.jsonl."""
    if not COMMITTED.exists():
        return [f"{COMMITTED} does not exist (run with --update to create it)"]
    committed = {r["instance_id"]: r for r in read_jsonl(COMMITTED)}
    problems = []
    for rec in records:
        old = committed.get(rec["instance_id"])
        if old is None:
            problems.append(f"{rec['instance_id']}: not in the committed instances.jsonl")
            continue
        for key in sorted(set(rec) | set(old)):
            if rec.get(key) != old.get(key):
                if key == "base_commit":
                    problems.append(f"{rec['instance_id']}: base_commit {rec[key]} != committed {old.get(key)}")
                else:
                    problems.append(f"{rec['instance_id']}: field {key!r} differs from the committed file")
    return problems


def build(out=DEFAULT_OUT, only=None, update=False, check=True, log=print):
    """Build the repositories and instances; return the list of instance records (absolute repo paths)."""
    out = Path(out).resolve()
    tasks = load_tasks(only)
    if update and only:
        raise BuildError("--update rewrites the whole committed file; do not combine it with --only")
    names = sorted({meta["repo"] for _, _, meta in tasks})
    (out / "repos").mkdir(parents=True, exist_ok=True)
    shas = {}
    for name in names:
        shas[name] = build_repo(name, out / "repos")
        log(f"built {name:<12} {shas[name]}")
    records, relative = [], []
    for instance_id, task_dir, meta in tasks:
        name = meta["repo"]
        records.append(make_instance(instance_id, task_dir, meta, str(out / "repos" / name), shas[name]))
        relative.append(make_instance(instance_id, task_dir, meta, relative_repo(name), shas[name]))
    write_jsonl(out / "instances.jsonl", records)
    log(f"wrote {len(records)} instances to {out / 'instances.jsonl'}")
    write_splits(out, records, log)
    if update:
        write_jsonl(COMMITTED, relative)
        log(f"updated {COMMITTED}")
    elif check:
        problems = compare_with_committed(relative)
        if problems:
            raise BuildError(
                "the build does not match examples/swe/instances.jsonl:\n  " + "\n  ".join(problems)
                + "\n(if you changed a repository or task on purpose, rerun with --update and commit the result)"
            )
        log("all base_commit SHAs and instance fields match the committed instances.jsonl")
    return records


def write_splits(out, records, log=print):
    """`<out>/instances.dev.jsonl` and `instances.test.jsonl` per splits.json (the instances built)."""
    splits = json.loads((HERE / "splits.json").read_text())
    for name in ("dev", "test"):
        chosen = [r for r in records if r["instance_id"] in splits[name]]
        if chosen:
            write_jsonl(out / f"instances.{name}.jsonl", chosen)
            log(f"wrote {len(chosen)} {name} instances to {out / f'instances.{name}.jsonl'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default: examples/swe/build)")
    parser.add_argument("--only", action="append", metavar="ID", help="build only this instance (repeatable)")
    parser.add_argument("--update", action="store_true", help="rewrite the committed examples/swe/instances.jsonl")
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with the committed file")
    args = parser.parse_args(argv)
    try:
        build(args.out, only=args.only, update=args.update, check=not args.no_check)
    except BuildError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
