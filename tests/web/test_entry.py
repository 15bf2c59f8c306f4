"""The entry a question is about: a reference page's signature line and what follows it up to the next
one, or a module's opening. The page shapes are the Python docs' as the index extracts them (`- name(args)`
signature lines); the wrong answers are the dev split's (round 18: `ast.unparse` → 3.8 from a "Changed in
version 3.8" note of `ast.parse`, verified by the yes/no judge)."""
from agents.web.entry import module_opening
from agents.web.reader import PASSAGE_CHARS
from agents.web.support import CLIP_CHARS, question_passages, supporting_passage
from tools.web.entries import named_entry

AST = ("ast — Abstract Syntax Trees\nSource code: Lib/ast.py\n"
       "The ast module helps Python applications to process trees of the Python abstract syntax grammar.\n"
       "- ast.parse(source, filename='<unknown>', mode='exec', *, type_comments=False, feature_version=None)\n"
       "- Parse the source into an AST node. Equivalent to compile(source, filename, mode, ast.PyCF_ONLY_AST).\n"
       "Changed in version 3.8: Added type_comments, mode='func_type' and feature_version.\n"
       "- ast.unparse(ast_obj)\n"
       "- Unparse an ast.AST object and generate a string with code that would produce an equivalent ast.AST "
       "object if parsed back with ast.parse().\n"
       + "Warning The produced code string will not necessarily be equal to the original code. " * 4 + "\n"
       "New in version 3.9.\n"
       "- ast.literal_eval(node_or_string)\n- Evaluate an expression node. Changed in version 3.10: bytes added.\n")
Q_UNPARSE = "In which Python version was ast.unparse() added?"
ZIPAPP = ("zipapp — Manage executable Python zip archives\nNew in version 3.5.\nSource code: Lib/zipapp.py\n"
          + "This module provides tools to manage the creation of zip files containing Python code. " * 5 + "\n"
          "- zipapp.create_archive(source, target=None, interpreter=None, main=None, filter=None)\n"
          "- Create an application archive from source. Changed in version 3.7: Added the filter parameter "
          "to the zipapp module.\n")
NEXT = ("Built-in Functions\n- next(iterator)\n- next(iterator, default)\n"
        "- Retrieve the next item from the iterator. If default is given, it is returned if the iterator is "
        "exhausted, otherwise StopIteration is raised.\n- class object\n- Return a new featureless object.\n")


def _lines(page):
    return [line for line in page.splitlines() if line.strip()]


def test_the_entry_runs_from_its_signature_to_the_next_one():
    lines = _lines(AST)
    first, end = named_entry(lines, Q_UNPARSE)
    assert lines[first] == "- ast.unparse(ast_obj)" and lines[end].startswith("- ast.literal_eval")
    assert "New in version 3.9." in lines[first:end]
    # several signature lines of one entry belong together with the description after them
    lines = _lines(NEXT)
    first, end = named_entry(lines, "Which exception is raised by next() when the iterator is exhausted?")
    assert lines[first] == "- next(iterator)" and any("StopIteration" in line for line in lines[first:end])
    assert not any("featureless" in line for line in lines[first:end])


def test_a_name_matches_its_qualified_entry_and_nothing_shorter():
    page = _lines("- class pprint.PrettyPrinter(indent=1, width=80)\n- Construct a PrettyPrinter instance.\n"
                  "- server\n- Contains the server instance.\n")
    assert named_entry(page, "What is the default width of pprint's PrettyPrinter?") == (0, 2)
    # "http.server" is not the attribute "server" of some class
    assert named_entry(page, "On which port does python -m http.server listen by default?") is None


def test_a_module_question_reads_the_module_opening_first_and_a_member_question_does_not():
    lines = _lines(ZIPAPP)
    q = "In which Python version was the zipapp module added?"
    assert named_entry(lines, q) is None
    first, end = module_opening(lines, q)
    assert first == 0 and lines[end].startswith("- zipapp.create_archive") and "New in version 3.5." in lines[:end]
    assert module_opening(lines, "Which function of the zipapp module creates an archive?") is None
    assert module_opening(lines, "In which Python version was zipapp added?") is None  # not asked as "the module"
    assert module_opening(_lines("Some page\nNew in version 3.5.\n"), "When was the zipapp module added?") is None
    # the opening ranks first, the rest of the page after it: a member's note does not verify by passage
    assert supporting_passage(ZIPAPP, "3.5", q, top=1)[0] == 1
    assert supporting_passage(ZIPAPP, "3.7", q, top=1) == (0, "")
    # the opening's best passage is the first tier, not all there is: a module's note in its only class's
    # entry (graphlib's) is the next tier, which a real quote may verify
    inside = ("graphlib — Functionality to operate with graph-like structures\nSource code: Lib/graphlib.py\n"
              "- class graphlib.TopologicalSorter(graph=None)\n- Provides functionality to topologically sort a "
              "graph of hashable nodes.\nNew in version 3.9.\n")
    assert supporting_passage(inside, "3.9", "In which Python version was the graphlib module added?", top=2)[0]


def test_the_named_entry_is_the_part_of_the_page_about_the_question():
    """The version note of another entry is no longer the passage about the question: the passage rule
    and the quote rule (top 2 tiers) look only inside the entry the question names."""
    assert supporting_passage(AST, "3.9", Q_UNPARSE, top=1)[0] == 1
    assert supporting_passage(AST, "3.8", Q_UNPARSE, top=2) == (0, "")
    assert supporting_passage(AST, "3.10", Q_UNPARSE, top=2) == (0, "")
    # the reader reads the entry, led by its signature
    best = question_passages(AST, Q_UNPARSE, top=1)[0][1]
    assert best.startswith("- ast.unparse(ast_obj)") and "New in version 3.9." in best[:PASSAGE_CHARS]


def test_the_kept_part_of_a_long_passage_shows_the_answer():
    tier, kept = supporting_passage(AST, "3.9", Q_UNPARSE, top=1)
    assert len(AST.split("- ast.unparse")[1].split("New in version")[0]) > CLIP_CHARS  # the note is far in
    assert "3.9" in kept and kept.startswith("- ast.unparse(ast_obj)") and len(kept) <= CLIP_CHARS + 3


def test_a_page_with_no_entry_ranks_as_before():
    page = "Intro line\n" + "Some words about search paths. " * 20 + "\nPYTHONPATH augments the search path.\n"
    q = "Which environment variable augments the search path?"
    assert named_entry(_lines(page), q) is None
    assert supporting_passage(page, "PYTHONPATH", q, top=1)[0] == 1
