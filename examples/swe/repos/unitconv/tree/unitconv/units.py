"""Unit tables: factor to the base unit of each dimension."""

LENGTH = {  # base: metre
    "mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0,
    "in": 0.0254, "ft": 0.3048, "yd": 0.9144, "mi": 1609.344,
}
MASS = {  # base: gram
    "mg": 0.001, "g": 1.0, "kg": 1000.0, "lb": 453.59237, "oz": 28.349523125,
}
TIME = {  # base: second
    "ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0,
}
TEMPERATURE = ("C", "F", "K")

DIMENSIONS = {"length": LENGTH, "mass": MASS, "time": TIME}


def dimension_of(unit):
    """Name of the dimension ``unit`` belongs to, or None."""
    if unit in TEMPERATURE:
        return "temperature"
    for name, table in DIMENSIONS.items():
        if unit in table:
            return name
    return None
