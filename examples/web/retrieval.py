"""`python examples/web/retrieval.py [--split dev|test|all] [--model local/qwen2.5-coder-0.5b]`: how often a
planned search finds the page that holds a question's answer (the `pages` of each question) in its
top 5 results on the default index (the Python docs; built on first use by `scaleagent ask`).

Without --model it scores the question's own query (`agents.web.plan.question_query`), the first
search every web run makes. With --model it also asks the model for its plan (the plan stage's
prompt, no budget block, greedy) and scores the first of the model's own queries and any of them,
which is what a run searched before the plan started with the question's words."""
import argparse
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from agents.models.base import GenerationParams
from agents.models.registry import get_model
from agents.web.plan import PLAN_SCHEMA, PlanStage, question_query
from agents.web.prompts import plan_prompt
from tools.web.index import Index, default_index_path


def found(index: Index, query: str, pages: set[str]) -> bool:
    return bool(pages & {r["path"] for r in index.search(query, 5)})


async def plan(model, question: str) -> list[str]:
    params = GenerationParams(max_tokens=PlanStage.max_tokens, temperature=PlanStage.temperature, json_schema=PLAN_SCHEMA)
    out = await model.complete(plan_prompt(question, None, 3), params)
    try:
        return [str(q) for q in json.loads(out.texts[0]).get("queries") or [] if str(q).strip()]
    except (ValueError, AttributeError):
        return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="all", choices=["dev", "test", "all"])
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    index, model = Index(default_index_path()), get_model(args.model) if args.model else None
    for split in splits:
        qs = [json.loads(line) for line in (ROOT / "examples/web" / f"{split}.jsonl").read_text().splitlines()]
        hits = {"question_query": 0, "model_first": 0, "model_any": 0}
        for q in qs:
            pages = set(q["pages"])
            hits["question_query"] += found(index, question_query(q["question"]), pages)
            if model is not None:
                queries = asyncio.run(plan(model, q["question"]))
                hits["model_first"] += bool(queries) and found(index, queries[0], pages)
                hits["model_any"] += any(found(index, x, pages) for x in queries)
                print(f"  {q['id']}: {queries}", file=sys.stderr)
        if model is None:
            del hits["model_first"], hits["model_any"]
        print(json.dumps({"split": split, "questions": len(qs), "found_in_top_5": hits}))


if __name__ == "__main__":
    main()
