"""Reference-page entries at the tool level: passages are cut where a signature line starts a new
documented thing, and `open` shows the entry its focus names as code before the paragraphs that share
most words with it (dev: "In which Python version was ast.unparse() added?" was shown the "Changed in
version 3.8: Added ..." note of `ast.parse`, sharing "version" and "added", and answered 3.8)."""
from tools.web.entries import code_names, named_entry, names, signature
from tools.web.tools import passage_lines, view

NOTE = "Changed in version 3.8: Added type_comments, mode='func_type' and feature_version."
PAGE = ("ast — Abstract Syntax Trees\n"
        "- ast.parse(source, filename='<unknown>', mode='exec')\n- Parse the source into an AST node.\n" + NOTE + "\n"
        "- ast.unparse(ast_obj)\n- Unparse an ast.AST object and generate a string with code.\n"
        + "Warning The produced code string will not necessarily be equal to the original code. " * 4 + "\n"
        "New in version 3.9.\n"
        "- ast.literal_eval(node_or_string)\n- Evaluate an expression node. " + NOTE.replace("3.8", "3.10") + "\n")
Q = "In which Python version was ast.unparse() added?"


def test_signature_lines_and_prose():
    assert signature("- ast.unparse(ast_obj)") == "ast.unparse"
    assert signature("- class pathlib.PurePosixPath(*pathsegments)") == "pathlib.PurePosixPath"
    assert signature("- exception zoneinfo.InvalidTZPathWarning") == "zoneinfo.InvalidTZPathWarning"
    assert signature("- classmethod ZoneInfo.from_file(fobj, /, key=None)") == "ZoneInfo.from_file"
    assert signature("- PYTHONPATH") == "PYTHONPATH"
    assert signature("- Parse the source into an AST node.") == ""
    assert signature("Return True if the string is empty.") == ""
    assert signature("- f(" + "x, " * 80 + ")") == ""  # too long to be a signature


def test_names_as_code_and_what_they_name():
    assert code_names(Q) == ["ast.unparse"]
    assert code_names("What is the default width of pprint's PrettyPrinter?") == ["PrettyPrinter"]
    assert names("pprint.PrettyPrinter", "PrettyPrinter") and names("Path.exists", "pathlib.Path.exists")
    assert not names("server", "http.server") and not names("ast.parse", "ast.unparse")


def test_passages_start_at_a_signature():
    groups = passage_lines(PAGE)
    assert any(g[0] == "- ast.unparse(ast_obj)" for g in groups)
    assert not any(NOTE in g and "- ast.unparse(ast_obj)" in g for g in groups)  # the note stays with ast.parse
    # several signatures of one thing stay together
    two = passage_lines("Intro.\n- next(iterator)\n- next(iterator, default)\n- Retrieve the next item.\n")
    assert two == [["Intro."], ["- next(iterator)", "- next(iterator, default)", "- Retrieve the next item."]]


def test_open_shows_the_named_entry_first():
    shown = " ".join(p for _, p in view(PAGE, Q))
    assert "New in version 3.9." in shown and NOTE not in shown
    lines = [line for line in PAGE.splitlines() if line.strip()]
    first, end = named_entry(lines, Q)
    assert lines[first] == "- ast.unparse(ast_obj)" and lines[end].startswith("- ast.literal_eval")
    # a focus that names no entry: the paragraphs sharing most words, as before
    assert NOTE in " ".join(p for _, p in view(PAGE, "In which version was feature_version added to parse?"))
    assert named_entry(lines, "Which function parses source code?") is None
