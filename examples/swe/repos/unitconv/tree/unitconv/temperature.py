"""Temperature scales are affine, not linear, so they get their own functions."""

ABSOLUTE_ZERO_C = -273.15


def c_to_f(celsius):
    return celsius * 9 / 5 + 32


def f_to_c(fahrenheit):
    return (fahrenheit - 32) * 5 // 9


def c_to_k(celsius):
    return celsius - ABSOLUTE_ZERO_C


def k_to_c(kelvin):
    if kelvin < 0:
        raise ValueError("temperature below absolute zero")
    return kelvin + ABSOLUTE_ZERO_C


_TO_C = {"C": lambda v: v, "F": f_to_c, "K": k_to_c}
_FROM_C = {"C": lambda v: v, "F": c_to_f, "K": c_to_k}


def convert_temperature(value, from_unit, to_unit):
    return _FROM_C[to_unit](_TO_C[from_unit](value))
