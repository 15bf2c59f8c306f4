"""Splitting text into words."""
import re

_WS = re.compile(r"\s+")


def split_words(text):
    """Words of ``text``, splitting on any run of whitespace."""
    return [w for w in _WS.split(text.strip()) if w]


def break_word(word, width):
    """Chop a word longer than ``width`` into pieces of at most ``width`` characters."""
    if width < 1:
        raise ValueError("width must be at least 1")
    return [word[i:i + width] for i in range(0, len(word), width)]
