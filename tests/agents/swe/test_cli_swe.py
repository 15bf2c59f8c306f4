"""`bench swe` end to end: grading predictions through a subprocess, the solving path with a stand-in
solver, resume after a kill, and bad input as one line on stderr."""
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from agents.paths import id_dirname
from agents.swe.bench import run_bench_swe

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


def _stand_in(calls, patches, fail=()):
    """What agents.swe.solve.solve_instance returns, without a model."""
    async def solve_instance(inst, *, model, budget=None, sandbox="bwrap", run_dir, mode="scaled", on_event=None,
                             resume=False, **kw):
        calls.append(inst.instance_id + (" (resumed)" if resume else ""))
        if inst.instance_id in fail:
            raise RuntimeError("model server went away")
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        spend = {"cost_usd": 0.01, "input_tokens": 100, "output_tokens": 20, "model_calls": 2, "tool_calls": {}}
        on_event({"event": "spend", "snapshot": {"spent": spend}})
        return SimpleNamespace(model_patch=patches.get(inst.instance_id, ""), status="accepted", spend=spend, wall_s=0.1)
    return solve_instance


def test_solve_path_resumes(subset, swe_instances, sandbox_backend, monkeypatch):
    monkeypatch.setattr("agents.swe.bench.check_model", lambda *a, **k: None)
    patches = {i: swe_instances[i].patch for i in ("confparse-1", "spans-1")}
    calls, events = [], []
    out = subset / "solve"
    summary = run_bench_swe(subset / "inst.jsonl", out=out, sandbox=sandbox_backend, model="fake/m", workers=2,
                            solve=_stand_in(calls, patches, fail=("wraptext-1",)), on_progress=events.append)
    assert sorted(calls) == sorted(IDS)
    assert summary["resolved_ids"] == ["confparse-1", "spans-1"] and summary["unresolved_ids"] == ["cronparse-1"]
    assert summary["error_ids"] == ["wraptext-1"] and summary["model"] == "fake/m"
    assert summary["spend"]["cost_usd"] == pytest.approx(0.03) and summary["spend"]["input_tokens"] == 300
    assert "solve failed: RuntimeError: model server went away" in \
        json.loads((out / "wraptext-1" / "report.json").read_text())["reason"]
    preds = [json.loads(ln) for ln in (out / "predictions.jsonl").read_text().splitlines()]
    assert {p["instance_id"] for p in preds} == {"confparse-1", "cronparse-1", "spans-1"}
    assert all(p["model_name_or_path"] == "fake/m" for p in preds)
    assert any(e["event"] == "spend" for e in events) and sum(e["event"] == "done" for e in events) == 4

    # a "kill": one instance solved but not graded, one never finished; the rest are kept
    (out / "confparse-1" / "report.json").unlink()
    (out / "wraptext-1" / "report.json").unlink()
    (out / "wraptext-1" / "run").mkdir(parents=True, exist_ok=True)
    (out / "wraptext-1" / "run" / "run.json").write_text("{}")  # its checkpoint
    calls.clear()
    summary = run_bench_swe(subset / "inst.jsonl", out=out, sandbox=sandbox_backend, model="fake/m",
                            solve=_stand_in(calls, patches))
    assert calls == ["wraptext-1 (resumed)"]  # confparse-1 reused its prediction, no second solve
    assert summary["resolved_ids"] == ["confparse-1", "spans-1"] and summary["error"] == 0


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
