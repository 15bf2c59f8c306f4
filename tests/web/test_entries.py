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


# a command-line interface documented as option entries (the shape of timeit's, as the index extracts it)
CLI = ("timeit — Measure execution time of small code snippets\n"
       "Command-Line Interface\nWhen called as a program from the command line, the following form is used:\n"
       "- -n N, --number=N\n- how many times to execute 'statement'\n"
       "- -r N, --repeat=N\n- how many times to repeat the timer (default 5)\n"
       "- -p, --process\n- measure process time, not wallclock time, using time.process_time()\nNew in version 3.3.\n"
       "- -u, --unit=U\n- specify a time unit for timer output; can select nsec, usec, msec, or sec\nNew in version 3.5.\n"
       "- -v, --verbose\n- print raw timing results; repeat for more digits precision\n"
       "Note There is a certain baseline overhead: the time function used by default is "
       "time.perf_counter(); a function of your own can be given in the Python interface.\n")


def test_option_signatures():
    assert signature("- -O") == "-O"
    assert signature("- -m <module-name>") == "-m <module-name>"
    pycs = "--check-hash-based-pycs default|always|never"
    assert signature("- " + pycs) == pycs
    assert signature("- -f, --failfast") == "-f, --failfast"
    assert signature("- -n N, --number=N") == "-n N, --number=N"
    # prose in a list is not an option entry
    assert signature("- -f or --failfast makes the test run stop") == ""
    assert signature("- -1 if the call failed.") == ""
    assert signature("- --foo is deprecated, use the new flag instead.") == ""


def test_options_named_in_a_question():
    assert code_names("Which statements does the -O command line option remove?") == ["-O"]
    assert code_names("What does --help-env print?") == ["--help-env"]
    # hyphenated words and dashes are not options
    assert code_names("Is a non-empty e-mail address -- or a command-line flag -- named here?") == []
    # any spelling of an option names its entry; options are case-sensitive
    assert names("-f, --failfast", "--failfast") and names("-f, --failfast", "-f") and names("-u, --unit=U", "--unit")
    assert not names("-b, --buffer", "-B") and not names("-OO", "-O") and not names("-O", "-OO")


def test_open_shows_the_option_entry_and_not_the_next_ones():
    q = "Which time function does the -p option of the timeit command-line interface use?"
    shown = [p for _, p in view(CLI, q)]
    assert any(p.startswith("- -p, --process") and "process_time" in p for p in shown)
    # the entries after it are other options, not part of -p's entry: the second paragraph shown is the best
    # match elsewhere ("command-line interface"); before, a run of short entries, each starting a paragraph,
    # was read as one entry with many signatures, and the later options' paragraphs were shown first
    assert len(shown) == 2 and any(p.startswith("timeit — ") for p in shown)
    assert not any("perf_counter" in p or "--unit" in p for p in shown)
    lines = [line for line in CLI.splitlines() if line.strip()]
    first, end = named_entry(lines, "In which version was the -u option added?")
    assert lines[first] == "- -u, --unit=U" and lines[end] == "- -v, --verbose"


def test_the_part_about_an_option_is_its_entry():
    from agents.web.support import supporting_passage
    q = "Which time function does the -p option of the timeit command-line interface use?"
    tier, passage = supporting_passage(CLI, "time.process_time", q)
    assert tier == 1 and passage.startswith("- -p, --process")
    # the note after the options names another time function: not the part of the page about -p
    assert supporting_passage(CLI, "perf_counter", q) == (0, "")
    assert supporting_passage(CLI, "3.5", "In which version was the -p option of timeit added?") == (0, "")


# a numeric-operations table as the HTML extraction writes it, after prose about other operations that
# shares more of the question's words ("numeric operations", "table") than any row does
TABLE = ("The priorities of the binary bitwise operations are all lower than the numeric operations. This table "
         "lists the bitwise operations sorted in ascending priority.\n" * 3 +
         "All numeric types support the following operations:\n"
         "| Operation | Result | Notes |\n|---|---|---|\n" +
         "".join(f"| x {op} y | {name} of x and y | |\n" for op, name in
                 (("+", "sum"), ("-", "difference"), ("*", "product"), ("/", "quotient"))) +
         "| x // y | floored quotient of x and y | (1) |\n| x % y | remainder of x / y | (2) |\n"
         "| ** | Exponentiation | |\n" + "Notes: integer division rounds towards minus infinity. " * 6 + "\n")
FLOOR = "According to the table of numeric operations, what does x // y give?"


def test_a_question_quoting_a_rows_expression_names_that_row():
    from tools.web.entries import named_row
    lines = [line for line in TABLE.splitlines() if line.strip()]
    header, row = named_row(lines, FLOOR)
    assert lines[header] == "| Operation | Result | Notes |" and lines[row].startswith("| x // y | floored quotient")
    # a bare operator cell is no expression the question quotes; no operator, no row; a prefix is not the cell
    assert named_row(lines, "What does ** denote in a dictionary display?") is None
    assert named_row(lines, "What does the table of numeric operations say?") is None
    assert named_row(lines, "What does x // yz give?") is None


def test_open_and_the_verifier_read_the_named_row():
    from agents.web.support import supporting_passage
    shown = " ".join(p for _, p in view(TABLE, FLOOR))
    assert "floored quotient of x and y" in shown and "| Operation | Result |" in shown
    tier, passage = supporting_passage(TABLE, "floored quotient", FLOOR)
    assert tier == 1 and passage == "| Operation | Result | Notes | | x // y | floored quotient of x and y | (1) |"
    # the rest of the page is not the part about the question, nor the prose around the table
    assert supporting_passage(TABLE, "bitwise operations", FLOOR) == (0, "")
    # without the row rule the prose wins: a question that quotes no row reads the best-matching paragraph
    assert "bitwise" in " ".join(p for _, p in view(TABLE, "the numeric operations table"))
