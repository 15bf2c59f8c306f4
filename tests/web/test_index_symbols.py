"""Operators and short options are searchable: the word tokenizer drops ":=", "**" and "-O", so the
index keeps them as spelled-out words in a column of their own and a query's symbols are matched
against it. A default index built by an older version is rebuilt (it is a cache)."""
import sqlite3

from tools.web.index import Index, build_index, is_current, symbol_words


def _page(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1><p>{body}</p></main></body></html>"


def test_symbol_words_spell_out_operators_and_case_sensitive_flags():
    assert symbol_words("(y := f(x)) and a ** b") == ["symcolonequals", "symstarstar"]
    assert symbol_words("python -O script.py; ls -o") == ["symflagcapo", "symflago"]
    # hyphenated words, long options, runs longer than any operator and e-mail addresses are not symbols
    assert symbol_words("non-zero --sort-keys ==== <--> e-mail a@b.org") == []
    assert symbol_words("@cache def f(): return a @ b") == ["symat", "symat"]


def test_a_query_with_an_operator_finds_the_page_that_uses_it(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    pages = {"assign.html": ("Assignment expressions", "An assignment expression (y := f(x)) binds a name inside "
                                                       "an expression. The operator returns the value."),
             "ops.html": ("Operators", "The operator module exports functions for every operator: add, mul and "
                                       "the operator for powers, a ** b. Each operator has a function."),
             "cmd.html": ("Command line", "Run python -O to remove assert statements; the -o flag does not exist.")}
    for name, (title, body) in pages.items():
        (docs / name).write_text(_page(title, body), encoding="utf-8")
    build_index(docs, tmp_path / "i.sqlite")
    idx = Index(tmp_path / "i.sqlite")
    try:
        assert idx.search("operator")[0]["path"] == "ops.html"        # by words alone, the operator page
        assert idx.search(":= operator")[0]["path"] == "assign.html"  # the symbol decides
        assert idx.search("** operator")[0]["path"] == "ops.html"
        assert [r["path"] for r in idx.search("-O")] == ["cmd.html"]
        assert idx.search("-x") == []                                  # no page has that option
    finally:
        idx.close()


def test_a_default_index_built_by_an_older_version_is_rebuilt(tmp_path, monkeypatch):
    import tools.web.index as index_mod
    from agents.web.env import ensure_index
    from web_corpus import write_corpus

    monkeypatch.setenv("SCALEAGENT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(index_mod, "DEFAULT_DOCS", write_corpus(tmp_path / "docs"))
    path = ensure_index(None)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='1' WHERE key='version'")
    db.close()
    assert not is_current(path)
    assert ensure_index(None) == path and is_current(path)
    idx = Index(path)
    try:
        assert idx.count() == 4
    finally:
        idx.close()
    assert not is_current(tmp_path / "absent.sqlite")
