"""The run directory: `run.json` (what to resume), `checkpoints.sqlite`, `trajectory.jsonl`
(one line per step), `result.json`. Files are written atomically (temp file + rename)."""
from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from agents.errors import ConfigError
from agents.state import StepRecord

RUN_FORMAT = 2  # 2: step records live in trajectory.jsonl, the checkpoint holds their count


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunFiles:
    def __init__(self, run_dir: str | Path):
        self.dir = Path(run_dir)
        self.meta_path = self.dir / "run.json"
        self.checkpoints = self.dir / "checkpoints.sqlite"
        self.trajectory = self.dir / "trajectory.jsonl"
        self.result_path = self.dir / "result.json"

    def start(self, *, task: Any, config: dict[str, Any]) -> None:
        if self.checkpoints.exists():
            raise ConfigError(f"run directory {self.dir} already holds a run: use `scaleagent resume {self.dir}` "
                              "or choose another --run-dir")
        self.dir.mkdir(parents=True, exist_ok=True)
        meta = {"run_id": uuid.uuid4().hex[:12], "created": time.time(), "task": task.model_dump(),
                "config": config, "version": RUN_FORMAT}
        write_atomic(self.meta_path, json.dumps(meta, indent=2, default=str))
        self.trajectory.write_text("")

    def meta(self) -> dict[str, Any]:
        if not self.meta_path.is_file():
            raise ConfigError(f"{self.dir} is not a scaleagent run directory (no run.json)")
        try:
            return json.loads(self.meta_path.read_text())
        except ValueError:
            raise ConfigError(f"{self.meta_path} is corrupt (not JSON); the run cannot be resumed") from None

    def run_id(self) -> str:
        return self.meta()["run_id"]

    def elapsed_before(self) -> float:
        return float(self.meta().get("wall_s", 0.0))

    def finish(self, result: Any) -> None:
        write_atomic(self.result_path, result.model_dump_json(indent=2))
        meta = self.meta()
        meta["wall_s"] = result.wall_s
        meta["status"] = result.status
        write_atomic(self.meta_path, json.dumps(meta, indent=2, default=str))


class StepLog:
    """The step records of one run, in order. In memory, and with run files also appended to
    `trajectory.jsonl` as each step ends (before that step's checkpoint is written, so the file
    always holds at least the steps the last checkpoint counts)."""

    def __init__(self, files: RunFiles | None = None):
        self.files = files
        self.records: list[StepRecord] = []

    def append(self, record: StepRecord) -> None:
        if self.files is not None:
            with self.files.trajectory.open("a") as f:
                f.write(record.model_dump_json() + "\n")
        self.records.append(record)

    def truncate(self, n: int) -> None:
        """Keep the first `n` records (the ones the current checkpoint counts)."""
        if len(self.records) > n:
            del self.records[n:]
            self._rewrite()

    def load(self, n: int) -> None:
        """On resume: read the trajectory back and keep the first `n` records."""
        if self.files is None:
            return
        meta = self.files.meta()
        if meta.get("version", 1) != RUN_FORMAT:
            raise ConfigError(f"{self.files.dir} was written by an older scaleagent (run format "
                              f"{meta.get('version', 1)}, this one reads {RUN_FORMAT}); start the run again")
        lines = self.files.trajectory.read_text().splitlines() if self.files.trajectory.is_file() else []
        records = []
        for i, line in enumerate(lines[:n]):
            try:
                records.append(StepRecord.model_validate_json(line))
            except ValueError:
                raise ConfigError(f"{self.files.trajectory} line {i + 1} is corrupt; the run cannot be resumed") from None
        if len(records) < n:
            raise ConfigError(f"{self.files.trajectory} holds {len(records)} steps but the checkpoint counts {n}; "
                              "the run cannot be resumed")
        self.records = records
        if len(lines) != n:
            self._rewrite()

    def _rewrite(self) -> None:
        if self.files is not None:
            write_atomic(self.files.trajectory, "".join(r.model_dump_json() + "\n" for r in self.records))
