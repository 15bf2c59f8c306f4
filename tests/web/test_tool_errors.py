"""Every way a web tool can fail is an observation the model sees ({"error": one line}), never an
exception that ends the run; a request that went out is charged, one refused before sending is not,
and a call the budget cannot pay for sends nothing."""
import pytest

from budgets import Budget, BudgetExceeded, BudgetTracker
from tools.web.backends import SearxngBackend
from tools.web.tools import WebTools


def tools_on(faults, **kw) -> WebTools:
    tools = WebTools(SearxngBackend(faults.url, **kw))
    return tools


def test_search_then_open_reads_the_page_as_text(faults):
    tools, tr = tools_on(faults), BudgetTracker(Budget.parse("search=2,open=2"))
    obs = tools.call(tr, "search", query="answer")
    assert obs["results"][0]["url"] == f"{faults.url}/page"
    page = tools.call(tr, "open", url=obs["results"][0]["url"], focus="what is the answer")
    assert "forty-two" in " ".join(page["excerpts"]) and "<p>" not in " ".join(page["excerpts"])
    assert tr.spent.tools == {"search": 1, "open": 1}


@pytest.mark.parametrize("path, expected", [
    ("/dead", "answered HTTP 404 (a dead link"),
    ("/pdf", "is application/pdf, not an HTML or text page"),
    ("/huge", "is 20 MB, over the 5 MB page limit"),
    ("/huge-chunked", "over the 5 MB page limit; stopped reading"),
])
def test_bad_pages_are_tool_errors_and_charged(faults, path, expected):
    tools, tr = tools_on(faults), BudgetTracker(Budget.parse("open=5"))
    tools.backend._hosts.add(f"127.0.0.1:{faults.port}")
    obs = tools.call(tr, "open", url=faults.url + path)
    assert expected in obs["error"], obs
    assert tr.spent.tools == {"open": 1}  # the request went out: charged
    assert tr.reserved.is_zero()


def test_a_hanging_server_times_out_as_a_tool_error(faults):
    tools, tr = tools_on(faults, read_s=0.5, total_s=2), BudgetTracker(Budget.parse("open=1"))
    tools.backend._hosts.add(f"127.0.0.1:{faults.port}")
    obs = tools.call(tr, "open", url=faults.url + "/hang")
    assert "did not answer within 0.5 s" in obs["error"]


@pytest.mark.parametrize("mode, expected", [("notjson", "malformed results (not JSON)"),
                                            ("noresults", "malformed results (no 'results' list)")])
def test_malformed_search_results_are_tool_errors(faults, mode, expected):
    faults.mode = mode
    obs = tools_on(faults).call(BudgetTracker(Budget.parse("search=1")), "search", query="q")
    assert expected in obs["error"]


def test_malformed_result_items_are_skipped(faults):
    faults.mode = "baditems"
    obs = tools_on(faults).call(BudgetTracker(), "search", query="q")
    assert obs["results"] == [{"url": f"{faults.url}/page", "title": "", "snippet": ""}]


def test_urls_no_search_returned_are_refused_before_sending_and_not_charged(faults):
    tools, tr = tools_on(faults), BudgetTracker(Budget.parse("open=1"))
    before = len(faults.requests)
    for url in ("http://10.1.2.3/x", "file:///etc/passwd", "http://127.0.0.1:1/elsewhere"):
        assert "error" in tools.call(tr, "open", url=url)
    assert len(faults.requests) == before
    assert tr.spent.tools.get("open", 0) == 0 and tr.reserved.is_zero()


def test_a_call_the_budget_cannot_pay_sends_nothing(faults):
    tools, tr = tools_on(faults), BudgetTracker(Budget.parse("search=1"))
    tools.call(tr, "search", query="q")
    sent = len(faults.requests)
    with pytest.raises(BudgetExceeded):
        tools.call(tr, "search", query="again")
    assert len(faults.requests) == sent


def test_find_shows_where_a_text_occurs_or_says_it_does_not(faults):
    tools, tr = tools_on(faults), BudgetTracker()
    tools.call(tr, "search", query="q")
    hit = tools.call(tr, "find", url=f"{faults.url}/page", text="FORTY-TWO")
    assert "forty-two" in hit["matches"][0] and "note" not in hit
    miss = tools.call(tr, "find", url=f"{faults.url}/page", text="zebra")
    assert "does not occur" in miss["note"]
    assert tr.spent.tools == {"search": 1, "find": 2}
    assert sum(1 for r in faults.requests if r == "/page") == 1  # the page is fetched once


def test_tool_prices_enter_the_unified_cost(faults):
    tr = BudgetTracker()
    tr.cost_model.tool_prices["open"] = 0.25
    tools = tools_on(faults)
    tools.call(tr, "search", query="q")
    tools.call(tr, "open", url=f"{faults.url}/page")
    assert tr.spent.usd == pytest.approx(0.005 + 0.25)
