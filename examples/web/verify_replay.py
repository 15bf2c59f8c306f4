"""Replay the web verifier over the answers that bench runs proposed, offline: its precision and
recall on known-right and known-wrong answers, without a model or a server.

    python examples/web/verify_replay.py "runs/dev-*/tracker*/*/trajectory.jsonl" \
        --questions examples/web/dev.jsonl [--index INDEX] [--list] [--set FIELD=VALUE]

Every answer candidate of every answer step (sampled re-answers included) goes through the current
`EvidenceVerifier` (judge off: a quote found only around the answer counts as not judged) with the
memo the run had at that step (the answers that had not verified before it), against the cited page
as the index holds it. Prints verified/unverified x right/wrong, split by first answer step, a later
answer new to the run, and a later answer that had failed before; the verified ones by route (the
model's quote, or the best passage alone) and by greedy or sampled; and, as the runs ran (not
replayed), how the runs whose first answer did not verify ended. `--set FIELD=VALUE` replays with
a verifier setting (e.g. `reanswer_passage=greedy`, or `judge_model=local/qwen2.5-coder-1.5b`: that
model is then loaded and asked). Use it on dev runs only: the test split is for the final table.
"""
from __future__ import annotations

import argparse
import asyncio
import glob
import json
import sys
from collections import Counter
from pathlib import Path

from pydantic import ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from agents.errors import ConfigError  # noqa: E402
from agents.state import Candidate  # noqa: E402
from agents.web.questions import is_correct, load_questions  # noqa: E402
from agents.web.quotes import normalize  # noqa: E402
from agents.web.verify import EvidenceVerifier  # noqa: E402
from tools.web.extract import page_text  # noqa: E402
from tools.web.index import Index, WebIndexError, default_index_path  # noqa: E402


class _Page:
    def __init__(self, title: str, text: str):
        self.title, self.text = title, text


class _Pages:
    """The cited pages as the index holds them (URLs of any loopback port: the path after /doc/)."""

    def __init__(self, index: Index):
        self.index, self.cache = index, {}

    def page(self, url: str) -> _Page:
        path = url.split("/doc/", 1)[1] if "/doc/" in url else url.lstrip("/")
        if path not in self.cache:
            doc = self.index.document(path)
            self.cache[path] = _Page(*page_text(doc[1], doc[0], path)) if doc else _Page("", "")
        return self.cache[path]


class _Ctx:
    """What the verifier reads: the question, the cited page, the memo, the errors; and its judge model
    (`--set judge_model=...`), called for real, unbudgeted."""

    models: dict = {}

    def __init__(self, question: str, pages: _Pages, rejected: list[str]):
        self.task = type("T", (), {"input": {"question": question}})()
        self.stage = type("S", (), {"env": type("E", (), {"tools": lambda s: pages})()})()
        self.memo, self.errors = {"rejected": list(rejected)}, []

    async def generate(self, messages, params, *, model=None, purpose="sample") -> list[str]:
        if model not in self.models:
            from agents.models.registry import get_model

            self.models[model] = get_model(model)
        out = await self.models[model].complete(messages, params)
        return [c.text for c in out.choices]


def replay(paths: list[str], questions: dict[str, dict], pages: _Pages,
           verifier: EvidenceVerifier | None = None) -> tuple[list[dict], list[dict]]:
    """Every answer candidate replayed (rows), and per finished run, as it ran: its first answer, whether
    that verified, and its final answer (runs)."""
    rows, runs, verifier = [], [], verifier or EvidenceVerifier(judge=False)
    by_question = {q["question"]: q for q in questions.values()}
    for path in paths:
        try:
            q = by_question.get(json.loads((Path(path).parent / "run.json").read_text())["task"]["input"]["question"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a web run
        if q is None:
            continue  # another question set
        rejected: list[str] = []
        first = None
        for line in Path(path).read_text().splitlines():
            r = json.loads(line)
            obs = r.get("observation") or {}
            if r.get("stage") != "research" or obs.get("kind") != "answer":
                continue
            first = first or obs
            for c in r.get("candidates") or []:
                a = c.get("content") or {}
                if a.get("tool") != "answer" or "quote" not in a:
                    continue
                v = asyncio.run(verifier.verify(_Ctx(q["question"], pages, rejected), [Candidate(content=a, meta=c.get("meta") or {})]))[0]
                when = ("first" if not rejected else
                        "failed before" if normalize(a["answer"]) in {normalize(x) for x in rejected} else "new")
                temp = (c.get("meta") or {}).get("temperature")
                rows.append({"id": q["id"], "when": when, "answer": a["answer"], "verified": v.passed,
                             "right": is_correct(a["answer"], q["answers"]), "run": path,
                             "by": ("passage" if v.details.passage else "quote") if v.passed else None,
                             "sampled": None if temp is None else temp > 0})
            if not obs.get("verified"):
                rejected.append(obs["answer"])
        try:
            final = (json.loads((Path(path).parent / "result.json").read_text()).get("answer") or {}).get("answer") or ""
        except (OSError, ValueError, AttributeError):
            continue  # unfinished
        if first:
            runs.append({"id": q["id"], "first_right": is_correct(first["answer"], q["answers"]),
                         "first_verified": bool(first.get("verified")), "final_right": is_correct(final, q["answers"])})
    return rows, runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="trajectory.jsonl files or glob patterns")
    ap.add_argument("--questions", type=Path, default=Path("examples/web/dev.jsonl"))
    ap.add_argument("--index", type=Path, default=None, help="the index the runs searched (default: the Python docs)")
    ap.add_argument("--list", action="store_true", help="print every verified answer")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="an EvidenceVerifier setting to replay with (e.g. reanswer_passage=none)")
    a = ap.parse_args()
    fields = ", ".join(f for f in EvidenceVerifier.model_fields if f != "judge")
    bad = next((s for s in a.set if "=" not in s or s.startswith("judge=")), None)
    try:
        if bad:
            raise ValueError(bad)
        verifier = EvidenceVerifier(**{**dict(s.split("=", 1) for s in a.set), "judge": False})
    except (ValueError, ValidationError) as e:
        err = e.errors()[0] if isinstance(e, ValidationError) else {"type": "extra_forbidden", "loc": (bad,)}
        said = (f"give FIELD=VALUE with a field of EvidenceVerifier ({fields})" if err["type"] == "extra_forbidden"
                else err["msg"])
        print(f"verify_replay: --set {'.'.join(map(str, err['loc']))}: {said}", file=sys.stderr)
        return 2
    paths = sorted({p for g in a.runs for p in glob.glob(g)})
    if not paths:
        print(f"verify_replay: no trajectory matches {a.runs}", file=sys.stderr)
        return 2
    try:
        questions = {q["id"]: q for q in load_questions(a.questions)}
        pages = _Pages(Index(a.index or default_index_path()))
    except (ConfigError, WebIndexError) as e:
        print(f"verify_replay: {e}", file=sys.stderr)
        return 2
    rows, runs = replay(paths, questions, pages, verifier)
    tally = Counter((r["when"], r["verified"], r["right"]) for r in rows)
    print(f"{len(rows)} answer candidates in {len(paths)} runs")
    for when in ("first", "new", "failed before", "all"):
        n = lambda v, ok: sum(c for (w, vv, oo), c in tally.items() if (when == "all" or w == when) and vv == v and oo == ok)
        vr, vw, ur = n(True, True), n(True, False), n(False, True)
        print(f"{when:>14}: verified {vr} right, {vw} wrong (precision {vr / max(1, vr + vw):.2f}); "
              f"not verified {ur} right, {n(False, False)} wrong (recall {vr / max(1, vr + ur):.2f})")
    routes = Counter((r["when"], r["by"], r["sampled"], r["right"]) for r in rows if r["verified"])
    print("verified, by route (quote: the model's quote; passage: the best passage alone) and sampling:")
    for (when, by, sampled, right), c in sorted(routes.items(), key=str):
        kind = {None: "unknown", False: "greedy", True: "sampled"}[sampled]
        print(f"  {when:>13} {by:>7} {kind:>7} {'right' if right else 'wrong'}: {c}")
    runs = [r for r in runs if not r["first_verified"]]
    print(f"runs whose first answer did not verify (as they ran): {len(runs)}; first answer right in "
          f"{sum(r['first_right'] for r in runs)}, final answer right in {sum(r['final_right'] for r in runs)} "
          f"(right -> wrong {sum(r['first_right'] and not r['final_right'] for r in runs)}, wrong -> right "
          f"{sum(r['final_right'] and not r['first_right'] for r in runs)})")
    if a.list:
        for r in rows:
            if r["verified"]:
                print(f"{'right' if r['right'] else 'WRONG'}  {r['id']}  [{r['when']}, {r['by']}]  {r['answer'][:70]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
