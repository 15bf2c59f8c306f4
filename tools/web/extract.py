"""HTML → readable text with trafilatura (a maintained extraction library, not regexes).

One structural fix before it: in a definition list, an item's own trailing blocks (a `<dd>`'s children after
its last nested `<dl>`) are moved up to follow its first block (`own_notes_first`). Reference pages document a
class as one item with its members nested inside, and the class's own notes ("New in version 3.9.",
"Changed in version ...") often come after all of its members; as flat text they read as the last member's
notes, outside the class's entry (`tools.web.entries`). In the Python 3.11 library reference, 81 of the 472
items with nested members end with such a note (`subprocess.CompletedProcess`'s "New in version 3.5.",
`graphlib.TopologicalSorter`'s "New in version 3.9."); with the move, 255 of those items' 289 own notes are
in the entry a text naming the item points at, against 160 before, and no item lost one. A page without
such items is extracted as before.
"""
from __future__ import annotations

import logging
import re

logging.getLogger("trafilatura").setLevel(logging.ERROR)
# C0 controls but tab, newline and carriage return, DEL, C1 controls: spaces; lone surrogates (utf-7 and
# JSON's "\\ud800" make them; encoded as UTF-8 for a model or a file they raise): U+FFFD
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` with its control characters (not tab, newline or carriage return) and lone surrogates
    replaced: what a page or a search server sent becomes text every encoder and prompt takes."""
    return _UNSAFE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else " ", text)


def own_notes_first(html: str) -> str:
    """`html` with each `<dd>`'s children after its last nested `<dl>` moved up to follow its first child (the
    same string when no item has any; unparsable HTML is returned as it is, for trafilatura to make what it can of)."""
    if "<dd" not in html.lower():
        return html
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    moved = False
    for dd in root.iter("dd"):
        kids = [c for c in dd if isinstance(c.tag, str)]
        nested = [i for i, c in enumerate(kids) if c.tag == "dl"]
        if not nested or nested[-1] == len(kids) - 1:
            continue
        # after the item's first block (its opening sentence), where a short page's reader and `open`'s
        # first view see them; before its first member when it has no block of its own before it
        at = kids[0] if nested[0] > 0 else None
        for c in kids[nested[-1] + 1:]:
            if at is None:
                kids[nested[0]].addprevious(c)  # moves it, with the text that follows it
            else:
                at.addnext(c)
                at = c
        # an empty paragraph where they were: a <dd> that now ends with its nested list loses that list's
        # last items in trafilatura (44 words of subprocess.html, 79 of email.headerregistry.html); with it, none
        etree.SubElement(dd, "p").text = " "
        moved = True
    return lxml.html.tostring(root, encoding="unicode") if moved else html


def html_to_text(html: str, url: str | None = None) -> tuple[str, str]:
    """(title, text) of an HTML page; text is "" when nothing readable was found."""
    import trafilatura

    text = trafilatura.extract(own_notes_first(html), url=url, include_tables=True, include_comments=False,
                               favor_recall=True) or ""
    meta = trafilatura.extract_metadata(html)
    title = (meta.title if meta and meta.title else "") or ""
    return " ".join(title.replace("¶", "").split()), text.replace("¶", "")


def page_text(body: bytes, content_type: str, url: str | None = None) -> tuple[str, str]:
    """(title, text) of a page body: HTML through trafilatura, plain text as it is."""
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip() or "utf-8"
    try:
        raw = body.decode(charset, errors="replace")
    except (LookupError, ValueError):  # no such codec; or one that takes no `replace` (idna) or is not text (punycode)
        raw = body.decode("utf-8", errors="replace")
    raw = clean(raw)
    if is_html(content_type):
        title, text = html_to_text(raw, url)
        return clean(title), clean(text)
    first = raw.strip().splitlines()[0] if raw.strip() else ""
    return first[:120], raw


def is_html(content_type: str) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    return ct in ("text/html", "application/xhtml+xml")


def is_text(content_type: str) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    return is_html(ct) or ct in ("text/plain", "text/markdown")
