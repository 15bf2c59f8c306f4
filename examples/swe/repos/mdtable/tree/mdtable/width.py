"""Terminal display width of strings (wide East Asian characters, combining marks)."""
import unicodedata


def char_width(ch):
    """Columns taken by one character in a monospace font: 0, 1 or 2."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(text):
    """Columns taken by ``text`` in a monospace font."""
    return sum(char_width(ch) for ch in text)


def truncate(text, max_width, ellipsis="…"):
    """Cut ``text`` so that it takes at most ``max_width`` columns."""
    if display_width(text) <= max_width:
        return text
    limit = max_width - display_width(ellipsis)
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > limit:
            break
        out.append(ch)
        used += w
    return "".join(out) + ellipsis
