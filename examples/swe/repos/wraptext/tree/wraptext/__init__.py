"""wraptext: wrap text to a width."""
from .indent import dedent, indent
from .wrap import fill, wrap

__all__ = ["dedent", "fill", "indent", "wrap"]
