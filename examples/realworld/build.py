#!/usr/bin/env python3
"""Build the real-world SWE set: bug fixes that small pure-Python packages shipped between two
releases, as SWE-bench instances (issue 17).

    python examples/realworld/build.py                 # fetch missing sdists, build repos + instances
    python examples/realworld/build.py --offline       # from the sdist cache only (no registry)
    python examples/realworld/build.py --compute-tests --only ID   # derive FAIL_TO_PASS/PASS_TO_PASS

For every spec in specs.json: the sdists of release N-1 (`base`) and N (`fixed`) come from the
package registry (`pip download --no-deps --no-binary :all: pkg==ver`) into a cache
(`$SCALEAGENT_CACHE/sdists`, default ~/.cache/scaleagent/sdists) and are read from there afterwards.
The base sdist becomes a git repository (one deterministic commit); `patch` (gold) is release N's
version of the spec's `source_files`, `test_patch` its version of `test_files`. Output:
<out>/repos/<id> and <out>/instances.jsonl (`repo` = absolute path). Nothing downloaded is
committed: build/ is ignored, and specs.json holds only names, versions, test ids and the problem
statements (written as a user would report the bug, without the fix).

--compute-tests runs the spec's test files in the instance's environment (sandboxes.pyenv, built
on first use) at the base and at the gold patch, both with the test patch: FAIL_TO_PASS = failing
before and passing after, PASS_TO_PASS = passing at both (same modules); it prints them (and
writes them into specs.json with --update).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SPECS = HERE / "specs.json"
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C", "TZ": "UTC",
           "GIT_AUTHOR_NAME": "realworld", "GIT_AUTHOR_EMAIL": "realworld@example.invalid",
           "GIT_COMMITTER_NAME": "realworld", "GIT_COMMITTER_EMAIL": "realworld@example.invalid",
           "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z"}


class BuildError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("SCALEAGENT_CACHE", Path.home() / ".cache" / "scaleagent")) / "sdists"


def sdist(pkg: str, version: str, offline: bool) -> Path:
    """The cached sdist of pkg==version, downloaded when missing (unless offline)."""
    cache = cache_dir()
    pattern = re.compile(rf"^{re.sub(r'[-_.]+', '[-_.]', re.escape(pkg))}-{re.escape(version)}\.(tar\.gz|zip)$", re.I)
    found = [p for p in cache.glob("*") if pattern.match(p.name)] if cache.is_dir() else []
    if found:
        return found[0]
    if offline:
        raise BuildError(f"{pkg}=={version}: no sdist in {cache} (run once without --offline)")
    cache.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"{pkg}=={version}", "-d", str(cache)], capture_output=True, text=True, timeout=900)
    found = [p for p in cache.glob("*") if pattern.match(p.name)]
    if r.returncode != 0 or not found:
        raise BuildError(f"{pkg}=={version}: pip download failed: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    return found[0]


def unpack(archive: Path, dest: Path) -> Path:
    """The sdist's top folder, extracted under dest."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    tops = [p for p in dest.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise BuildError(f"{archive.name}: expected one top folder, found {len(tops)}")
    return tops[0]


def git(repo: Path, *args: str, check: bool = True) -> str:
    r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    if check and r.returncode != 0:
        raise BuildError(f"git {' '.join(args[:2])} in {repo}: {r.stderr.strip()[:300]}")
    return r.stdout


def diff_of(repo: Path, new_tree: Path, files: list[str]) -> str:
    """The diff that turns the base commit's `files` into release N's (new files included)."""
    for rel in files:
        src = new_tree / rel
        if not src.is_file():
            raise BuildError(f"{rel} is not in the fixed release")
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, repo / rel)
    git(repo, "add", "--intent-to-add", "--", *files)
    out = git(repo, "diff", "--no-color", "--no-ext-diff", "--", *files)
    git(repo, "reset", "--quiet")
    git(repo, "checkout", "--quiet", "--", ".")
    git(repo, "clean", "-fdq")
    if not out.strip():
        raise BuildError(f"{files}: no change between the releases")
    return out


def build_one(spec: dict, out: Path, offline: bool) -> dict:
    iid = spec["instance_id"]
    base = sdist(spec["package"], spec["base"], offline)
    fixed = sdist(spec["package"], spec["fixed"], offline)
    scratch = out / "scratch" / iid
    shutil.rmtree(scratch, ignore_errors=True)
    base_tree, fixed_tree = unpack(base, scratch / "base"), unpack(fixed, scratch / "fixed")
    repo = out / "repos" / iid
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(base_tree, repo, symlinks=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all", "--force")
    git(repo, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", f"{spec['package']} {spec['base']} (sdist)")
    sha = git(repo, "rev-parse", "HEAD").strip()
    inst = {"instance_id": iid, "repo": str(repo.resolve()), "base_commit": sha,
            "problem_statement": spec["problem_statement"], "hints_text": "",
            "patch": diff_of(repo, fixed_tree, spec["source_files"]),
            "test_patch": diff_of(repo, fixed_tree, spec["test_files"]),
            "FAIL_TO_PASS": json.dumps(spec.get("FAIL_TO_PASS", [])),
            "PASS_TO_PASS": json.dumps(spec.get("PASS_TO_PASS", [])),
            "version": spec["fixed"], "created_at": spec.get("released", "")}
    inst |= {k: spec[k] for k in ("install", "pre_install", "test_cmd", "pip_packages", "python", "python_path")
             if k in spec}
    shutil.rmtree(scratch, ignore_errors=True)
    return inst


def compute_tests(inst: dict, test_files: list[str], sandbox: str) -> tuple[list[str], list[str]]:
    """(FAIL_TO_PASS, PASS_TO_PASS) from running the test modules before and after the gold patch."""
    sys.path.insert(0, str(ROOT))
    from agents.swe.instances import Instance, materialize_repo
    from agents.swe.testrun import run_tests
    from sandboxes.execution import ExecJob, execute

    i = Instance(**inst)
    repo = materialize_repo(i)
    modules = [f for f in test_files if Path(f).name.startswith("test") and f.endswith(".py")]

    def outcomes(patch: str) -> dict[str, bool]:
        out = execute(ExecJob(repo=repo, commit=i.base_commit, patch=patch), backend=sandbox,
                      runner=lambda sb: run_tests(sb, modules, timeout=900, source=(repo, i.base_commit)))
        if out.patch_error:
            raise BuildError(f"{i.instance_id}: patch does not apply: {out.patch_error}")
        if not out.value.nodes:
            raise BuildError(f"{i.instance_id}: no test ran: {out.value.problem or out.value.output_tail[-300:]}")
        return {n: o.passed for n, o in out.value.nodes.items()}

    before, after = outcomes(i.test_patch), outcomes(i.patch + i.test_patch)
    f2p = sorted(n for n, ok in after.items() if ok and not before.get(n, False))
    p2p = sorted(n for n, ok in after.items() if ok and before.get(n, False))
    return f2p, p2p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "build")
    ap.add_argument("--only", action="append", help="build only this instance id (repeatable)")
    ap.add_argument("--offline", action="store_true", help="use the sdist cache only")
    ap.add_argument("--compute-tests", action="store_true", help="derive FAIL_TO_PASS/PASS_TO_PASS by running tests")
    ap.add_argument("--update", action="store_true", help="with --compute-tests: write them into specs.json")
    ap.add_argument("--sandbox", default="bwrap")
    args = ap.parse_args(argv)
    specs = json.loads(SPECS.read_text())
    chosen = [s for s in specs if not args.only or s["instance_id"] in args.only]
    if args.only and len(chosen) != len(set(args.only)):
        print(f"build.py: unknown id in --only; known: {', '.join(s['instance_id'] for s in specs)}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    built, failed = [], 0
    for spec in chosen:
        try:
            inst = build_one(spec, args.out, args.offline)
            if args.compute_tests:
                f2p, p2p = compute_tests(inst, spec["test_files"], args.sandbox)
                print(f"{spec['instance_id']}: FAIL_TO_PASS {len(f2p)} {f2p}; PASS_TO_PASS {len(p2p)}")
                spec["FAIL_TO_PASS"], spec["PASS_TO_PASS"] = f2p, p2p
                inst["FAIL_TO_PASS"], inst["PASS_TO_PASS"] = json.dumps(f2p), json.dumps(p2p)
            built.append(inst)
            print(f"{spec['instance_id']}: ok ({spec['package']} {spec['base']} -> {spec['fixed']})")
        except BuildError as exc:
            failed += 1
            print(f"{spec['instance_id']}: error: {exc}", file=sys.stderr)
    if args.compute_tests and args.update:
        SPECS.write_text(json.dumps(specs, indent=1) + "\n")
    path = args.out / "instances.jsonl"
    keep = {}
    if args.only and path.is_file():  # keep the other instances of an earlier full build
        keep = {json.loads(ln)["instance_id"]: ln for ln in path.read_text().splitlines() if ln.strip()}
    keep |= {i["instance_id"]: json.dumps(i) for i in built}
    order = [s["instance_id"] for s in specs if s["instance_id"] in keep]
    path.write_text("".join(keep[i] + "\n" for i in order))
    print(f"{len(built)} built, {failed} failed -> {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
