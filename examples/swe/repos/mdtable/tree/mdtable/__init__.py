"""mdtable: render rows as Markdown tables."""
from .render import render
from .width import display_width, truncate

__all__ = ["display_width", "render", "truncate"]
