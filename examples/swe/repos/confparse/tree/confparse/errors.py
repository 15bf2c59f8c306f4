class ConfigError(ValueError):
    """A configuration problem; ``lineno`` is set for syntax errors."""

    def __init__(self, message, lineno=None):
        if lineno is not None:
            message = f"line {lineno}: {message}"
        super().__init__(message)
        self.lineno = lineno
