"""Registers the SWE pipeline (`swe`: localize → reproduce → patch → select) in agents.pipelines.

The run config carries the instance ("instance": its SWE-bench record, `repo` made absolute) and
the options (mode, k, edit_format); the task is rebuilt from them on resume. After a run, the final
patch is written to RUN_DIR/patch.diff and RUN_DIR/predictions.jsonl and reported with its checks.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agents.pipelines import PipelineKind, register


def build(o: dict[str, Any]):
    from agents.errors import ConfigError
    from agents.swe.pipeline import MODES, swe_pipeline

    mode = o.get("mode", "scaled")
    if mode not in MODES:
        raise ConfigError(f"bad swe mode {mode!r}: choose one of {', '.join(MODES)}")
    return swe_pipeline(mode, k=int(o.get("k", 4)), edit_format=o.get("edit_format", "auto"))


def record(inst: Any) -> dict[str, Any]:
    """The instance as the run config keeps it: its record, with `repo` as found now (an absolute
    path or a URL), so a resume from another directory finds the same repository."""
    from agents.swe.instances import repo_source

    return inst.to_record() | {"repo": repo_source(inst)}


def one_instance(source: Path | str, instance_id: str | None, flag: str = "--problem", hint: str = "") -> Any:
    """The instance `instance_id` of an instances file, or its only one; a one-line error otherwise."""
    from agents.errors import ConfigError
    from agents.swe.instances import load_instances

    items = load_instances(source)
    if instance_id:
        items = [i for i in items if i.instance_id == instance_id]
        if not items:
            raise ConfigError(f"no instance {instance_id!r} in {source}")
    if len(items) != 1:
        raise ConfigError(f"{source} holds {len(items)} instances: choose one with {flag} ID{hint}")
    return items[0]


def pick(problem: str | None, source: Path | None) -> dict[str, Any]:
    from agents.errors import ConfigError
    from agents.swe.instances import materialize_repo

    if source is None:
        raise ConfigError("give the instances file with --instance FILE (and the instance with --problem ID)")
    inst = one_instance(source, problem)
    materialize_repo(inst)  # a missing repository or commit is an error before anything is written
    return {"task_id": inst.instance_id, "instance": record(inst)}


def task(cfg: dict[str, Any], run_dir: Path):
    from pydantic import ValidationError

    from agents.errors import ConfigError
    from agents.swe.instances import Instance, materialize_repo
    from agents.swe.solve import export_tree, to_task

    try:
        inst = Instance(**(cfg.get("instance") or {}))
    except (ValidationError, TypeError):
        raise ConfigError(f"the run config in {run_dir} holds no valid SWE instance") from None
    from agents.swe.bench_runner import env_failure
    from sandboxes.pyenv import EnvError

    broken = env_failure(cfg)
    if broken:  # a bench task whose environment is broken: its row's error, before any model call
        raise EnvError(broken)
    repo = materialize_repo(inst)
    view = export_tree(repo, inst.base_commit, Path(run_dir) / "src")  # what localization reads; stable across resume
    return to_task(inst, repo, view)


def finish(result: Any, cfg: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    from agents.swe.pipeline import final_checks, final_patch
    from agents.trajectory import write_atomic

    patch = final_patch(result)
    checks = final_checks(result) if patch else {"verified": False}
    write_atomic(Path(run_dir) / "patch.diff", patch, redacted=False)  # graded as written: byte-exact
    line = {"instance_id": result.task.id, "model_name_or_path": cfg.get("model", ""), "model_patch": patch}
    write_atomic(Path(run_dir) / "predictions.jsonl", json.dumps(line) + "\n", redacted=False)
    extra: dict[str, Any] = {"patch": patch, "checks": checks}
    if cfg.get("env_build"):  # a bench task: its environment's build before the run (bench_runner)
        extra["env_build"] = cfg["env_build"]
    if cfg.get("grade"):  # a benchmark task: grade the patch against the instance's hidden tests
        from agents.swe.grading import grade
        from agents.swe.instances import Instance

        rep = grade(Instance(**cfg["instance"]), patch, sandbox=cfg.get("sandbox") or "bwrap",
                    timeout=float(cfg.get("grade_timeout") or 900))
        write_atomic(Path(run_dir) / "report.json", rep.model_dump_json(indent=2))
        extra["grade"] = {"status": rep.status, "reason": rep.reason}
    return extra


def bench_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """spec: {"source": instances file, "ids": [...] (optional), "timeout": grading seconds, "sandbox": the
    backend (optional: then each instance's environment is built now, before any task runs, and its
    `env_build` line goes in the task: agents.swe.bench_runner), "say": a callable that gets a line per
    environment (optional)}: one task per instance, graded after its run (`grade`)."""
    from agents.errors import ConfigError
    from agents.swe.instances import load_instances

    if not spec.get("source"):
        raise ConfigError("give the SWE-bench instances file (--source FILE)")
    insts = load_instances(spec["source"])
    if spec.get("ids"):
        unknown = sorted(set(spec["ids"]) - {i.instance_id for i in insts})
        if unknown:
            raise ConfigError(f"unknown instance id {unknown[0]!r} in --ids: see {spec['source']}")
        insts = [i for i in insts if i.instance_id in set(spec["ids"])]
    tasks = [{"task_id": i.instance_id, "instance": record(i), "grade": True,
              "grade_timeout": float(spec.get("timeout") or 900)}
             | ({"difficulty": i.model_extra["difficulty"]} if "difficulty" in (i.model_extra or {}) else {})
             for i in insts]  # a `difficulty` field (SWE-bench Verified's, or 0..1) sizes a --batch-budget share
    if spec.get("sandbox"):
        from agents.swe.bench_runner import with_environments

        tasks = with_environments(tasks, insts, spec["sandbox"], spec.get("say"))
    return tasks


def score(result: Any, extra: dict[str, Any]) -> dict[str, Any]:
    g = extra.get("grade") or {}
    out = {"success": g.get("status") == "resolved", "grade": g.get("status"), "checks": extra.get("checks") or {}}
    if extra.get("env_build"):
        out["env_build"] = extra["env_build"]
    if g.get("status") == "error":
        out["error"] = f"grading: {g.get('reason')}"
    return out


def checks_line(checks: dict[str, Any] | None, has_patch: bool) -> str | None:
    """One line (rich markup) on what verification said of a patch; None without a patch."""
    c = checks or {}
    if not c.get("verified"):
        return "checks: the patch was not tested (single mode)" if has_patch else None
    line = f"checks: fixes {c['fixed']} of {c['reproductions']} generated reproduction tests"
    if c.get("distrusted"):
        line += f" ({len(c['distrusted'])} distrusted: no candidate passed them)"
    if c.get("regressions"):
        return f"[yellow]{line}; breaks {len(c['regressions'])} existing test(s), first {c['regressions'][0]}[/]"
    return line + "; keeps the existing tests passing"


def lines(extra: dict[str, Any]) -> list[str]:
    from rich.markup import escape

    patch = extra.get("patch") or ""
    out = [escape(patch.rstrip("\n"))] if patch else ["[yellow]no patch produced[/]"]
    line = checks_line(extra.get("checks"), bool(patch))
    return out + ([line] if line else [])


register(PipelineKind(name="swe", build=build, pick=pick, task=task, finish=finish, lines=lines,
                      bench_tasks=bench_tasks, score=score,
                      help="fix a GitHub issue: localize, reproduce, patch, select (options: mode, k, edit_format)"))
