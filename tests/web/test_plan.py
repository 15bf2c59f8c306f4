"""The plan's checklist: the question's own words first, then only the model's queries that add a word."""
from agents.web.plan import checklist, question_query


def test_the_question_query_drops_stop_words_and_keeps_names():
    assert question_query("In which Python version was the zoneinfo module added?") == \
        "Python version zoneinfo module added"
    assert question_query("What does os.path.join return?") == "os.path.join return"
    assert question_query("Which is it?") == "Which is it?"  # nothing but stop words: the question as it is
    # operators and short options are kept as written (the index searches them); hyphenated words stay words
    assert question_query("What does the := operator return?") == ":= operator return"
    assert question_query("Which statements does -O remove from non-zero code?") == "statements -O remove non-zero code"


def test_fragments_of_the_question_are_dropped_and_new_words_kept():
    q = "In which Python version was the tomllib module added?"
    got = checklist(q, ["python version", "tomllib module", "added", "Python 3.8", "in the 3.11", "TOML parser",
                        "toml  parser", "TOML config files"], 4)
    assert got == ["Python version tomllib module added", "TOML parser", "TOML config files"]


def test_the_checklist_is_cut_to_its_size_and_never_empty():
    q = "Which PEP specified the module that supports the IANA time zone database?"
    assert checklist(q, ["zoneinfo PEP", "PEP 615"], 1) == ["PEP specified module supports IANA time zone database"]
    assert checklist(q, [], 3) == ["PEP specified module supports IANA time zone database"]
    assert checklist(q, ["zoneinfo PEP", "PEP 615", "tz data"], 2)[1] == "zoneinfo PEP"


def test_queries_copied_from_the_budget_block_are_dropped():
    """The 0.5B's plan for a dev question was the block's words ("$0.0000 spent", "budget 0 used, 5 left",
    "open 0 used, 5 left"); a query that only shares a word with the block stays."""
    q = "Which environment variable augments the default search path for module files?"
    got = checklist(q, ["$0.0000 spent", "budget 0 used, 5 left", "open 0 used, 5 left", "$ 1 spent",
                        "tokens 812 used, no cap", "PYTHONPATH variable", "open file time left"], 4)
    assert got == ["environment variable augments default search path module files", "PYTHONPATH variable",
                   "open file time left"]


def test_queries_made_of_the_prompts_own_words_or_truncated_question_words_are_dropped():
    """Dev round 23: for "What does a double asterisk ** denote in a dictionary display?" the 0.5B planned
    "budget" and "plan", words of the plan prompt's "Plan only as many searches as the budget allows"; for
    "... was the -u option ... added?" it planned "add". A query with a word of its own besides stays."""
    from agents.web.plan import PlanStage

    q = "What does a double asterisk ** denote in a dictionary display?"
    told = "Plan only as many searches as the budget allows. Write up to 3 short search queries"
    got = checklist(q, ["budget", "plan", "plan budget searches", "dictionary unpacking", "dict displays plan"], 4,
                    told)
    assert got == ["double asterisk ** denote dictionary display", "dictionary unpacking", "dict displays plan"]
    assert checklist("In which version was the -u option added?", ["add", "adding", "timeit unit"], 3) == [
        "version -u option added", "adding", "timeit unit"]  # "adding" is no truncation of "added"
    assert checklist(q, ["budget", "plan"], 3) == ["double asterisk ** denote dictionary display", "budget", "plan"]

    from budgets import Budget, BudgetTracker

    class Ctx:  # the stage passes its own prompt's words (with the budget block and its advice)
        task = type("T", (), {"input": {"question": q}})()
        stage_tracker = BudgetTracker(Budget.parse("search=3,open=3"))

    from agents.state import SampleRequest

    stage = PlanStage()
    request = SampleRequest(messages=stage.prompt(Ctx()))
    assert stage.parse(Ctx(), request, '{"queries": ["budget", "plan", "dictionary unpacking"]}') == [
        "double asterisk ** denote dictionary display", "dictionary unpacking"]
