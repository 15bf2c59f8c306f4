from wraptext import dedent, indent


def test_indent():
    assert indent("a\n\nb\n", "> ") == "> a\n\n> b\n"


def test_indent_blank_lines_too():
    assert indent("a\n\nb", "#", skip_blank=False) == "#a\n#\n#b"


def test_dedent():
    assert dedent("    x\n      y\n") == "x\n  y\n"
