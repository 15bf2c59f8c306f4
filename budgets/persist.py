"""Checkpoints and the spend journal of a `BudgetTracker` (a mixin: the tracker's persistence half).

`ledger()` is what a checkpoint stores; `restore(ledger, journal=path)` loads it on resume and replays
the journal written since (see `budgets.journal` for the rules). The engine calls:
    tracker.attach_journal(run_dir / "spend.jsonl")        # at run start, before the first call
    state["ledger"] = tracker.ledger()                     # at every checkpoint (carries the mark)
    tracker.restore(state["ledger"], journal=run_dir / "spend.jsonl")   # on resume
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgets.budget import Budget
from budgets.cost import Spend
from budgets.journal import JOURNAL_MARK, Journal, Replay, replay

if TYPE_CHECKING:
    from budgets.tracker import BudgetTracker


class Persistence:
    """Mixed into `BudgetTracker`; uses its lock, shared journal, budget, spend and children."""

    def attach_journal(self, path: str | Path) -> None:
        """Write every reservation/extension/settlement of this tree to `path` (append-only, fsync'd)
        from now on. Call it once at run start (and `restore(..., journal=path)` on resume)."""
        with self._lock:
            if self._shared.journal is None or self._shared.journal.path != Path(path):
                if self._shared.journal is not None:
                    self._shared.journal.close()
                self._shared.journal = Journal(path)

    def journal_mark(self) -> int | None:
        """The journal's offset now (what a checkpoint must store; `ledger()` carries it)."""
        with self._lock:
            return self._shared.journal.mark() if self._shared.journal else None

    def _journal_write(self, entry: dict[str, Any]) -> None:
        if self._shared.journal is not None:
            entry["el"] = round(self._root().elapsed(), 3)
            self._shared.journal.write(entry)

    def ledger(self) -> dict[str, Any]:
        """Settled spend and elapsed seconds of this tree, JSON-able, keyed by path (plus, at the root
        with a journal, the journal offset under `JOURNAL_MARK`)."""
        with self._lock:
            out: dict[str, Any] = {self.path: {"spent": self.spent.model_dump(), "seconds": self.elapsed(),
                                               "budget": self.budget.model_dump()}}
            for c in self.children.values():
                out.update(c.ledger())
            if self.parent is None and self._shared.journal is not None:
                out[JOURNAL_MARK] = self._shared.journal.mark()
            return out

    def restore(self, ledger: dict[str, Any], *, journal: str | Path | None = None) -> Replay | None:
        """Load settled spend from a checkpoint's ledger. With `journal`: attach it, then charge what
        it recorded after the ledger's mark (settled: actual; left open by a killed process: its
        worst case, and close it in the journal so it is never charged twice). Returns that replay."""
        with self._lock:
            attached, self._shared.journal = self._shared.journal, None  # restoring writes nothing
            try:
                self._restore_ledger(ledger)
                rep = self._replay(ledger, journal) if journal is not None else None
            finally:
                self._shared.journal = attached
            if journal is None:
                return None
            self.attach_journal(journal)
            for rid, amount in rep.open_ids if rep else ():
                self._journal_write({"op": "settle", "id": rid, "actual": amount.model_dump(), "replayed": True})
            self.replayed = rep
            return rep

    def _replay(self, ledger: dict[str, Any], journal: str | Path) -> Replay | None:
        mark = ledger.get(JOURNAL_MARK)
        if mark is None and any(k != JOURNAL_MARK for k in ledger):
            return None  # a checkpoint from before the journal: its offset is unknown
        rep = replay(journal, int(mark or 0))
        for path, budget, fresh in rep.children:
            parent, _, name = path.rpartition("/")
            node = self._node_at(parent)
            if fresh or name not in node.children:
                node.child(name, budget, fresh=True)
        for path, amount, _kind in rep.charges:
            self._node_at(path)._finish(Spend(), amount)
        self._seconds_before = max(self._seconds_before, rep.elapsed)
        return rep

    def _restore_ledger(self, ledger: dict[str, Any]) -> None:
        entry = ledger.get(self.path)
        if entry:
            self.spent = Spend(**entry["spent"])
            self._seconds_before = float(entry.get("seconds", 0.0))
            self._started = self._clock()
        prefix = self.path + "/"
        for path, entry in ledger.items():
            rest = path[len(prefix):] if path.startswith(prefix) else None
            if rest and "/" not in rest:
                self.child(rest, Budget(**entry["budget"]))._restore_ledger(ledger)

    def _node_at(self, path: str) -> "BudgetTracker":
        """The tracker at `path` under this one's root (created without caps if it is missing)."""
        node = self._root()
        for part in path.split("/")[1:]:
            node = node.children.get(part) or type(self)(Budget(), name=part, parent=node, clock=self._clock)
            node.parent.children.setdefault(part, node)
        return node
