"""The browser environment on real MiniWoB++ pages in Debian's headless Chromium (no model)."""
from __future__ import annotations

import pytest
from gui_helpers import SilentServer, browser_leftovers

from tools.browser import BrowserError, MiniWoBEnv, UnknownTask, check


@pytest.fixture
def env(tmp_path):
    e = MiniWoBEnv("enter-text", out_dir=tmp_path / "screens")
    yield e
    e.close()
    assert browser_leftovers() == []


def test_observation_lists_numbered_elements_and_saves_a_screenshot(env, tmp_path):
    obs = env.reset(seed=3)
    assert obs["instruction"].startswith("Enter ")
    assert "[1] input type=text" in obs["page"] and '"Submit"' in obs["page"]
    assert obs["done"] is False
    assert (tmp_path / "screens" / obs["screenshot"]).stat().st_size > 1000
    assert env.browser.browser_pids(), "the browser runs while the episode does"


def test_same_seed_same_episode(env):
    assert env.reset(seed=7)["instruction"] == env.reset(seed=7)["instruction"]
    assert env.reset(seed=7)["instruction"] != env.reset(seed=8)["instruction"]


def test_typing_the_word_and_submitting_is_rewarded(env):
    obs = env.reset(seed=1)
    word = obs["instruction"].split('"')[1]
    obs = env.act(check({"action": "type", "id": 1, "text": word}))
    assert f'value="{word}"' in obs["page"]
    submit = next(line for line in obs["page"].splitlines() if '"Submit"' in line).split("]")[0][1:]
    obs = env.act(check({"action": "click", "id": int(submit)}))
    assert obs["done"] and obs["success"] and obs["reward"] > 0


def test_a_missing_element_is_an_error_the_model_sees_not_a_crash(env):
    env.reset(seed=0)
    obs = env.act(check({"action": "click", "id": 99}))
    assert "no element [99]" in obs["error"] and obs["done"] is False and "[1] input" in obs["page"]
    obs = env.act(check({"action": "choose", "id": 1, "text": "x"}))
    assert "not a dropdown" in obs["error"]
    assert env.act(check({"action": "click", "id": 2}))["done"], "the page still works after the errors"


def test_select_is_choose_for_scripts_and_models_not_bound_to_the_schema():
    assert check({"action": "Select", "id": 2, "text": "Helli"}) == {"action": "choose", "id": 2, "text": "Helli"}
    with pytest.raises(ValueError, match="choose needs text"):
        check({"action": "select", "id": 2})


def test_malformed_actions_are_refused_before_the_browser():
    for bad in ({"action": "fly"}, {"action": "click"}, {"action": "press", "text": "f13"},
                {"action": "scroll", "text": "sideways"}, ["click", 1]):
        with pytest.raises(ValueError):
            check(bad)


def test_an_unknown_task_is_one_clear_error_and_starts_nothing():
    with pytest.raises(UnknownTask, match="unknown MiniWoB.. task 'click-tset'.*click-test"):
        MiniWoBEnv("click-tset")
    assert browser_leftovers() == []


def test_a_page_that_never_loads_ends_with_its_reason_and_leaves_no_process(tmp_path):
    server = SilentServer()
    env = MiniWoBEnv("click-test", base_url=server.url, page_timeout=2, command_timeout=10)
    try:
        with pytest.raises(BrowserError, match="never loaded"):
            env.reset(seed=0)
        assert not env.running
    finally:
        env.close()
        server.close()
    assert browser_leftovers() == []


def test_a_killed_browser_is_a_browser_error_and_close_leaves_nothing(env):
    env.reset(seed=0)
    import os
    import signal

    for pid in env.browser.browser_pids():
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrowserError):
        env.act(check({"action": "type", "id": 1, "text": "x"}))
    env.close()
    assert browser_leftovers() == []
