"""Percent-encoding (RFC 3986 / WHATWG form encoding)."""

_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = "0123456789ABCDEFabcdef"


def quote(text, plus=True):
    """Percent-encode ``text`` as UTF-8; spaces become ``+`` when ``plus`` is true."""
    out = []
    for byte in str(text).encode("utf-8"):
        if byte in _SAFE:
            out.append(chr(byte))
        elif byte == 0x20 and plus:
            out.append("+")
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def unquote(text, plus=True):
    """Decode percent-escapes (and ``+`` as space when ``plus`` is true).

    Malformed escapes such as ``%zz`` or a trailing ``%`` are kept literally.
    """
    if plus:
        text = text.replace("+", " ")
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(chr(int(text[i + 1:i + 3], 16)))
            i += 3
        else:
            out.append(ch)
            i += 1
    return "".join(out)
