"""Ids become directory names through one helper (agents.paths.id_dirname): no id escapes the
directory it goes in (`bench swe` through the CLI: tests/agents/swe/test_cli_swe.py)."""
import pytest

from agents.errors import ConfigError
from agents.paths import id_dirname, id_path

pytestmark = pytest.mark.escape  # host-side attacks: part of the escape suite (`pytest -m escape`)


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/../../b", ".", "..", "../../etc/passwd", "a/b", "x" * 5000,
                                 "HumanEval/0", "ü/ñ", ".hidden", "-rf", "x" * 300])
def test_every_id_is_one_component_inside_its_parent(tmp_path, bad):
    if len(bad) > 1000:
        with pytest.raises(ConfigError, match="characters long"):
            id_dirname(bad)
        return
    name = id_dirname(bad)
    assert "/" not in name and "\0" not in name and name not in ("", ".", "..") and not name.startswith(".")
    assert len(name.encode()) <= 255
    path = id_path(tmp_path, bad)
    assert path.parent == tmp_path and path.resolve().parent == tmp_path.resolve()


def test_plain_ids_are_kept_and_changed_ones_do_not_collide():
    assert id_dirname("wraptext-1") == "wraptext-1" and id_dirname("django__django-11099") == "django__django-11099"
    assert id_dirname("a/b") != id_dirname("a_b") and id_dirname("a/b").startswith("a_b-")
    assert id_dirname("HumanEval/0") != id_dirname("HumanEval/1")


@pytest.mark.parametrize("bad,why", [("", "empty"), ("   ", "empty"), ("a\0b", "control"), ("a\nb", "control"),
                                     (None, "string")])
def test_ids_that_cannot_be_ids_are_refused_naming_the_id(bad, why):
    with pytest.raises(ConfigError, match=why) as exc:
        id_dirname(bad)
    assert "bad id" in str(exc.value) and "\n" not in str(exc.value)
