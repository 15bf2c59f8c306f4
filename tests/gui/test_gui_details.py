"""What does not fit the page (read from the numbered snapshot, no browser), the typed verdicts the
GUI pipeline gives its proposals, and the judge's lettered answer."""
from __future__ import annotations

import json

import pytest

from agents.gui.details import ActionDetails, problem, verdicts
from agents.gui.judge import parse
from agents.state import Candidate, Verdict

PAGE = "\n".join(['[1] label "Username"', '[2] input type=text value="kim"', '[3] select options=Red|Blue',
                  '[4] input type=checkbox unchecked', '[5] button "Submit"'])


def test_actions_that_cannot_work_on_the_page_are_named_with_the_reason():
    assert problem({"action": "type", "id": 1, "text": "kim"}, PAGE, None, False) == \
        "element [1] is a label, not a text field"
    assert problem({"action": "type", "id": 4, "text": "x"}, PAGE, None, False) == \
        "element [4] is a input checkbox, not a text field"
    assert problem({"action": "type", "id": 2, "text": "kim"}, PAGE, None, False) == "element [2] already holds 'kim'"
    assert problem({"action": "choose", "id": 4, "text": "Red"}, PAGE, None, False) == \
        "element [4] is a input, not a dropdown: click it instead"
    assert problem({"action": "choose", "id": 3, "text": "Green"}, PAGE, None, False) == "element [3] has no option 'Green'"
    assert problem({"action": "click", "id": 9}, PAGE, None, False) == "there is no element [9] on the page"


def test_actions_that_fit_pass():
    for action in ({"action": "type", "id": 2, "text": "lee"}, {"action": "choose", "id": 3, "text": "blue"},
                   {"action": "click", "id": 4}, {"action": "press", "text": "enter"}, {"action": "done"}):
        assert problem(action, PAGE, None, False) is None, action


def test_repeating_an_action_that_changed_nothing_does_not_fit_but_repeating_a_useful_one_does():
    click = {"action": "click", "id": 5}
    assert "previous action again" in problem(click, PAGE, click, True)
    assert problem(click, PAGE, click, False) is None
    assert problem(click, PAGE, {"action": "click", "id": 4}, True) is None


def test_verdicts_are_typed_and_survive_a_round_trip():
    cands = [Candidate(content={"action": "click", "id": 5}, key="click(5)"),
             Candidate(content={"action": "click", "id": 5}, key="click(5)"),
             Candidate(content={"action": "type", "id": 1, "text": "x"}, key="type(1, 'x')"),
             Candidate(content=None, error="not JSON")]
    out = verdicts(cands, PAGE, None, False)
    assert [(v.score, v.passed, v.details.votes) for v in out] == [(1.0, True, 2), (1.0, True, 2), (0.0, False, 1)]
    back = Verdict.model_validate(json.loads(out[2].model_dump_json()))
    assert isinstance(back.details, ActionDetails) and back.details.kind == "gui.action"
    assert back.details.element == '[1] label "Username"' and "not a text field" in back.details.problem


def test_the_judge_answers_with_a_letter_never_an_element_number():
    assert parse(json.dumps({"reason": "r", "best": "B", "lost": True}), 3) == (1, "r", True)
    assert parse(json.dumps({"reason": "r", "best": "D"}), 3)[0] is None
    assert parse(json.dumps({"reason": "r", "best": 1}), 3)[0] is None
    assert parse("not json", 3)[0] is None


@pytest.mark.slow
def test_the_local_model_judges_with_the_letter_schema():
    """The schema (reason first, a letter from an enum, lost) goes through llama.cpp's grammar: the
    real local model's answer always parses."""
    import asyncio

    from agents.gui.prompts import judge_messages, judge_schema
    from agents.models.base import GenerationParams
    from agents.models.registry import get_model

    model = get_model("local/smollm2-135m")
    obs = {"instruction": "Click the button.", "page": PAGE}
    options = [({"action": "click", "id": 5}, 2), ({"action": "click", "id": 1}, 1), ({"action": "done"}, 1)]
    out = asyncio.run(model.complete(judge_messages(obs, [], options),
                                     GenerationParams(n=1, max_tokens=120, temperature=0.0, json_schema=judge_schema(3))))
    pick, reason, lost = parse(out.choices[0].text, 3)
    assert pick in (0, 1, 2) and isinstance(lost, bool), out.choices[0].text
