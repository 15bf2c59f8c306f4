"""The bench hooks of the humaneval and swe kinds: their task lists, the modes a sweep asks for, and
how a finished run is scored."""
from types import SimpleNamespace

import pytest

from agents import pipelines
from agents.errors import ConfigError


def test_humaneval_tasks_and_modes():
    kind = pipelines.get("humaneval")
    assert [t["task_id"] for t in kind.bench_tasks({"limit": 2, "offset": 3})] == ["HumanEval/3", "HumanEval/4"]
    assert [t["task_id"] for t in kind.bench_tasks({"ids": ["7", "HumanEval/1"]})] == ["HumanEval/7", "HumanEval/1"]
    with pytest.raises(ConfigError, match="--offset 500"):
        kind.bench_tasks({"offset": 500})
    names = {m: kind.build({"mode": m, "k": 2}) for m in ("single", "best_of_n", "scaled")}
    assert names["single"].name == "humaneval-single" and names["scaled"].name == "humaneval"
    assert names["best_of_n"].config() != names["scaled"].config()  # one round, no refinement
    with pytest.raises(ConfigError, match="bad humaneval mode"):
        kind.build({"mode": "wild"})
    assert kind.score(None, {"passed": True, "grade": "passed"})["success"] is True
    assert kind.score(None, {"passed": False, "grade": "AssertionError"})["success"] is False


def test_swe_scores_the_hidden_test_grade():
    kind = pipelines.get("swe")
    res = SimpleNamespace(status="completed")
    assert kind.score(res, {"grade": {"status": "resolved"}, "checks": {}})["success"] is True
    assert kind.score(res, {"grade": {"status": "unresolved"}})["success"] is False
    bad = kind.score(res, {"grade": {"status": "error", "reason": "patch does not apply"}})
    assert bad["success"] is False and "patch does not apply" in bad["error"]
    with pytest.raises(ConfigError, match="instances file"):
        kind.bench_tasks({})
