"""unitconv: convert quantities between units."""
from .convert import IncompatibleUnits, UnknownUnit, convert, parse_quantity
from .temperature import c_to_f, f_to_c

__all__ = ["IncompatibleUnits", "UnknownUnit", "c_to_f", "convert", "f_to_c", "parse_quantity"]
