"""The spend journal: a durable, append-only record of every reservation, so that spend made by a
process that is then killed (SIGKILL, OOM, power loss) is not lost on resume.

One JSON object per line, written and fsync'd under the tracker's lock:
  {"op": "reserve", "id": ID, "path": "run/stage", "amount": SPEND, "el": S}   before the call is sent
  {"op": "extend",  "id": ID, "amount": SPEND, "el": S}    the backend needs more (a retry, a fan-out)
  {"op": "settle",  "id": ID, "actual": SPEND, "el": S}    after the call (a release settles zero)
  {"op": "child",   "path": P, "budget": BUDGET, "fresh": B}  a slice was created or replaced
`el` is the run's elapsed seconds at the write. A checkpoint stores the journal's byte offset (the
ledger carries it under `JOURNAL_MARK`); on restore, `replay` reads what happened after it:
- a reservation settled after the mark is charged at its actual spend (the ledger lacks it);
- a reservation never settled (the process died mid-call) is charged at its reserved worst case,
  including extensions: conservative, since what the provider served is unknown. The restoring
  tracker writes a settle for it (`"replayed": true`), so a second crash does not charge it twice;
- a reservation settled before the mark is already in the ledger and is skipped.
A line cut by the kill is ignored (a cut `reserve` line: its call was never sent; a cut `settle`
line: the reservation counts as open, i.e. charged at worst case).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgets.budget import Budget
from budgets.cost import Spend

JOURNAL_MARK = "@journal"  # the ledger key holding the journal offset at checkpoint time


class Journal:
    """An append-only, fsync'd JSON-lines file. Not thread-safe on its own: the tracker's lock guards it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        size = os.fstat(self._fd).st_size
        if size:
            with open(self.path, "rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":  # a line cut by a kill: the next entry starts on its own line
                    os.write(self._fd, b"\n")
                    os.fsync(self._fd)

    def write(self, entry: dict[str, Any]) -> None:
        os.write(self._fd, (json.dumps(entry, separators=(",", ":")) + "\n").encode())
        os.fsync(self._fd)

    def mark(self) -> int:
        """The byte offset where the next entry will start."""
        return os.fstat(self._fd).st_size

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(start offset, entry) of every complete, well-formed line."""
    out: list[tuple[int, dict[str, Any]]] = []
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return out
    offset = 0
    for line in data.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        if not line.endswith(b"\n"):
            break  # cut by a kill
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "op" in entry:
            out.append((start, entry))
    return out


@dataclass
class Replay:
    """What a journal says happened after a checkpoint's mark."""

    charges: list[tuple[str, Spend, str]] = field(default_factory=list)  # (path, spend, "settled"|"open")
    open_ids: list[tuple[str, Spend]] = field(default_factory=list)      # (id, worst case) never settled
    children: list[tuple[str, Budget, bool]] = field(default_factory=list)  # slices made after the mark, fresh?
    elapsed: float = 0.0                                                  # the latest `el` after the mark

    @property
    def total(self) -> Spend:
        out = Spend()
        for _, s, _ in self.charges:
            out = out + s
        return out


def replay(path: str | Path, mark: int) -> Replay:
    held: dict[str, tuple[str, Spend]] = {}
    out = Replay()
    for offset, e in read(path):
        after, op, rid = offset >= mark, e.get("op"), str(e.get("id", ""))
        try:
            if op == "reserve":
                held[rid] = (str(e["path"]), Spend(**e["amount"]))
            elif op == "extend" and rid in held:
                held[rid] = (held[rid][0], held[rid][1] + Spend(**e["amount"]))
            elif op == "settle" and rid in held:
                where, _ = held.pop(rid)
                if after:
                    out.charges.append((where, Spend(**e["actual"]), "settled"))
            elif op == "child" and after:
                out.children.append((str(e["path"]), Budget(**e["budget"]), bool(e.get("fresh"))))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed entry is skipped, never fatal
        if after and isinstance(e.get("el"), (int, float)):
            out.elapsed = max(out.elapsed, float(e["el"]))
    for rid, (where, amount) in held.items():
        out.charges.append((where, amount, "open"))
        out.open_ids.append((rid, amount))
    return out
