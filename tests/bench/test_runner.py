"""The runner through the scripted kind (a scripted model, a trivial verifier): rows for every outcome, a
hanging task stopped by its timeout, a crashing task as an error, sweeps as arms, reruns that add
nothing, and the store's tables."""
import sqlite3

import pytest

from agents.bench import run_bench
from agents.errors import ConfigError
from tests.bench.helpers import KIND, arms, rows


def test_every_outcome_is_a_row_and_the_run_goes_on(tmp_path):
    out = tmp_path / "out"
    spec = {"n": 5, "hang": ["t1"], "crash": ["t2"], "fail": ["t3"]}
    s = run_bench(KIND, spec, arms(steps=2), out=out, workers=2, timeout=6)
    by_id = {r["task_id"]: r for r in rows(out)}
    assert {k: v["status"] for k, v in by_id.items()} == {"t0": "success", "t1": "timeout", "t2": "error",
                                                          "t3": "failure", "t4": "success"}
    assert "timed out after 6 s" in by_id["t1"]["error"]
    from agents.bench.cell import read_row  # kept beside the task too (a store that cannot take it gets it later)
    assert read_row(out / "arms" / "default" / "t1")["status"] == "timeout"
    assert "crashed on purpose" in by_id["t2"]["error"]
    arm = s["arms"]["default"]
    assert (arm["tasks"], arm["succeeded"], arm["error"], arm["timeout"]) == (5, 2, 1, 1)
    # spend totals are the sum of the tasks'
    assert by_id["t1"]["model_calls"] >= 1  # the hung call is charged (its reservation, from the spend journal)
    assert arm["model_calls"] == sum(r["model_calls"] for r in by_id.values()) == 2 + 2 + 3 + by_id["t1"]["model_calls"]
    assert arm["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in by_id.values()))
    # a rerun of the same benchmark keeps every row and runs nothing again
    again = run_bench(KIND, spec, arms(steps=2), out=out, workers=2, timeout=6)
    assert len(rows(out)) == 5 and again["arms"]["default"] == arm


def test_a_sweep_is_one_arm_per_cell_with_steps_verdicts_and_stage_spend(tmp_path):
    out = tmp_path / "out"
    a = arms(ks=(1, 2), budgets=(("tokens=50k", None), ("tokens=80k", None)))
    s = run_bench(KIND, {"n": 2}, a, out=out, workers=2)
    assert sorted(s["arms"]) == ["default-k1-tokens=50k", "default-k1-tokens=80k", "default-k2-tokens=50k",
                                 "default-k2-tokens=80k"]
    assert s["totals"]["tasks"] == 8 and s["totals"]["succeeded"] == 8
    db = sqlite3.connect(str(out / "results.sqlite"))
    assert db.execute("SELECT COUNT(*) FROM steps").fetchone()[0] == 8
    assert db.execute("SELECT COUNT(*) FROM verdicts WHERE arm_id LIKE 'default-k2%'").fetchone()[0] == 4 * 2
    assert db.execute("SELECT COUNT(*) FROM verdicts WHERE selected=1").fetchone()[0] == 8
    spent = db.execute("SELECT SUM(model_calls), SUM(input_tokens) FROM stage_spend").fetchone()
    assert spent == db.execute("SELECT SUM(model_calls), SUM(input_tokens) FROM tasks").fetchone()
    assert db.execute("SELECT COUNT(*) FROM arms").fetchone()[0] == 4


def test_the_same_out_with_other_arm_settings_is_refused(tmp_path):
    out = tmp_path / "out"
    run_bench(KIND, {"n": 1}, arms(steps=1), out=out)
    with pytest.raises(ConfigError, match="other settings"):
        run_bench(KIND, {"n": 1}, arms(steps=2), out=out)


def test_a_budget_that_could_not_hold_is_refused_before_anything_is_written(tmp_path):
    from budgets import Budget

    bad = arms(budgets=(("run_tests=3", Budget(tools={"run_tests": 3})),))
    with pytest.raises(Exception, match="run_tests"):
        run_bench(KIND, {"n": 1}, bad, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,needle", [(["--executor", "nope"], "bad --executor 'nope'"),
                                         (["--address", "127.0.0.1:6379"], "--address is for --executor ray"),
                                         (["--k", "0"], "bad --k 0"), (["--option", "steps"], "bad --option"),
                                         (["--mode", "a,,b"], "empty item")])
def test_bad_runner_input_is_one_line(tmp_path, argv, needle):
    from tests.bench.helpers import run_cli

    r = run_cli(tmp_path / "out", 2, *argv, timeout=120)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_retry_errors_runs_only_the_error_and_timeout_tasks_again(tmp_path):
    from agents.bench.runner import Runner, make_executor, plan_tasks

    out = tmp_path / "out"
    spec = {"n": 3, "crash": ["t1"]}
    run_bench(KIND, spec, arms(), out=out)
    before = {r["task_id"]: r for r in rows(out)}
    assert before["t1"]["status"] == "error"
    ex = make_executor("local", workers=1, timeout=None)
    s = Runner(KIND, plan_tasks(KIND, {"n": 3}), arms(), out=out, executor=ex, retry_errors=True).run()  # t1 fixed now
    after = {r["task_id"]: r for r in rows(out)}
    assert after["t1"]["status"] == "success" and s["arms"]["default"]["succeeded"] == 3
    assert all(after[t]["finished"] == before[t]["finished"] for t in ("t0", "t2"))  # kept, not run again
    assert len(after) == 3
