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
                "config": config, "version": 1}
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

    def append_records(self, records: list[dict]) -> None:
        if not records:
            return
        with self.trajectory.open("a") as f:
            for r in records:
                f.write(json.dumps(r, default=str) + "\n")

    def rewrite_trajectory(self, records: list[dict]) -> None:
        """On resume: the checkpoint is the truth; steps written after it (then lost) are dropped."""
        write_atomic(self.trajectory, "".join(json.dumps(r, default=str) + "\n" for r in records))

    def finish(self, result: Any) -> None:
        write_atomic(self.result_path, result.model_dump_json(indent=2))
        meta = self.meta()
        meta["wall_s"] = result.wall_s
        meta["status"] = result.status
        write_atomic(self.meta_path, json.dumps(meta, indent=2, default=str))
