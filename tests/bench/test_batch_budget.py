"""`--batch-budget`: one budget per arm that its tasks draw from (agents.bench.batch). The caps of the
tasks in flight plus what the finished ones spent never pass the batch; what a task leaves unspent
goes to the tasks after it; the arm's --budget still caps each task; a resumed task keeps its caps;
bad batches are one-line errors."""
import json
import random
from pathlib import Path

import pytest

from budgets import Budget

from agents.bench import run_bench
from agents.bench.batch import BatchBudget, parse_batch
from agents.errors import ConfigError
from tests.bench.helpers import KIND, arms, rows, run_cli, summary_of


def _spec(task: str, run_dir: Path, budget: dict | None = None) -> dict:
    return {"arm_id": "a", "task_id": task, "run_dir": str(run_dir), "cfg": {"budget": budget or {}}}


def test_allocations_flow_back_and_never_pass_the_batch(tmp_path):
    rng = random.Random(7)
    for trial in range(30):
        n = rng.randint(1, 8)
        batch = BatchBudget(Budget(tokens=10_000, tools={"run_tests": 40}), {"a": n})
        total_spent, flying = {"tokens": 0, "run_tests": 0}, {}
        todo = [f"t{i}" for i in range(n)]
        while todo or flying:
            if todo and (not flying or rng.random() < 0.5):  # start a task (several may run at once)
                tid = todo.pop(0)
                cfg = batch.assign(_spec(tid, tmp_path / f"{trial}-{tid}"))["cfg"]
                flying[tid] = (cfg["budget"]["tokens"], cfg["budget"]["tools"]["run_tests"])
            else:                                           # a task ends, spending at most its caps
                tid = rng.choice(sorted(flying))
                tok, rt = flying.pop(tid)
                used = {"input_tokens": rng.randint(0, tok), "tool_calls": {"run_tests": rng.randint(0, rt)}}
                batch.settle({"arm_id": "a", "task_id": tid, "spend": used})
                total_spent["tokens"] += used["input_tokens"]
                total_spent["run_tests"] += used["tool_calls"]["run_tests"]
            held = [sum(c[i] for c in flying.values()) for i in (0, 1)]
            assert total_spent["tokens"] + held[0] <= 10_000 and total_spent["run_tests"] + held[1] <= 40
        assert batch.report("a")["spent"] == total_spent


def test_unspent_budget_goes_to_later_tasks_and_hard_tasks_get_more(tmp_path):
    batch = BatchBudget(Budget(tokens=4000), {"a": 4})
    first = batch.assign(_spec("t0", tmp_path / "0"))["cfg"]["budget"]["tokens"]
    assert first == 1000  # an equal share
    batch.settle({"arm_id": "a", "task_id": "t0", "spend": {"input_tokens": 100}})
    assert batch.assign(_spec("t1", tmp_path / "1"))["cfg"]["budget"]["tokens"] == 1300  # 3900 / 3
    hard = BatchBudget(Budget(tokens=4000), {"a": 4}).assign(_spec("t0", tmp_path / "h"), difficulty=1.0)
    easy = BatchBudget(Budget(tokens=4000), {"a": 4}).assign(_spec("t0", tmp_path / "e"), difficulty=0.0)
    assert (hard["cfg"]["budget"]["tokens"], easy["cfg"]["budget"]["tokens"]) == (2000, 500)


def test_difficulty_hints_numbers_and_swe_bench_verified_labels():
    from agents.bench.batch import hint

    assert [hint(v) for v in (0, 0.5, 1, "<15 min fix", ">4 hours")] == [0.0, 0.5, 1.0, 0.0, 1.0]
    assert [hint(v) for v in (1.5, -0.1, True, "hard", None)] == [None] * 5


def test_swe_tasks_carry_an_instances_difficulty(tmp_path):
    from agents.swe.register import bench_tasks

    rows = [{"instance_id": f"i{n}", "repo": str(tmp_path), "base_commit": "0" * 40, "problem_statement": "p"} for n in (0, 1)]
    rows[0]["difficulty"] = "1-4 hours"
    (tmp_path / "i.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    frags = {f["task_id"]: f for f in bench_tasks({"source": str(tmp_path / "i.jsonl")})}
    assert frags["i0"]["difficulty"] == "1-4 hours" and "difficulty" not in frags["i1"]


def test_the_arms_own_caps_bound_each_task_and_other_caps_are_kept(tmp_path):
    batch = BatchBudget(Budget(tokens=100_000), {"a": 2})
    cfg = batch.assign(_spec("t0", tmp_path / "0", {"tokens": 8000, "wall_seconds": 60, "tools": {"run_tests": 5}}))
    b = cfg["cfg"]["budget"]
    assert (b["tokens"], b["wall_seconds"], b["tools"]) == (8000, 60, {"run_tests": 5})
    assert cfg["cfg"]["batch"]["total"]["tokens"] == 100_000


def test_finished_tasks_count_from_store_rows_and_runner_rows():
    store_row = {"arm_id": "a", "task_id": "t0", "input_tokens": 300, "output_tokens": 20, "tool_calls": {}}
    runner_row = {"arm_id": "a", "task_id": "t1", "spend": {"input_tokens": 100, "output_tokens": 0}}
    batch = BatchBudget(Budget(tokens=4000), {"a": 2}, done=[store_row, runner_row])
    assert batch.report("a")["spent"] == {"tokens": 420} and batch.remaining("a") == {"tokens": 3580.0}


def test_a_resumed_task_keeps_the_caps_it_started_with(tmp_path):
    run_dir = tmp_path / "t0"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"run_id": "r", "config": {"pipeline": "p", "budget": {"tokens": 1234}}}))
    (run_dir / "checkpoints.sqlite").touch()  # a run the cell resumes
    batch = BatchBudget(Budget(tokens=4000), {"a": 2})
    got = batch.assign(_spec("t0", run_dir))["cfg"]
    assert got["budget"]["tokens"] == 1234 and got["batch"]["resumed"] is True
    assert batch.assign(_spec("t1", tmp_path / "t1"))["cfg"]["budget"]["tokens"] == 4000 - 1234


def test_bench_tasks_draw_from_the_batch_and_a_rerun_counts_what_was_spent(tmp_path):
    out = tmp_path / "out"
    spec = {"n": 4, "fail": ["t0"]}  # t0 never reaches the accept score: it spends its whole share
    s = run_bench(KIND, spec, arms(steps=2), out=out, workers=1, batch=Budget(tokens=2400))
    got = {r["task_id"]: r for r in rows(out)}
    caps = {t: json.loads((Path(r["run_dir"]) / "run.json").read_text())["config"]["budget"]["tokens"]
            for t, r in got.items()}
    spent = {t: r["input_tokens"] + r["output_tokens"] for t, r in got.items()}
    assert caps["t0"] == 600 and caps["t1"] == (2400 - spent["t0"]) // 3  # what t0 left flowed on
    # the last task gets what is left, up to twice an equal share of the whole batch
    assert caps["t3"] == min(1200, 2400 - spent["t0"] - spent["t1"] - spent["t2"]) == 1200
    assert sum(spent.values()) <= 2400 and all(spent[t] <= caps[t] for t in caps)
    arm = s["arms"]["default"]
    assert arm["batch_budget"] == {"total": {"tokens": 2400}, "spent": {"tokens": sum(spent.values())}}
    assert [got[t]["status"] for t in ("t0", "t1", "t2", "t3")] == ["failure", "success", "success", "success"]
    again = run_bench(KIND, spec, arms(steps=2), out=out, workers=1, batch=Budget(tokens=2400))
    assert again["arms"]["default"]["batch_budget"]["spent"] == {"tokens": sum(spent.values())}
    for other in (Budget(tokens=4800), None):  # another batch (or none) is another run: refused, not mixed
        with pytest.raises(ConfigError, match="with other settings"):
            run_bench(KIND, spec, arms(steps=2), out=out, workers=1, batch=other)


def test_a_spent_batch_leaves_later_tasks_unable_to_call_not_crashed(tmp_path):
    out = tmp_path / "out"
    run_bench(KIND, {"n": 3}, arms(steps=2), out=out, workers=2, batch=Budget(tokens=700))
    got = rows(out)
    assert len(got) == 3 and sum(r["input_tokens"] + r["output_tokens"] for r in got) <= 700
    assert {r["status"] for r in got} <= {"success", "failure"} and any(r["status"] == "failure" for r in got)


@pytest.mark.parametrize("text, needle", [("seconds=5", "seconds cannot be shared"), ("unlimited", "at least one cap"),
                                          ("tokens=-1", "tokens")])
def test_bad_batch_budgets_are_config_errors(text, needle):
    with pytest.raises(Exception) as err:
        parse_batch(text)
    assert needle in str(err.value) and len(str(err.value).splitlines()) == 1


def test_the_cli_takes_a_batch_and_refuses_a_tool_the_kind_lacks(tmp_path):
    r = run_cli(tmp_path / "ok", 3, "--batch-budget", "tokens=3000")
    assert r.returncode == 0, r.stderr
    arm = summary_of(r.stdout)["arms"]["default"]
    assert arm["batch_budget"]["total"] == {"tokens": 3000} and arm["batch_budget"]["spent"]["tokens"] <= 3000
    bad = run_cli(tmp_path / "bad", 3, "--batch-budget", "tokenz=5")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()] and "bad --batch-budget" in bad.stderr
    assert not (tmp_path / "bad").exists()  # nothing written


def test_the_progress_bar_counts_the_batch_as_the_runs_cap():
    from agents.bench.progress import budget_total

    two = arms(budgets=(("a", Budget(tokens=1000)), ("b", Budget(tokens=5000))))
    assert budget_total(two, 4) == {"tokens": 24_000}
    assert budget_total(two, 4, Budget(tokens=6000)) == {"tokens": 4000 + 6000}  # per arm: the smaller
    assert budget_total(arms(budgets=(("", Budget()),)), 4, Budget(tokens=6000)) == {"tokens": 6000}


def test_check_arms_refuses_an_unknown_tool_in_the_batch():
    from agents.bench.runner import check_arms

    with pytest.raises(ConfigError, match="bad --batch-budget"):
        check_arms(arms(), Budget(tools={"no_such_tool": 3}))
