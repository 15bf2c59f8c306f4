"""HTML → readable text with trafilatura (a maintained extraction library, not regexes)."""
from __future__ import annotations

import logging

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def html_to_text(html: str, url: str | None = None) -> tuple[str, str]:
    """(title, text) of an HTML page; text is "" when nothing readable was found."""
    import trafilatura

    text = trafilatura.extract(html, url=url, include_tables=True, include_comments=False,
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
    except LookupError:
        raw = body.decode("utf-8", errors="replace")
    if is_html(content_type):
        return html_to_text(raw, url)
    first = raw.strip().splitlines()[0] if raw.strip() else ""
    return first[:120], raw


def is_html(content_type: str) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    return ct in ("text/html", "application/xhtml+xml")


def is_text(content_type: str) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    return is_html(ct) or ct in ("text/plain", "text/markdown")
