"""The agent's actions on a page: click(id), type(id, text), press(key), choose(id, option),
scroll(direction), done. (`choose` picks an option of a dropdown; it is not called `select` because
MiniWoB++ instructions say "Select X" for clicking radio buttons and checkboxes; `select(id, option)`,
from a script or a model not bound to the schema, is accepted as `choose`.) An action is a dict {"action": ..., "id": N, "text": "..."}; `check`
normalizes one (or says what is wrong with it) and `perform` executes it on a Selenium driver.

An action that names an element the page does not have is an `ActionError` (shown to the model as
the step's error), never a crash; a browser that died or hung is a `BrowserError` (the episode ends).
"""
from __future__ import annotations

from typing import Any

from tools.browser.driver import BrowserError, _first_line

ACTIONS = ("click", "type", "press", "choose", "scroll", "done")
KEYS = {"enter": "ENTER", "tab": "TAB", "backspace": "BACKSPACE", "escape": "ESCAPE", "space": "SPACE",
        "delete": "DELETE", "up": "ARROW_UP", "down": "ARROW_DOWN", "left": "ARROW_LEFT", "right": "ARROW_RIGHT",
        "home": "HOME", "end": "END", "pageup": "PAGE_UP", "pagedown": "PAGE_DOWN"}
DIRECTIONS = ("up", "down")
ALIASES = {"select": "choose"}  # the schema offers only `choose` (the 1.5B read "select" as a radio click)
SCHEMA = {"type": "object", "properties": {
    "action": {"type": "string", "enum": list(ACTIONS)},
    "id": {"type": "integer"},
    "text": {"type": "string"}}, "required": ["action"]}


class ActionError(ValueError):
    """The action cannot be done on this page (a missing element, a wrong kind of element...)."""


def check(data: Any) -> dict[str, Any]:
    """A well-formed action, normalized: {"action", "id"?, "text"?}. Raises ValueError otherwise."""
    if not isinstance(data, dict):
        raise ValueError("an action is a JSON object")
    name = str(data.get("action", "")).strip().lower()
    name = ALIASES.get(name, name)
    if name not in ACTIONS:
        raise ValueError(f"unknown action {name!r}: one of {', '.join(ACTIONS)}")
    out: dict[str, Any] = {"action": name}
    if name in ("click", "type", "choose"):
        try:
            out["id"] = int(data.get("id"))
        except (TypeError, ValueError):
            raise ValueError(f"{name} needs the element's number as id") from None
    if name in ("type", "choose", "press", "scroll"):
        text = data.get("text")
        if not isinstance(text, str) or (not text and name != "type"):
            raise ValueError(f"{name} needs text")
        out["text"] = text
    if name == "press" and out["text"].strip().lower() not in KEYS:
        raise ValueError(f"unknown key {out['text']!r}: one of {', '.join(KEYS)}")
    if name == "scroll" and out["text"].strip().lower() not in DIRECTIONS:
        raise ValueError("scroll needs text up or down")
    return out


def render(action: dict[str, Any]) -> str:
    """`click(3)`, `type(5, "hello")`, `press(enter)`, ..."""
    name = action["action"]
    if name in ("click",):
        return f"click({action['id']})"
    if name in ("type", "choose"):
        return f"{name}({action['id']}, {action['text']!r})"
    if name in ("press", "scroll"):
        return f"{name}({action['text']})"
    return "done"


def perform(driver: Any, action: dict[str, Any]) -> None:
    """Execute a checked action. ActionError: the page cannot do it; BrowserError: the browser failed."""
    from selenium.common.exceptions import (ElementNotInteractableException, InvalidElementStateException,
                                            JavascriptException, NoSuchElementException,
                                            StaleElementReferenceException, WebDriverException)
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    name = action["action"]
    try:
        if name == "press":
            ActionChains(driver).send_keys(getattr(Keys, KEYS[action["text"].strip().lower()])).perform()
            return
        if name == "scroll":
            dy = -120 if action["text"].strip().lower() == "up" else 120
            driver.execute_script("const a = document.querySelector('#area') || document.scrollingElement;"
                                  "a.scrollBy(0, arguments[0]); window.scrollBy(0, arguments[0]);", dy)
            return
        if name == "done":
            return
        found = driver.find_elements(By.CSS_SELECTOR, f'[data-sa-id="{action["id"]}"]')
        if not found:
            raise ActionError(f"there is no element [{action['id']}] on the page: use a number from the list")
        el = found[0]
        if name == "click":
            try:
                el.click()
            except (ElementNotInteractableException, WebDriverException) as e:
                if not _clickable_elsewhere(e):
                    raise
                ActionChains(driver).move_to_element(el).click().perform()
        elif name == "type":
            if el.tag_name.lower() not in ("input", "textarea") and el.get_attribute("contenteditable") != "true":
                raise ActionError(f"element [{action['id']}] is a {el.tag_name}, not a text field")
            el.click()
            el.clear()
            el.send_keys(action["text"])
        elif name == "choose":
            if el.tag_name.lower() != "select":
                raise ActionError(f"element [{action['id']}] is a {el.tag_name}, not a dropdown (select): click it instead")
            options = [o.text.strip() for o in Select(el).options]
            match = next((o for o in options if o.lower() == action["text"].strip().lower()), None)
            if match is None:
                raise ActionError(f"element [{action['id']}] has no option {action['text']!r}: {', '.join(options)}")
            Select(el).select_by_visible_text(match)
    except ActionError:
        raise
    except (StaleElementReferenceException, ElementNotInteractableException, InvalidElementStateException,
            NoSuchElementException, JavascriptException) as e:
        raise ActionError(f"{render(action)} failed: {_first_line(e)}") from None
    except WebDriverException as e:
        if _page_level(e):
            raise ActionError(f"{render(action)} failed: {_first_line(e)}") from None
        raise BrowserError(f"the browser failed during {render(action)}: {_first_line(e)}") from None
    except Exception as e:  # noqa: BLE001 - the driver's connection (urllib3): a dead or hung browser
        raise BrowserError(f"the browser did not answer during {render(action)}: {type(e).__name__}") from None


def _clickable_elsewhere(e: Exception) -> bool:
    text = str(getattr(e, "msg", "") or e).lower()
    return "not clickable" in text or "intercepted" in text or "not interactable" in text


def _page_level(e: Exception) -> bool:
    """A WebDriver error about the element or the page, not about the browser itself."""
    text = str(getattr(e, "msg", "") or e).lower()
    return any(s in text for s in ("not clickable", "intercepted", "not interactable", "stale element",
                                   "invalid element state", "move target out of bounds"))
