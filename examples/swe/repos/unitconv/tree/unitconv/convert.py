"""Generic conversion entry points."""
import re

from .temperature import convert_temperature
from .units import DIMENSIONS, dimension_of


class UnknownUnit(ValueError):
    pass


class IncompatibleUnits(ValueError):
    pass


_QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)\s*$")


def convert(value, from_unit, to_unit):
    """Convert ``value`` from ``from_unit`` to ``to_unit``."""
    src, dst = dimension_of(from_unit), dimension_of(to_unit)
    if src is None:
        raise UnknownUnit(from_unit)
    if dst is None:
        raise UnknownUnit(to_unit)
    if src != dst:
        raise IncompatibleUnits(f"cannot convert {src} ({from_unit}) to {dst} ({to_unit})")
    if src == "temperature":
        return convert_temperature(value, from_unit, to_unit)
    table = DIMENSIONS[src]
    return value * table[from_unit] / table[to_unit]


def parse_quantity(text):
    """Parse ``"2.5 kg"`` into ``(2.5, "kg")``."""
    match = _QUANTITY_RE.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    number, unit = match.groups()
    if dimension_of(unit) is None:
        raise UnknownUnit(unit)
    value = float(number)
    return (int(value) if value.is_integer() and "." not in number and "e" not in number.lower() else value), unit
