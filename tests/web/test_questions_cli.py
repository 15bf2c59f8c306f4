"""Questions files and bad CLI input: one line on stderr, a non-zero exit, no traceback; the
correctness rule of the benchmark."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.errors import ConfigError
from agents.web.questions import is_correct, load_questions

ROOT = Path(__file__).resolve().parents[2]
GOOD = '{"id": "a", "question": "q?", "answers": ["3.9"]}\n'


def cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCALEAGENT_CACHE=str(cwd / "cache"))
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


BAD_FILES = [
    ("", "no questions"),
    ("{not json\n", "line 1: not valid JSON"),
    ("[1, 2]\n", "line 1: expected a JSON object"),
    ('{"question": "q?", "answers": ["x"]}\n', "line 1: missing or empty 'id'"),
    ('{"id": "a", "answers": ["x"]}\n', "line 1: missing or empty 'question'"),
    ('{"id": "a", "question": "q?", "answers": []}\n', "line 1: 'answers' must be a non-empty list"),
    ('{"id": "a", "question": "q?", "answers": "3.9"}\n', "'answers' must be a non-empty list"),
    ('{"id": "a", "question": "q?", "answers": ["..."]}\n', "'answers' must be a non-empty list"),
    (GOOD + GOOD, "line 2: duplicate id 'a'"),
    ('{"id": true, "question": "q?", "answers": ["x"]}\n', "line 1: missing or empty 'id'"),  # not the id "True"
]


def test_a_questions_path_that_is_not_a_file_says_so(tmp_path):
    import os as _os

    _os.mkfifo(tmp_path / "pipe.jsonl")  # read, it would block
    for name in ("pipe.jsonl", "."):
        with pytest.raises(ConfigError, match="is not a regular file"):
            load_questions(tmp_path / name)


@pytest.mark.parametrize("text, needle", BAD_FILES)
def test_bad_questions_files_are_one_line_errors(tmp_path, text, needle):
    p = tmp_path / "q.jsonl"
    p.write_text(text)
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(").replace("[", r"\[")) as e:
        load_questions(p)
    assert "\n" not in str(e.value)


def test_the_example_splits_load_and_keep_dev_and_test_apart():
    dev = load_questions(ROOT / "examples/web/dev.jsonl")
    test = load_questions(ROOT / "examples/web/test.jsonl")
    assert len(dev) + len(test) >= 40 and not {q["id"] for q in dev} & {q["id"] for q in test}


@pytest.mark.parametrize("args, needle", [
    (["bench", "web", "missing.jsonl"], "does not exist"),
    (["bench", "web", "bad.jsonl"], "line 2: not valid JSON"),
    (["bench", "web", "good.jsonl", "--budget", "serch=3"], "did you mean 'search'"),
    (["bench", "web", "good.jsonl", "--index", "nope.sqlite"], "no index at nope.sqlite"),
    (["ask", "what?", "--budget", "open=lots"], "bad value 'lots'"),
    (["ask", "what?", "--budget", "run_tests=2"], "this run's tools: find, open, search"),
    (["ask", "what?", "--budget", "open=1e99"], "must be at most 1e+15"),
    (["ask", "   "], "the question is empty"),
    (["web", "index", "nowhere", "--out", "i.sqlite"], "nowhere is not a folder"),
])
def test_bad_cli_input_is_one_line(tmp_path, args, needle):
    (tmp_path / "bad.jsonl").write_text(GOOD + "{oops\n")
    (tmp_path / "good.jsonl").write_text(GOOD)
    r = cli(*args, "--model", "local/smollm2-135m", cwd=tmp_path) if args[0] != "web" else cli(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr


@pytest.mark.parametrize("answer, gold, ok", [
    ("Python 3.9", ["3.9"], True), ("3.9.", ["3.9"], True), ("It was added in version 3.9!", ["3.9"], True),
    ("3.10", ["3.1"], False), ("3.19", ["3.9"], False), ("", ["3.9"], False),
    ("the JSONDecodeError exception", ["jsondecodeerror"], True), ("utf 8", ["UTF-8"], True),
])
def test_correct_means_the_normalized_answer_contains_a_gold_string(answer, gold, ok):
    assert is_correct(answer, gold) is ok
