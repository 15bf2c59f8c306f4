"""slugkit: URL slugs."""
from .slug import slugify
from .translit import transliterate

__all__ = ["slugify", "transliterate"]
