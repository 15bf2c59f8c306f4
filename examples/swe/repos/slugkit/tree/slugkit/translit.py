"""Reduce Latin-script text to ASCII."""
import unicodedata

# letters that do not decompose into a base letter + combining mark
SPECIAL = {
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th",
    "œ": "oe", "Œ": "OE", "ı": "i",
}


def transliterate(text):
    """Return an ASCII approximation of ``text``; unknown characters are dropped."""
    text = "".join(SPECIAL.get(ch, ch) for ch in text)
    normalized = unicodedata.normalize("NFC", text)
    return normalized.encode("ascii", "ignore").decode("ascii")
