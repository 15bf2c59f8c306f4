"""Questions files (JSONL: {"id", "question", "answers": [acceptable strings]}, other fields ignored)
and the benchmark's correctness rule: the normalized answer equals or contains (as whole words)
one of the normalized acceptable strings; case, punctuation and whitespace are ignored."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agents.errors import ConfigError
from agents.web.verify import contains, normalize


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Every question of `path`, validated; a bad file is a one-line ConfigError naming the line."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"questions file {path} does not exist")
    if not path.is_file():
        raise ConfigError(f"questions file {path} is not a regular file; give a JSONL file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; expected JSON lines") from None
    out, ids = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path} line {n}: not valid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{path} line {n}: expected a JSON object with id, question and answers")
        qid, question, answers = row.get("id"), row.get("question"), row.get("answers")
        if not isinstance(qid, (str, int)) or isinstance(qid, bool) or not str(qid).strip():
            raise ConfigError(f"{path} line {n}: missing or empty 'id'")
        if not isinstance(question, str) or not question.strip():
            raise ConfigError(f"{path} line {n}: missing or empty 'question'")
        if (not isinstance(answers, list) or not answers
                or not all(isinstance(a, str) and normalize(a) for a in answers)):
            raise ConfigError(f"{path} line {n}: 'answers' must be a non-empty list of non-empty strings")
        if str(qid) in ids:
            raise ConfigError(f"{path} line {n}: duplicate id {qid!r}")
        ids.add(str(qid))
        out.append({"id": str(qid), "question": question.strip(), "answers": answers})
    if not out:
        raise ConfigError(f"{path}: no questions (expected JSON lines with id, question and answers)")
    return out


def is_correct(answer: str | None, answers: list[str]) -> bool:
    got = normalize(answer or "")
    return bool(got) and any(normalize(a) == got or contains(got, a) for a in answers)
