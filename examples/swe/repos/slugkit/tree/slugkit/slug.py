"""slugify()."""
import re

from .translit import transliterate

_NON_ALNUM = re.compile(r"[^a-zA-Z0-9]+")


def slugify(text, separator="-", max_length=None, lowercase=True):
    """Turn ``text`` into a URL slug.

    ``max_length`` cuts the slug at a word boundary when possible.
    """
    if text is None:
        return ""
    text = transliterate(str(text))
    if lowercase:
        text = text.lower()
    slug = _NON_ALNUM.sub(separator, text).strip(separator)
    if max_length is not None and len(slug) > max_length:
        cut = slug[:max_length]
        if separator in cut and slug[max_length] != separator:
            cut = cut.rsplit(separator, 1)[0]
        slug = cut.strip(separator)
    return slug
