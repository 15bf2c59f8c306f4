"""The tracker's advice line: what to do next from the calls left (only the tracker arm sees it)."""
import pytest

from agents.web.prompts import act_prompt, answer_prompt, budget_advice, plan_prompt


@pytest.mark.parametrize("left, evidence, unopened, says", [
    ({"search": 0, "open": 1}, 0, 2, "open the best result now"),
    ({"search": 2, "open": 0, "find": 0}, 0, 2, "search (2 search calls left)"),
    ({"search": 2, "open": 0, "find": 3}, 0, 2, "find(url, text) on an unopened result"),
    ({"search": 0, "open": 0, "find": 1}, 1, 2, "(1 find call left)"),
    ({"search": 0, "open": 0}, 0, 0, "answer with your best guess"),
    ({"search": 0, "open": 0, "find": 0}, 1, 3, "answer from the evidence now"),
    ({"search": 1, "open": 3}, 1, 2, "few calls left"),
    ({"search": 3, "open": 1}, 1, 0, "search once more"),
    ({"search": 4, "open": None}, 1, 2, "4 search calls and unlimited open calls left"),
])
def test_advice_follows_what_is_left(left, evidence, unopened, says):
    assert says in budget_advice(left, evidence, unopened)


def test_only_the_tracker_arm_sees_the_advice():
    block = "Budget: search 0 used, 1 left\n" + budget_advice({"search": 1, "open": 1}, 0, 2)
    with_tracker = act_prompt("Q?", [], [], [{"title": "t", "url": "u"}], [], "", block, False)[-1]["content"]
    without = act_prompt("Q?", [], [], [{"title": "t", "url": "u"}], [], "", None, False)[-1]["content"]
    assert "Advice:" in with_tracker and "Advice:" not in without and "Budget:" not in without


def test_the_answer_prompt_leads_with_the_budget_not_next_to_its_instruction():
    """The answer step calls no tool: placed right before the instruction, the block was read into the
    0.5B model's answers (dev), so it comes first there; without the tracker there is none."""
    ev = [{"url": "u", "title": "t", "text": "New in version 3.9."}]
    user = answer_prompt("Q?", ev, "3.9", "", "Budget: search 1 used, 2 left", ["3.8"])[-1]["content"].splitlines()
    assert user[0] == "Budget: search 1 used, 2 left" and user[1] == "Question: Q?"
    assert user[-1].startswith("Answer the question from the evidence")
    assert not any("Budget" in line for line in answer_prompt("Q?", ev, "", "", None)[-1]["content"].splitlines())


def test_the_plan_asks_for_queries_without_a_guessed_answer():
    assert "never a guessed answer" in plan_prompt("In which version was zoneinfo added?", None, 3)[-1]["content"]


def test_the_model_sees_local_urls_without_their_changing_port():
    """The local server's port changes from run to run: shown with it, two runs of one question had
    different prompts (and samples) from the first page on. The model sees the path; a path it
    writes back resolves to the page."""
    from agents.web.actions import parse_action

    url = "http://127.0.0.1:50019/doc/library/itertools.html"
    results = [{"title": "itertools", "url": url}]
    prompt = act_prompt("Q?", [], ["q"], results, [{"url": url, "title": "t", "text": "x"}],
                        f"open: nothing more on {url} matches", None, False)[-1]["content"]
    assert "127.0.0.1" not in prompt and prompt.count("/doc/library/itertools.html") == 3
    memo = {"results": results, "seen": [url]}
    assert parse_action('{"tool": "open", "input": "/doc/library/itertools.html"}', memo, {})["url"] == url
    assert "https://docs.python.org/3/x.html" in act_prompt("Q?", [], [], [{"title": "t", "url": "https://docs.python.org/3/x.html"}],
                                                            [], "", None, False)[-1]["content"]  # not loopback: as is
