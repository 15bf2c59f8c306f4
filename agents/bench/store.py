"""The results store of a benchmark run: OUT/results.sqlite, written as the run goes.

Tables: `runs` (each invocation of the runner over OUT: a first run and every resume), `arms` (one
sweep cell: mode × k × budget × model), `tasks` (one row per arm and task, written once, in one
transaction with its `steps`, `verdicts`, `stage_spend` and `tool_spend`), so a task is either
wholly in the store or not at all, and never twice (primary key arm_id, task_id).

Every task's row is also kept in its own run directory (`bench_row.json`): a store that turns out
corrupt is moved aside and rebuilt from those, and rows a full disk kept out are added on the next run.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from agents.errors import ConfigError

STORE_NAME = "results.sqlite"
SPEND_KEYS = ("cost_usd", "input_tokens", "output_tokens", "model_calls")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run_no INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT, started REAL, finished REAL,
    executor TEXT, settings TEXT);
CREATE TABLE IF NOT EXISTS arms (arm_id TEXT PRIMARY KEY, kind TEXT, pipeline TEXT, mode TEXT, k INTEGER,
    budget TEXT, model TEXT, config TEXT);
CREATE TABLE IF NOT EXISTS tasks (arm_id TEXT, task_id TEXT, status TEXT, success INTEGER, score TEXT,
    cost_usd REAL, input_tokens INTEGER, output_tokens INTEGER, model_calls INTEGER, tool_calls TEXT,
    steps INTEGER, wall_s REAL, error TEXT, run_dir TEXT, run_id TEXT, finished REAL,
    PRIMARY KEY (arm_id, task_id));
CREATE TABLE IF NOT EXISTS steps (arm_id TEXT, task_id TEXT, idx INTEGER, stage TEXT, step INTEGER, mode TEXT,
    action TEXT, reason TEXT, candidates INTEGER, best_score REAL, cost_usd REAL, tokens INTEGER, budget TEXT,
    record TEXT, PRIMARY KEY (arm_id, task_id, idx));
CREATE TABLE IF NOT EXISTS verdicts (arm_id TEXT, task_id TEXT, idx INTEGER, candidate_id TEXT, score REAL,
    passed INTEGER, selected INTEGER);
CREATE TABLE IF NOT EXISTS stage_spend (arm_id TEXT, task_id TEXT, stage TEXT, cost_usd REAL, input_tokens INTEGER,
    output_tokens INTEGER, model_calls INTEGER, PRIMARY KEY (arm_id, task_id, stage));
CREATE TABLE IF NOT EXISTS tool_spend (arm_id TEXT, task_id TEXT, tool TEXT, calls INTEGER,
    PRIMARY KEY (arm_id, task_id, tool));
"""


class StoreCorrupt(ConfigError):
    pass


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            ok = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise sqlite3.DatabaseError(ok)
            self.db.executescript(SCHEMA)
        except sqlite3.OperationalError as exc:  # a full disk, a read-only place: not the file's fault
            raise ConfigError(f"cannot open the results store {self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:     # not a database, a malformed image
            raise StoreCorrupt(f"results store {self.path} is damaged ({exc})") from None

    @classmethod
    def open(cls, out: Path, warn=lambda msg: None) -> "Store":
        """OUT's store; a damaged one is moved aside (named in the warning) and a fresh one started, which
        the runner fills again from the tasks' own row files."""
        path = Path(out) / STORE_NAME
        try:
            return cls(path)
        except StoreCorrupt as exc:
            aside = path.with_name(f"{STORE_NAME}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            for suffix in ("", "-wal", "-shm"):
                side = Path(str(path) + suffix)
                if side.exists():
                    side.rename(Path(str(aside) + suffix))
            warn(f"{exc}: moved it to {aside.name} and rebuilt it from the task directories")
            return cls(path)

    def close(self) -> None:
        self.db.close()

    # writing -----------------------------------------------------------------------------------
    def start_run(self, kind: str, executor: str, settings: dict[str, Any]) -> int:
        cur = self.db.execute("INSERT INTO runs (kind, started, executor, settings) VALUES (?,?,?,?)",
                              (kind, time.time(), executor, json.dumps(settings, default=str)))
        return int(cur.lastrowid)

    def finish_run(self, run_no: int) -> None:
        self.db.execute("UPDATE runs SET finished=? WHERE run_no=?", (time.time(), run_no))

    def add_arm(self, arm: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO arms VALUES (?,?,?,?,?,?,?,?)",
                        (arm["arm_id"], arm["kind"], arm["pipeline"], arm.get("mode"), arm.get("k"), arm.get("budget"),
                         arm.get("model"), json.dumps(arm.get("config") or {}, default=str)))

    def done(self) -> set[tuple[str, str]]:
        return {(a, t) for a, t in self.db.execute("SELECT arm_id, task_id FROM tasks")}

    def add_task(self, row: dict[str, Any]) -> bool:
        """Write one finished task with its steps and spend in one transaction; False if it was already there."""
        key = (row["arm_id"], row["task_id"])
        s = row.get("spend") or {}
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("SELECT 1 FROM tasks WHERE arm_id=? AND task_id=?", key).fetchone():
                db.execute("ROLLBACK")
                return False
            db.execute("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       (*key, row["status"], int(bool(row.get("success"))), json.dumps(row.get("score") or {}),
                        float(s.get("cost_usd") or 0), int(s.get("input_tokens") or 0),
                        int(s.get("output_tokens") or 0), int(s.get("model_calls") or 0),
                        json.dumps(s.get("tool_calls") or {}), int(row.get("steps") or 0),
                        float(row.get("wall_s") or 0), row.get("error"), row.get("run_dir"), row.get("run_id"),
                        time.time()))
            for i, rec in enumerate(row.get("trajectory") or []):
                d, sp = rec.get("decision") or {}, rec.get("spend") or {}
                scores = [v.get("score") or 0.0 for v in rec.get("verdicts") or []]
                db.execute("INSERT INTO steps VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           (*key, i, rec.get("stage"), rec.get("step"), rec.get("mode"), d.get("action"),
                            d.get("reason"), len(rec.get("candidates") or []), max(scores, default=None),
                            float(sp.get("cost_usd") or 0),
                            int(sp.get("input_tokens") or 0) + int(sp.get("output_tokens") or 0),
                            rec.get("budget"), json.dumps(rec, default=str)))
                winner = (rec.get("selection") or {}).get("winner")
                db.executemany("INSERT INTO verdicts VALUES (?,?,?,?,?,?,?)",
                               [(*key, i, v.get("candidate_id"), v.get("score"),
                                 None if v.get("passed") is None else int(v["passed"]), int(v.get("candidate_id") == winner))
                                for v in rec.get("verdicts") or []])
            for stage, sp in (row.get("stage_spend") or {}).items():
                db.execute("INSERT INTO stage_spend VALUES (?,?,?,?,?,?,?)",
                           (*key, stage, *(sp.get(k_, 0) for k_ in SPEND_KEYS)))
            for tool, n in (s.get("tool_calls") or {}).items():
                db.execute("INSERT INTO tool_spend VALUES (?,?,?,?)", (*key, tool, int(n)))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return True

    def forget(self, arm_id: str, statuses: tuple[str, ...] = ("error", "timeout")) -> list[tuple[str, str]]:
        """Drop an arm's rows with these statuses (to run those tasks again); returns their run dirs' keys."""
        marks = ",".join("?" * len(statuses))
        gone = [(r[0], r[1]) for r in self.db.execute(
            f"SELECT task_id, run_dir FROM tasks WHERE arm_id=? AND status IN ({marks})", (arm_id, *statuses))]
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for task_id, _ in gone:
                for table in ("tasks", "steps", "verdicts", "stage_spend", "tool_spend"):
                    self.db.execute(f"DELETE FROM {table} WHERE arm_id=? AND task_id=?", (arm_id, task_id))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return gone

    # reading -----------------------------------------------------------------------------------
    def _dicts(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        cur = self.db.execute(sql, args)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def arms(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM arms ORDER BY rowid")

    def tasks(self, arm_id: str | None = None) -> list[dict[str, Any]]:
        if arm_id is None:
            rows = self._dicts("SELECT * FROM tasks ORDER BY arm_id, rowid")
        else:
            rows = self._dicts("SELECT * FROM tasks WHERE arm_id=? ORDER BY rowid", (arm_id,))
        for r in rows:
            r["score"], r["tool_calls"] = json.loads(r["score"] or "{}"), json.loads(r["tool_calls"] or "{}")
            r["success"] = bool(r["success"])
        return rows

    def steps(self, arm_id: str, task_id: str) -> list[dict[str, Any]]:
        rows = self._dicts("SELECT record FROM steps WHERE arm_id=? AND task_id=? ORDER BY idx", (arm_id, task_id))
        return [json.loads(r["record"]) for r in rows]

    def stage_spend(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT arm_id, stage, SUM(cost_usd) AS cost_usd, SUM(input_tokens) AS input_tokens, "
                           "SUM(output_tokens) AS output_tokens, SUM(model_calls) AS model_calls, "
                           "COUNT(*) AS tasks FROM stage_spend GROUP BY arm_id, stage ORDER BY arm_id, MIN(rowid)")

    def tool_spend(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT arm_id, tool, SUM(calls) AS calls FROM tool_spend GROUP BY arm_id, tool")

    def runs(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM runs ORDER BY run_no")

    def summary(self, arm_id: str) -> dict[str, Any]:
        """Counts and spend of one arm, summed from its task rows (the totals are the sum of the tasks)."""
        r = self._dicts("SELECT COUNT(*) AS tasks, COALESCE(SUM(success),0) AS succeeded, "
                        "COALESCE(SUM(status='error'),0) AS error, COALESCE(SUM(status='timeout'),0) AS timeout, "
                        "COALESCE(SUM(cost_usd),0) AS cost_usd, COALESCE(SUM(input_tokens),0) AS input_tokens, "
                        "COALESCE(SUM(output_tokens),0) AS output_tokens, COALESCE(SUM(model_calls),0) AS model_calls, "
                        "COALESCE(SUM(wall_s),0) AS wall_s FROM tasks WHERE arm_id=?", (arm_id,))[0]
        n = r["tasks"]
        r["cost_usd"] = round(r["cost_usd"], 6)
        r["wall_s"] = round(r["wall_s"], 2)
        r["success_rate"] = round(r["succeeded"] / n, 4) if n else 0.0
        r["mean_cost_usd"] = round(r["cost_usd"] / n, 6) if n else 0.0
        r["mean_tokens"] = round((r["input_tokens"] + r["output_tokens"]) / n, 1) if n else 0.0
        return r


def open_existing(out: Path) -> Store:
    """The store of a finished or running benchmark directory, for `report`; a clear error otherwise."""
    path = Path(out) / STORE_NAME
    if not path.is_file():
        raise ConfigError(f"{out} holds no benchmark results ({STORE_NAME}): give the --out of a `scaleagent bench` run")
    return Store(path)
