from tools.repo import (is_test_path, match_path, rank_files, rank_symbols, reexports_only, source_files, symbols,
                        tokens)


def make_repo(root):
    (root / "pkg").mkdir()
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "dates.py").write_text("def parse_date(text):\n    return text.split('-')\n\n"
                                           "def format_date(d):\n    return '-'.join(d)\n")
    (root / "pkg" / "money.py").write_text("def round_cents(amount):\n    return round(amount, 2)\n")
    (root / "tests" / "test_dates.py").write_text("from pkg.dates import parse_date\n")
    return root


def test_source_files_skip_tests(tmp_path):
    make_repo(tmp_path)
    assert source_files(tmp_path) == ["pkg/__init__.py", "pkg/dates.py", "pkg/money.py"]
    assert "tests/test_dates.py" in source_files(tmp_path, include_tests=True)
    assert is_test_path("tests/test_x.py") and not is_test_path("pkg/x.py")


def test_rank_files_and_symbols_follow_the_issue(tmp_path):
    make_repo(tmp_path)
    ranked = rank_files(tmp_path, "parse_date crashes on dates like 2020/01/02")
    assert ranked[0][0] == "pkg/dates.py"
    syms = rank_symbols((tmp_path / "pkg" / "dates.py").read_text(), "parseDate is wrong")
    assert syms[0][0].name == "parse_date"
    assert "parse" in tokens("parseDate") and "date" in tokens("parse_date")


def test_a_module_that_only_reexports_ranks_last_whatever_names_it_shares_with_the_issue(tmp_path):
    make_repo(tmp_path)
    (tmp_path / "pkg" / "__init__.py").write_text(
        '"""pkg."""\nfrom pkg.dates import parse_date, format_date\nimport pkg.money as money\n'
        '__all__ = ["parse_date", "format_date"]\n__version__: str = "1.0"\nparse = parse_date\n')
    ranked = rank_files(tmp_path, "parse_date and format_date crash; pkg money too")
    assert ranked[-1] == ("pkg/__init__.py", 0.0) and ranked[0][0] == "pkg/dates.py"
    assert reexports_only("") and reexports_only((tmp_path / "pkg" / "__init__.py").read_text())
    for code in ("def f():\n    pass\n", "class A:\n    pass\n", "x = compute()\n", "__all__ = [f() for f in g]\n",
                 "if True:\n    import os\n", "WEEKDAYS = {'mon': 1}\n", "def broken(:\n"):
        assert not reexports_only(code), code  # code of its own (a mapping may hold the bug), or does not parse


def test_match_path_is_tolerant():
    files = ["src/pkg/dates.py", "src/pkg/money.py", "src/other/money.py"]
    assert match_path("path/to/dates.py", files) == "src/pkg/dates.py"
    assert match_path("`./src/pkg/dates.py`", files) == "src/pkg/dates.py"
    assert match_path("pkg.dates", files) == "src/pkg/dates.py"
    assert match_path("money.py", files) is None  # ambiguous
    assert match_path("nothing.py", files) is None


def test_symbols_lists_methods():
    names = [s.name for s in symbols("class A:\n    def f(self):\n        pass\n\ndef g():\n    pass\n")]
    assert names == ["A", "A.f", "g"]
