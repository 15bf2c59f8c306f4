"""The run directory: `run.json` (what to resume), `checkpoints.sqlite`, `trajectory.jsonl`
(one line per step), `result.json`, `.lock`. Files are written atomically (temp file + rename), with
credentials redacted (agents.redact). `run_lock` keeps two processes from running one directory."""
from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

from agents.errors import ConfigError, RunLocked
from agents.redact import redact
from agents.state import StepRecord

RUN_FORMAT = 2  # 2: step records live in trajectory.jsonl, the checkpoint holds their count


def write_atomic(path: Path, text: str, *, redacted: bool = True) -> None:
    """Write `text` to `path` whole: a temp file beside it, then a rename. Credentials are redacted
    unless `redacted=False` (data that must stay byte-exact, such as a model patch to be graded)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(redact(text) if redacted else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_held: dict[str, int] = {}  # run directories this process holds the lock of -> nesting depth


@contextmanager
def run_lock(run_dir: str | Path) -> Iterator[None]:
    """Hold `run_dir/.lock` (an exclusive flock, released when the process dies) for the whole run.
    A second process (a second `resume`, a run and a resume) gets a ConfigError naming the holder's
    pid. Re-entrant within one process (the CLI and the pipeline entry may both take it)."""
    path = Path(run_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        key = str(path.resolve())
    except OSError as exc:
        raise ConfigError(f"cannot use run directory {path}: {exc.strerror or exc}") from None
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    lock_path = path / ".lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise ConfigError(f"cannot lock run directory {path}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise RunLocked(f"run directory {path} is in use by process {holder} (it holds {lock_path}); "
                              "wait for it to finish or stop it") from None
        raise ConfigError(f"cannot lock run directory {path}: {exc.strerror or exc}") from None
    _held[key] = 1
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        del _held[key]
        os.close(fd)  # releases the flock


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
            meta = json.loads(self.meta_path.read_text())
        except (ValueError, OSError):
            raise ConfigError(f"{self.meta_path} is corrupt (not JSON); the run cannot be resumed") from None
        if not isinstance(meta, dict) or not isinstance(meta.get("run_id"), str):
            raise ConfigError(f"{self.meta_path} is not a scaleagent run record (no run_id); the run cannot be used")
        return meta

    def config(self) -> dict[str, Any]:
        """The run config stored in run.json (what `resume` rebuilds the run from)."""
        cfg = self.meta().get("config")
        if not isinstance(cfg, dict) or not isinstance(cfg.get("pipeline"), str):
            raise ConfigError(f"{self.meta_path} holds no run config (no pipeline): the run cannot be resumed; "
                              "start it again")
        return cfg

    def steps(self) -> list[dict[str, Any]]:
        """The step records of `trajectory.jsonl` as dicts; a damaged line is a ConfigError naming it."""
        if not self.trajectory.is_file():
            return []
        try:
            lines = self.trajectory.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {self.trajectory}: {exc}") from None
        rows = []
        for i, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rows.append(StepRecord.model_validate_json(line).model_dump(mode="json"))
            except ValueError:
                raise ConfigError(f"{self.trajectory} line {i} is not a step record (damaged or cut off)") from None
        return rows

    def result(self) -> dict[str, Any] | None:
        if not self.result_path.is_file():
            return None
        try:
            data = json.loads(self.result_path.read_text())
        except (ValueError, OSError):
            raise ConfigError(f"{self.result_path} is corrupt (not JSON)") from None
        return data if isinstance(data, dict) else None

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
                f.write(redact(record.model_dump_json()) + "\n")
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
