"""The spend journal (issue 10 item 12): a killed step's spend is recorded, never lost, never doubled."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from budgets import JOURNAL_MARK, Budget, BudgetTracker, Spend

ROOT = Path(__file__).resolve().parents[2]

# A run that checkpoints, spends 2 settled calls after the checkpoint, then is killed inside a
# budgeted model call (the scripted model sleeps); its worst case is 1 call, 32 in (the character
# bound of an empty message), 50 out tokens.
CHILD = textwrap.dedent("""
    import asyncio, json, sys
    from budgets import Budget, BudgetTracker, Spend
    from agents import calls
    from agents.models.base import GenerationParams
    from agents.models.scripted import ScriptedModel

    journal, ckpt = sys.argv[1], sys.argv[2]
    run = BudgetTracker(Budget(tokens=10_000))
    run.attach_journal(journal)
    stage = run.child("solve", share=0.5, of_remaining=True)
    stage.charge(Spend(input_tokens=100, output_tokens=10, model_calls=1))
    open(ckpt, "w").write(json.dumps(run.ledger()))          # the engine's checkpoint
    stage.charge(Spend(input_tokens=7, output_tokens=3, model_calls=1))
    stage.child("step1").charge(Spend(input_tokens=5, model_calls=1))
    model = ScriptedModel(default="x", input_tokens=10, delay=60)
    async def main():
        print("calling", flush=True)
        await calls.complete(model, stage, [{"role": "user", "content": ""}], GenerationParams(max_tokens=50))
    asyncio.run(main())
""")


def _killed_run(tmp_path: Path) -> tuple[Path, dict]:
    journal, ckpt = tmp_path / "spend.jsonl", tmp_path / "ckpt.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(journal), str(ckpt)], stdout=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "calling"
        for _ in range(500):  # the reservation is journaled before the call goes out
            if '"op":"reserve"' in journal.read_text().splitlines()[-1]:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return journal, json.loads(ckpt.read_text())


def test_sigkill_mid_call_is_charged_on_restore(tmp_path):
    journal, ledger = _killed_run(tmp_path)
    assert ledger["run"]["spent"]["input_tokens"] == 100 and JOURNAL_MARK in ledger
    run = BudgetTracker(Budget(tokens=10_000))
    rep = run.restore(ledger, journal=journal)
    # settled after the checkpoint at actual (7+3, 5), the call in flight at its worst case (32+50)
    assert run.spent.input_tokens == 100 + 7 + 5 + 32 and run.spent.output_tokens == 10 + 3 + 50
    assert run.spent.model_calls == 4 and run.child("solve").spent.tokens == run.spent.tokens
    assert run.child("solve").child("step1").spent.input_tokens == 5
    assert [k for _, _, k in rep.charges] == ["settled", "settled", "open"]
    assert run.child("solve").budget.tokens == 5000  # the slice is the checkpointed one


def test_a_second_crash_does_not_charge_twice(tmp_path):
    journal, ledger = _killed_run(tmp_path)
    first = BudgetTracker(Budget(tokens=10_000))
    first.restore(ledger, journal=journal)
    first.child("solve").charge(Spend(input_tokens=1, model_calls=1))  # resumed work, then killed again
    again = BudgetTracker(Budget(tokens=10_000))
    again.restore(ledger, journal=journal)  # the same (older) checkpoint
    assert again.spent.tokens == first.spent.tokens and again.spent.model_calls == first.spent.model_calls
    later = BudgetTracker(Budget(tokens=10_000))  # from a checkpoint taken after the first restore
    later.restore(first.ledger(), journal=journal)
    assert later.spent == first.spent


def test_a_line_cut_by_the_kill_counts_its_reservation_as_open(tmp_path):
    run = BudgetTracker(Budget(tokens=1000))
    run.attach_journal(tmp_path / "j.jsonl")
    ledger = run.ledger()
    r = run.reserve(Spend(input_tokens=40, model_calls=1))
    r.settle(Spend(input_tokens=12, model_calls=1))
    text = (tmp_path / "j.jsonl").read_text()
    (tmp_path / "j.jsonl").write_text(text[:-9])  # the settle line is cut
    back = BudgetTracker(Budget(tokens=1000))
    back.restore(ledger, journal=tmp_path / "j.jsonl")
    assert back.spent.input_tokens == 40  # conservative: the worst case
    lines = (tmp_path / "j.jsonl").read_text().splitlines()
    # the closing entry starts on its own line after the cut one (not glued onto it)
    assert not _parses(lines[-2]) and json.loads(lines[-1])["replayed"] is True


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def test_extensions_and_fresh_slices_are_replayed(tmp_path):
    run = BudgetTracker(Budget(tokens=1000))
    run.attach_journal(tmp_path / "j.jsonl")
    run.child("a", share=0.5)
    ledger = run.ledger()
    r = run.child("a").reserve(Spend(input_tokens=10, model_calls=1))
    r.extend(Spend(input_tokens=10, model_calls=1))  # a retry, then the process dies
    run.child("a", share=0.5, of_remaining=True, fresh=True)
    back = BudgetTracker(Budget(tokens=1000))
    back.restore(ledger, journal=tmp_path / "j.jsonl")
    assert back.spent.input_tokens == 20 and back.spent.model_calls == 2
    assert back.child("a").budget.tokens == 490  # the slice made after the checkpoint


def test_without_a_journal_restore_is_the_ledger_alone(tmp_path):
    run = BudgetTracker(Budget(tokens=1000))
    run.charge(Spend(input_tokens=3))
    back = BudgetTracker(Budget(tokens=1000))
    assert back.restore(run.ledger()) is None and back.spent.input_tokens == 3
    # a checkpoint from before journals existed: its offset is unknown, nothing is replayed
    assert back.restore(run.ledger(), journal=tmp_path / "none.jsonl") is None


@pytest.mark.parametrize("bad", [b"not json\n", b'{"op": "settle"}\n', b'{"op":"reserve","id":"x"}\n'])
def test_garbage_lines_are_skipped(tmp_path, bad):
    j = tmp_path / "j.jsonl"
    j.write_bytes(bad)
    back = BudgetTracker(Budget(tokens=10))
    assert back.restore({}, journal=j).charges == [] and back.spent.is_zero()
