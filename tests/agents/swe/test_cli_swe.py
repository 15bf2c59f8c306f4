"""`bench swe` end to end: grading predictions through a subprocess, the solving path through the runner
with a scripted model (`--plugin`), resume after a kill, and bad input as one line on stderr."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agents.paths import id_dirname

ROOT = Path(__file__).resolve().parents[3]
IDS = ["confparse-1", "cronparse-1", "spans-1", "wraptext-1"]


def _registered() -> bool:
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", "--help"], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    return r.returncode == 0 and "--predictions" in r.stdout


ENTRY = {"standalone": ["-m", "agents.cli_swe"], "scaleagent": ["-m", "agents.cli", "bench", "swe"]}


@pytest.fixture(scope="module", params=list(ENTRY))
def entry(request):
    if request.param == "scaleagent" and not _registered():
        pytest.skip("`bench swe` is not registered in agents/cli.py yet")
    return ENTRY[request.param]


def cli(entry, *args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *entry, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


@pytest.fixture
def subset(swe_records, tmp_path):
    recs = [r for r in swe_records if r["instance_id"] in IDS]
    (tmp_path / "inst.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    preds = [{"instance_id": "confparse-1", "model_name_or_path": "gold", "model_patch": recs[0]["patch"]},
             {"instance_id": "cronparse-1", "model_name_or_path": "gold", "model_patch": ""},
             {"instance_id": "spans-1", "model_name_or_path": "gold", "model_patch": "not a diff"},
             {"instance_id": "nobody-1", "model_name_or_path": "gold", "model_patch": ""}]
    (tmp_path / "preds.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    return tmp_path


def test_grade_predictions_json(entry, subset, sandbox_backend):
    out = subset / "out"
    r = cli(entry, "inst.jsonl", "--predictions", "preds.jsonl", "--out", "out", "--json", "--workers", "2",
            "--sandbox", sandbox_backend, cwd=subset)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert (summary["total"], summary["resolved"], summary["unresolved"], summary["error"]) == (4, 1, 1, 2)
    assert summary["resolved_ids"] == ["confparse-1"] and summary["unresolved_ids"] == ["cronparse-1"]
    assert summary["error_ids"] == ["spans-1", "wraptext-1"]
    assert summary["unknown_prediction_ids"] == ["nobody-1"]
    assert json.loads((out / "summary.json").read_text())["resolved"] == 1
    reports = {i: json.loads((out / i / "report.json").read_text()) for i in IDS}
    assert reports["wraptext-1"]["reason"] == "no prediction"
    assert "model patch does not apply" in reports["spans-1"]["reason"]
    assert reports["confparse-1"]["model_name_or_path"] == "gold"
    # rerun: everything is kept, nothing regraded
    mtime = (out / "confparse-1" / "report.json").stat().st_mtime_ns
    again = cli(entry, "inst.jsonl", "--predictions", "preds.jsonl", "--out", "out", "--json", cwd=subset)
    assert json.loads(again.stdout)["resolved_ids"] == ["confparse-1"]
    assert (out / "confparse-1" / "report.json").stat().st_mtime_ns == mtime


def _bench_app():
    """The app as agents/cli.py builds it (`bench` group from make_bench_app)."""
    import typer

    from agents.cli_swe import make_bench_app

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.add_typer(make_bench_app(), name="bench")

    @app.command()
    def other() -> None:
        pass
    return app


BAD = [
    (["missing.jsonl", "--predictions", "preds.jsonl"], "does not exist"),
    (["bad.jsonl", "--predictions", "preds.jsonl"], "bad.jsonl:2: invalid JSON"),
    (["nolist.jsonl", "--predictions", "preds.jsonl"], "FAIL_TO_PASS"),
    (["inst.jsonl", "--predictions", "nope.jsonl"], "predictions file nope.jsonl does not exist"),
    (["inst.jsonl", "--predictions", "badpreds.jsonl"], "badpreds.jsonl:1:"),
    (["inst.jsonl", "--predictions", "preds.jsonl", "--sandbox", "vm"], "unknown sandbox"),
    (["inst.jsonl", "--predictions", "preds.jsonl", "--ids", "nosuch-9"], "unknown instance id"),
    (["inst.jsonl", "--mode", "wild"], "bad --mode"),
    (["inst.jsonl", "--edit-format", "udiff"], "bad --edit-format 'udiff'"),
    (["inst.jsonl", "--budget", "usd=lots"], "bad value"),
    (["inst.jsonl", "--price", "cheap"], "bad --price"),
]


def _bad_files(subset):
    (subset / "bad.jsonl").write_text((subset / "inst.jsonl").read_text().splitlines()[0] + "\n{oops\n")
    rec = json.loads((subset / "inst.jsonl").read_text().splitlines()[0])
    (subset / "nolist.jsonl").write_text(json.dumps(rec | {"FAIL_TO_PASS": "tests/x.py::t"}) + "\n")
    (subset / "badpreds.jsonl").write_text('{"model_patch": ""}\n')


def _one_error_line(stderr, needle):
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("scaleagent: error:") and needle in lines[0], stderr


@pytest.mark.parametrize("args,needle", BAD + [(["mmlu"], "unknown benchmark 'mmlu'")])
def test_bad_input_is_one_line(subset, args, needle, monkeypatch, capsys):
    from agents.cli_support import run_cli

    _bad_files(subset)
    monkeypatch.chdir(subset)
    argv = ["bench", *(args if args == ["mmlu"] else ["swe", *args, "--out", "out", "--json"])]
    with pytest.raises(SystemExit) as exc:
        run_cli(_bench_app(), argv)
    assert exc.value.code != 0
    err = capsys.readouterr()
    assert err.out == "" and "Traceback" not in err.err
    _one_error_line(err.err, needle)
    assert not (subset / "out").exists()


def test_bad_input_through_a_process(entry, subset):
    _bad_files(subset)
    r = cli(entry, "bad.jsonl", "--predictions", "preds.jsonl", "--out", "out", cwd=subset)
    assert r.returncode == 2 and "Traceback" not in r.stderr + r.stdout and r.stdout == ""
    _one_error_line(r.stderr, "bad.jsonl:2: invalid JSON")


def _solve(work, backend, *, fix, fail=(), kill=()):
    """`bench swe` solving WORK/inst.jsonl into WORK/out through the runner (one worker: tasks in file order)
    with the scripted model of swe_cli_plugin.py; (the process, the model calls "<id> localize|patch")."""
    here = Path(__file__).parent
    calls = work / "calls.txt"
    calls.write_text("")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, (ROOT, here.parent, here))),
               LITELLM_LOCAL_MODEL_COST_MAP="True", SWE_CLI_INSTANCES=str(work / "inst.jsonl"), SWE_CLI_CALLS=str(calls),
               SWE_CLI_FIX=",".join(fix), SWE_CLI_FAIL=",".join(fail), SWE_CLI_KILL=",".join(kill))
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", "inst.jsonl", "--mode", "single", "--k", "1",
                        "--model", "scripted/swe-cli", "--plugin", "swe_cli_plugin", "--sandbox", backend, "--budget",
                        "tokens=100k,run_tests=10", "--workers", "1", "--out", "out", "--json"],
                       cwd=work, env=env, check=False, capture_output=True, text=True, timeout=600)
    return r, calls.read_text().splitlines()


def test_solve_path_resumes(swe_records, tmp_path, sandbox_backend):
    """Solving through the runner: a fix resolves, a patch that fixes nothing is unresolved, a solve whose every
    model call failed is an error and no prediction. The bench is killed in the middle of its last solve
    (slugkit-1), and confparse-1 as if while being graded; the rerun solves only what is unfinished: slugkit-1
    continues from its checkpoint (no second localization), confparse-1 is graded without a model call."""
    ids = [*IDS, "slugkit-1"]
    recs = {r["instance_id"]: r for r in swe_records}
    (tmp_path / "inst.jsonl").write_text("".join(json.dumps(recs[i]) + "\n" for i in ids))
    fix = ("confparse-1", "spans-1", "slugkit-1")
    r, calls = _solve(tmp_path, sandbox_backend, fix=fix, fail=("wraptext-1",), kill=("slugkit-1",))
    assert r.returncode == -9 and calls == ["confparse-1 localize", "confparse-1 patch", "cronparse-1 localize",
                                            "cronparse-1 patch", "spans-1 localize", "spans-1 patch",
                                            "slugkit-1 localize"], (r.returncode, calls, r.stderr[-2000:])
    out = tmp_path / "out"
    db = sqlite3.connect(str(out / "results.sqlite"))
    assert sorted(t for (t,) in db.execute("SELECT task_id FROM tasks")) == sorted(IDS)  # slugkit-1 never finished
    for table in ("tasks", "steps", "verdicts", "stage_spend", "tool_spend"):  # confparse-1: as if never recorded
        db.execute(f"DELETE FROM {table} WHERE task_id = 'confparse-1'")
    db.commit()
    db.close()
    (out / "confparse-1" / "run" / "bench_row.json").unlink()

    r, calls = _solve(tmp_path, sandbox_backend, fix=fix)
    assert r.returncode == 0, r.stderr[-3000:]
    assert calls == ["slugkit-1 patch"]  # resumed after its localization; confparse-1 not solved again
    summary = json.loads(r.stdout)
    assert summary["resolved_ids"] == ["confparse-1", "slugkit-1", "spans-1"]
    assert summary["unresolved_ids"] == ["cronparse-1"] and summary["error_ids"] == ["wraptext-1"]
    assert summary["model"] == "scripted/swe-cli" and summary["total"] == 5
    reports = {i: json.loads((out / i / "report.json").read_text()) for i in ids}
    spent = [reports[i]["solve"]["spend"] for i in ids]
    assert summary["spend"]["input_tokens"] == sum(s["input_tokens"] for s in spent) > 0
    assert summary["spend"]["model_calls"] == sum(s["model_calls"] for s in spent) >= 8
    assert reports["wraptext-1"]["reason"].startswith("solve failed:") and \
        "model server went away" in reports["wraptext-1"]["reason"]
    preds = [json.loads(ln) for ln in (out / "predictions.jsonl").read_text().splitlines()]
    assert {p["instance_id"] for p in preds} == {"confparse-1", "cronparse-1", "slugkit-1", "spans-1"}
    assert all(p["model_name_or_path"] == "scripted/swe-cli" for p in preds)


def test_bench_swe_keeps_traversing_ids_under_out(swe_records, tmp_path):
    """An id of `../../x`, `/abs…` or `a/../../b` wrote (or rmtree'd) outside --out before."""
    rec = next(r for r in swe_records if r["instance_id"] == "confparse-1")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    ids = ["../../escaped", str(victim), "a/../../b"]
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "inst.jsonl").write_text("".join(json.dumps(rec | {"instance_id": i}) + "\n" for i in ids))
    (tmp_path / "work" / "preds.jsonl").write_text("".join(
        json.dumps({"instance_id": i, "model_name_or_path": "gold", "model_patch": rec["patch"]}) + "\n" for i in ids))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", "inst.jsonl", "--predictions", "preds.jsonl",
                        "--out", "out/deep", "--sandbox", "local", "--json"], capture_output=True, text=True,
                       cwd=tmp_path / "work", env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["total"] == 3 and summary["resolved"] == 3
    out = tmp_path / "work" / "out" / "deep"
    made = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(made) == 3 and made == sorted(id_dirname(i) for i in ids)
    assert (victim / "keep.txt").read_text() == "mine" and sorted(os.listdir(victim)) == ["keep.txt"]
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "work" / "escaped").exists()
    assert not (tmp_path / "work" / "b").exists() and not (tmp_path / "b").exists()


def test_an_id_with_a_nul_is_a_one_line_error(swe_records, tmp_path):
    rec = swe_records[0]
    (tmp_path / "inst.jsonl").write_text(json.dumps(rec | {"instance_id": "a\u0000b"}) + "\n")
    (tmp_path / "preds.jsonl").write_text("")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", "inst.jsonl", "--predictions",
                        "preds.jsonl", "--out", "out"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "inst.jsonl:1" in lines[0] and "control" in lines[0], r.stderr
    assert not (tmp_path / "out").exists()
