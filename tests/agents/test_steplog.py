"""The step log: records live in trajectory.jsonl, the checkpoint holds their count."""
import json

import pytest

from agents.errors import ConfigError
from agents.state import StepRecord, Task
from agents.trajectory import RunFiles, StepLog


def _files(tmp_path, n):
    files = RunFiles(tmp_path / "run")
    files.start(task=Task(id="t"), config={})
    log = StepLog(files)
    for i in range(n):
        log.append(StepRecord(stage="s", step=i, mode="sample"))
    return files


def test_load_cuts_steps_written_after_the_last_checkpoint(tmp_path):
    files = _files(tmp_path, 4)
    with files.trajectory.open("a") as f:
        f.write('{"stage": "s", "st')  # a line torn by the kill
    log = StepLog(files)
    log.load(3)
    assert [r.step for r in log.records] == [0, 1, 2]
    assert [json.loads(x)["step"] for x in files.trajectory.read_text().splitlines()] == [0, 1, 2]
    log.append(StepRecord(stage="s", step=3, mode="refine"))
    log.truncate(2)
    assert len(files.trajectory.read_text().splitlines()) == 2 and len(log.records) == 2


@pytest.mark.parametrize("damage,message", [
    ("short", "holds 2 steps but the checkpoint counts 3"),
    ("corrupt", "line 2 is corrupt"),
    ("old", "older scaleagent"),
])
def test_load_refuses_a_log_it_cannot_trust(tmp_path, damage, message):
    files = _files(tmp_path, 3)
    lines = files.trajectory.read_text().splitlines()
    if damage == "short":
        files.trajectory.write_text("\n".join(lines[:2]) + "\n")
    elif damage == "corrupt":
        files.trajectory.write_text("\n".join([lines[0], "not json", lines[2]]) + "\n")
    else:
        meta = json.loads(files.meta_path.read_text())
        meta["version"] = 1
        files.meta_path.write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match=message):
        StepLog(files).load(3)
