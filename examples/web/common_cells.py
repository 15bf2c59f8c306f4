"""`python examples/web/common_cells.py OUT DEST`: for a `bench web` OUT stopped early, each cell's summary
over the test questions finished in EVERY cell (the same questions in each), written to DEST/<cell>/,
the plot DEST/accuracy_vs_cost.png and a markdown table on stdout."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from agents.bench.store import open_existing
from agents.web.bench import _row, plot, summarize
from budgets import Budget

out, dest = Path(sys.argv[1]), Path(sys.argv[2])
store = open_existing(out)
arms = store.arms()
done = {a["arm_id"]: {t["task_id"]: _row(t) for t in store.tasks(a["arm_id"])} for a in arms}
qs = [json.loads(line)["id"] for line in (ROOT / "examples/web/test.jsonl").read_text().splitlines()]
common = [q for q in qs if all(q in d for d in done.values())]
print("cells", len(arms), "common questions", len(common), common)
rows = []
for a in arms:
    cfg = json.loads(a["config"]) if isinstance(a.get("config"), str) else a.get("config") or {}
    b = Budget(**cfg["budget"]) if cfg.get("budget") else Budget.parse(a["budget"])
    tracker = a["mode"] == "tracker"
    s = summarize([done[a["arm_id"]][q] for q in common], b, tracker)
    s["done_in_cell"] = len(done[a["arm_id"]])
    (dest / a["arm_id"]).mkdir(parents=True, exist_ok=True)
    (dest / a["arm_id"] / "summary.json").write_text(json.dumps(s, indent=2))
    sp = s["spend"]; n = max(1, s["total"])
    rows.append((b.tools.get("search"), tracker, s["correct"], s["total"], s["verified"], sp["cost_usd_per_question"],
                 (sp["input_tokens"] + sp["output_tokens"]) / n, sp["tool_calls"].get("search", 0), sp["tool_calls"].get("open", 0),
                 sp["tool_calls"].get("find", 0), sp["model_calls"] / n, sp["wall_s"] / n, s["error"]))
plot(dest, dest / "accuracy_vs_cost.png")
print("| arm | caps per question | correct | verified | unified cost / question | tokens / question | search+open+find calls (all q) | model calls / question | wall / question |")
print("|---|---|---|---|---|---|---|---|---|")
for B, t, c, n, v, cost, tok, s_, o, f, mc, w, err in sorted(rows, key=lambda r: (r[0], not r[1])):
    print(f"| {'tracker' if t else 'no tracker'} | search={B},open={B},find={B} | {c}/{n} | {v} | ${cost:.4f} | {tok:,.0f} | {s_}+{o}+{f} | {mc:.1f} | {w:.0f} s |" + (f" {err} err" if err else ""))
