"""`python examples/web/common_cells.py DEST OUT[:MODE] [OUT[:MODE] ...] [--questions FILE]`: the cells of
one or more `bench web` stores (OUT/results.sqlite; `:tracker` or `:no-tracker` keeps only that arm of
a store), each summarized over the questions finished in EVERY cell (the same questions in each), written
to DEST/<cell>/, with the plot DEST/accuracy_vs_cost.png and a markdown table on stdout. For a bench
stopped early, or arms run into different stores. FILE (default examples/web/test.jsonl) gives the order."""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from agents.bench.store import open_existing
from agents.web.bench import _row, plot, summarize
from budgets import Budget

ap = argparse.ArgumentParser()
ap.add_argument("dest", type=Path)
ap.add_argument("outs", nargs="+")
ap.add_argument("--questions", type=Path, default=ROOT / "examples/web/test.jsonl")
args = ap.parse_args()
arms, done = [], {}
for spec in args.outs:
    out, _, mode = spec.partition(":")
    store = open_existing(Path(out))
    for a in store.arms():
        if mode and a["mode"] != mode:
            continue
        if a["arm_id"] in done:  # two stores with the same cell would be counted as one
            sys.exit(f"error: cell {a['arm_id']} is in more than one store: summarize them apart, "
                     "or keep one arm of each with OUT:MODE")
        arms.append(a)
        done[a["arm_id"]] = {t["task_id"]: _row(t) for t in store.tasks(a["arm_id"])}
    store.close()
qs = [json.loads(line)["id"] for line in args.questions.read_text().splitlines() if line.strip()]
common = [q for q in qs if all(q in d for d in done.values())]
print("cells", len(arms), "common questions", len(common), common)
rows = []
for a in arms:
    cfg = json.loads(a["config"]) if isinstance(a.get("config"), str) else a.get("config") or {}
    b = Budget(**cfg["budget"]) if cfg.get("budget") else Budget.parse(a["budget"])
    tracker = a["mode"] == "tracker"
    s = summarize([done[a["arm_id"]][q] for q in common], b, tracker)
    s["done_in_cell"] = len(done[a["arm_id"]])
    (args.dest / a["arm_id"]).mkdir(parents=True, exist_ok=True)
    (args.dest / a["arm_id"] / "summary.json").write_text(json.dumps(s, indent=2))
    sp = s["spend"]
    n = max(1, s["total"])
    rows.append((b.tools.get("search"), tracker, s["correct"], s["total"], s["verified"], sp["cost_usd_per_question"],
                 (sp["input_tokens"] + sp["output_tokens"]) / n, sp["tool_calls"].get("search", 0),
                 sp["tool_calls"].get("open", 0), sp["tool_calls"].get("find", 0), sp["model_calls"] / n,
                 sp["wall_s"] / n, s["error"]))
plot(args.dest, args.dest / "accuracy_vs_cost.png")
print("| arm | caps per question | correct | verified | unified cost / question | tokens / question | "
      "search+open+find calls (all q) | model calls / question | wall / question |")
print("|---|---|---|---|---|---|---|---|---|")
for B, t, c, n, v, cost, tok, s_, o, f, mc, w, err in sorted(rows, key=lambda r: (r[0], not r[1])):
    print(f"| {'tracker' if t else 'no tracker'} | search={B},open={B},find={B} | {c}/{n} | {v} | ${cost:.4f} | "
          f"{tok:,.0f} | {s_}+{o}+{f} | {mc:.1f} | {w:.0f} s |" + (f" {err} err" if err else ""))
