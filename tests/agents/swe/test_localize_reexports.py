"""Localization and a package's re-exporting `__init__.py`: a model vote for `pkg/__init__.py::name` counts
for the file that defines `name`; a re-export module earns no lexical prior; `defining_file` finds the one
definition (or none when ambiguous)."""
from types import SimpleNamespace

from agents.swe.localize import Localize
from tools.repo import defining_file, source_files


def _repo(root):
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pkg.codec import unquote\nfrom pkg.parse import Parser, parse_qs\n"
                                     "__all__ = ['unquote', 'parse_qs', 'Parser']\n")
    (pkg / "codec.py").write_text("def unquote(text):\n    return text.replace('+', ' ')\n")
    (pkg / "parse.py").write_text("from pkg.codec import unquote\n\n\nclass Parser:\n    def feed(self, s):\n"
                                  "        return unquote(s)\n\n\ndef parse_qs(qs):\n    return Parser().feed(qs)\n")
    (pkg / "build.py").write_text("def feed(x):\n    return x\n")
    return root


def _ctx(root):
    return SimpleNamespace(task=SimpleNamespace(input={"workdir": str(root), "problem_statement":
                                                       "unquote does not decode %20 in parse_qs"}))


def test_a_vote_for_the_reexporting_init_goes_to_the_defining_file(tmp_path):
    root = _repo(tmp_path)
    picks = Localize().parse(_ctx(root), None, "pkg/__init__.py::unquote\npkg/__init__.py::Parser.feed\n"
                                              "pkg/__init__.py\npkg/build.py::feed")
    # unquote -> codec.py; Parser.feed -> parse.py (qualified); no function named: the file itself
    assert picks == [["pkg/codec.py", "unquote"], ["pkg/parse.py", "Parser.feed"], ["pkg/__init__.py", ""],
                     ["pkg/build.py", "feed"]]
    # a name defined in two files, or nowhere, keeps the vote where the model put it
    assert Localize().parse(_ctx(root), None, "pkg/__init__.py::feed") == [["pkg/__init__.py", "feed"]]
    assert Localize().parse(_ctx(root), None, "pkg/__init__.py::nothing") == [["pkg/__init__.py", "nothing"]]


def test_defining_file(tmp_path):
    root = _repo(tmp_path)
    files = source_files(root)
    assert defining_file(root, files, "parse_qs") == "pkg/parse.py"
    assert defining_file(root, files, "Parser") == "pkg/parse.py"
    assert defining_file(root, files, "feed") is None  # Parser.feed and build.feed
    assert defining_file(root, files, "Parser.feed") == "pkg/parse.py"
    assert defining_file(root, files, "not a name") is None and defining_file(root, files, "missing") is None
