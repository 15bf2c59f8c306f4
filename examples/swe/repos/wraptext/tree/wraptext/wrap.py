"""Greedy line filling."""
from .tokens import break_word, split_words


def wrap(text, width=70, initial_indent="", subsequent_indent=""):
    """Wrap ``text`` into a list of lines of at most ``width`` characters."""
    if width <= max(len(initial_indent), len(subsequent_indent)):
        raise ValueError("width must be larger than the indents")
    lines = []
    prefix = initial_indent
    current = []
    current_len = len(prefix)
    for word in split_words(text):
        room = width - len(prefix if not lines else subsequent_indent)
        pieces = break_word(word, room) if len(word) > room else [word]
        for piece in pieces:
            needed = len(piece) if not current else len(piece) + 1
            if current and current_len + needed >= width:
                lines.append(prefix + " ".join(current))
                prefix = subsequent_indent
                current = []
                current_len = len(prefix)
                needed = len(piece)
            current.append(piece)
            current_len += needed
    if current:
        lines.append(prefix + " ".join(current))
    return lines


def fill(text, width=70, **kwargs):
    """Like ``wrap`` but returns a single string with newlines."""
    return "\n".join(wrap(text, width, **kwargs))
