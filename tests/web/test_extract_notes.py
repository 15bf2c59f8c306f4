"""An item's own notes after its nested members stay in its entry (tools.web.extract.own_notes_first)."""
from collections import Counter

import pytest

from tools.web import extract
from tools.web.entries import named_entry
from tools.web.extract import html_to_text, own_notes_first
from tools.web.index import DEFAULT_DOCS


def _method(name: str, doc: str, note: str = "") -> str:
    extra = f'<div class="versionadded"><p>{note}</p></div>' if note else ""
    return (f'<dl class="py method"><dt class="sig" id="shapes.Widget.{name}">{name}()</dt>'
            f"<dd><p>{doc}</p>{extra}</dd></dl>")


# the shape of a Sphinx class entry: its description, its methods nested in its <dd>, then its own note
PAGE = ("<html><head><title>shapes — Drawing widgets</title></head><body><main><h1>shapes — Drawing widgets</h1>"
        "<p>This module draws widgets on a canvas of any size.</p>"
        '<dl class="py class"><dt class="sig" id="shapes.Widget">class shapes.Widget(size)</dt><dd>'
        "<p>A widget of the given size that can be drawn on a canvas and resized.</p>"
        + _method("draw", "Draw the widget on the canvas it belongs to.")
        + _method("resize", "Change the size of the widget to the new size.", "New in version 3.4.")
        + _method("erase", "Remove the widget from its canvas and free its memory.")
        + '<div class="versionadded"><p>New in version 3.9.</p></div>'
        "</dd></dl>"
        '<dl class="py function"><dt class="sig" id="shapes.clear">shapes.clear()</dt>'
        "<dd><p>Remove every widget from the canvas.</p></dd></dl></main></body></html>")


def _unmoved(html: str, monkeypatch) -> str:
    """The text as trafilatura alone makes it (no notes moved)."""
    with monkeypatch.context() as m:
        m.setattr(extract, "own_notes_first", lambda h: h)
        return html_to_text(html)[1]


def _entry(text: str, name: str) -> str:
    lines = text.splitlines()
    span = named_entry(lines, f"`{name}`")
    assert span, f"no entry for {name}"
    return "\n".join(lines[span[0]:span[1]])


def test_a_class_note_after_its_members_is_in_the_class_entry(monkeypatch):
    before = _unmoved(PAGE, monkeypatch)
    _, text = html_to_text(PAGE)
    widget = _entry(text, "shapes.Widget")
    assert "New in version 3.9" in widget and "can be drawn on a canvas" in widget
    assert "New in version 3.9" not in _entry(text, "erase()")  # no longer read as the last method's note
    assert "New in version 3.4" in _entry(text, "resize()")  # a member's own note stays with it
    assert "New in version 3.9" not in _entry(before, "shapes.Widget")  # what it fixes


def test_every_word_is_kept():
    """Moving the notes loses and repeats nothing (trafilatura's quirk of dropping the last items of a <dd>
    that ends with its nested list shows on real pages only: `test_no_word_of_a_real_page_is_lost`)."""
    _, text = html_to_text(PAGE)
    for words in ("Draw the widget", "Change the size", "Remove the widget from its canvas", "Remove every widget"):
        assert words in text
    assert text.count("New in version") == 2


def test_pages_without_such_items_are_untouched():
    plain = "<html><body><dl><dt>term</dt><dd><p>its meaning</p></dd></dl></body></html>"
    assert own_notes_first(plain) is plain
    nested_last = "<html><body><dl><dt>a</dt><dd><p>x</p><dl><dt>b</dt><dd>y</dd></dl></dd></dl></body></html>"
    assert own_notes_first(nested_last) is nested_last  # nothing after the nested list
    for junk in ("", "<dd", "not html at all <dd>"):
        assert isinstance(own_notes_first(junk), str)


DOCS = DEFAULT_DOCS / "library"  # the default corpus's pages
needs_docs = pytest.mark.skipif(not DOCS.is_dir(), reason="python3.11-doc is not installed (scripts/setup.sh installs it)")


@needs_docs
def test_the_real_graphlib_page(monkeypatch):
    """graphlib.TopologicalSorter's "New in version 3.9." follows all six of its methods in the HTML."""
    html = (DOCS / "graphlib.html").read_text(encoding="utf-8")
    assert "New in version 3.9" in _entry(html_to_text(html)[1], "graphlib.TopologicalSorter")
    assert "New in version 3.9" not in _entry(_unmoved(html, monkeypatch), "graphlib.TopologicalSorter")


@needs_docs
@pytest.mark.parametrize("page", ["graphlib.html", "subprocess.html", "email.headerregistry.html"])
def test_no_word_of_a_real_page_is_lost(page, monkeypatch):
    """Without the empty paragraph, trafilatura dropped 44 words of subprocess.html (TimeoutExpired's
    `stdout` and `stderr` attributes) and 79 of email.headerregistry.html."""
    html = (DOCS / page).read_text(encoding="utf-8")
    lost = Counter(_unmoved(html, monkeypatch).split()) - Counter(html_to_text(html)[1].split())
    assert not lost, f"words lost: {' '.join(lost.elements())[:200]}"
