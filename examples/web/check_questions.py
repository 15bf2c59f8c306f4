"""Check every gold answer against the text of its pages (as the index extracts it, trafilatura)
and write dev.jsonl and test.jsonl (split: a question's optional 6th element, else every third
question to dev). Run: python examples/web/check_questions.py [DOCS_ROOT]"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from agents.web.verify import contains  # noqa: E402
from questions import Q  # noqa: E402
from tools.web.extract import html_to_text  # noqa: E402

root = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/doc/python3.11/html")
here = Path(__file__).resolve().parent
bad, rows = [], []
for i, (qid, question, answers, pages, hops, *rest) in enumerate(Q):
    assert not rest or rest[0] in ("dev", "test"), f"{qid}: split must be dev or test, not {rest[0]!r}"
    texts = [html_to_text((root / p).read_text(encoding="utf-8"))[1] for p in pages]
    if not any(contains(t, a) for t in texts for a in answers):
        bad.append(qid)
    rows.append({"id": qid, "question": question, "answers": answers, "pages": pages, "hops": hops,
                 "split": rest[0] if rest else "dev" if i % 3 == 0 else "test"})
for split in ("dev", "test"):
    with open(here / f"{split}.jsonl", "w") as f:
        for r in rows:
            if r["split"] == split:
                f.write(json.dumps(r) + "\n")
print(f"{len(rows)} questions, {sum(r['split'] == 'dev' for r in rows)} dev; answers not found on their pages: {bad}")
sys.exit(1 if bad else 0)
