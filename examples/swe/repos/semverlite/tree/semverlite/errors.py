class InvalidVersion(ValueError):
    """Raised when a string is not a valid semantic version."""


class InvalidRange(ValueError):
    """Raised when a range expression cannot be parsed."""
