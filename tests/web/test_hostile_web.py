"""What a search server or a page sends is hostile input: whatever it is, a web tool call ends in an
observation (a tool error the model reads, or bounded, encodable text), never an exception that ends the run."""
import json
import time

import pytest

from budgets import BudgetTracker
from fault_server import FaultServer
from tools.web.backends import SearxngBackend
from tools.web.tools import WebTools


def search(faults, body: bytes) -> dict:
    faults.search_body = body
    return WebTools(SearxngBackend(faults.url)).call(BudgetTracker(), "search", query="q")


def opened(faults, path: str, headers: dict, body: bytes, **kw) -> dict:
    faults.pages[path] = (200, headers, body)
    tools = WebTools(SearxngBackend(faults.url, **kw))
    return tools.call(BudgetTracker(), "open", url=faults.url + path, focus="what is the answer")


def encodable(obs: dict) -> None:
    json.dumps(obs, ensure_ascii=False).encode("utf-8")  # a lone surrogate raises here (and in a model's prompt)


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,                                          # past the JSON parser's depth
    b'{"results": [{"url": "http://127.0.0.1/p", "title": ' + b"9" * 5000 + b"}]}",  # past int() digits
])
def test_search_bodies_the_json_parser_gives_up_on_are_malformed_results(faults, body):
    assert "malformed results (not JSON)" in search(faults, body)["error"]


def test_result_urls_no_request_can_be_sent_to_are_skipped(faults):
    page = f"{faults.url}/page"
    bad = ["http://[::1/x", "http://127.0.0.1:99999/x", f"{page}\n", f"{page}\x00", "http://127.0.0.1/\ud800",
           "http://127.0.0.1/" + "a" * 5000]
    obs = search(faults, json.dumps({"results": [{"url": u} for u in bad] + [{"url": page}]}).encode())
    assert [r["url"] for r in obs["results"]] == [page]


def test_titles_and_snippets_lose_control_characters_and_lone_surrogates(faults):
    item = {"url": f"{faults.url}/page", "title": "a\x00b\ud800", "content": "c\x1bd"}
    obs = search(faults, json.dumps({"results": [item]}).encode())
    encodable(obs)
    assert obs["results"][0]["title"] == "a b\ufffd" and obs["results"][0]["snippet"] == "c d"


def test_a_result_with_user_info_in_its_url_can_be_opened(faults):
    with FaultServer() as other:  # a second site the search named, as user@host:port
        other.pages["/p"] = (200, {"Content-Type": "text/plain"}, b"The answer is forty-two.")
        faults.search_body = json.dumps({"results": [{"url": f"http://user@127.0.0.1:{other.port}/p"}]}).encode()
        tools, tr = WebTools(SearxngBackend(faults.url)), BudgetTracker()
        url = tools.call(tr, "search", query="q")["results"][0]["url"]
        obs = tools.call(tr, "open", url=url)
        assert "forty-two" in obs["excerpts"][0], obs


def test_a_search_server_url_with_user_info_is_searched(faults):
    base = f"http://user@127.0.0.1:{faults.port}"
    obs = WebTools(SearxngBackend(base)).call(BudgetTracker(), "search", query="q")
    assert obs["results"] and "error" not in obs, obs


@pytest.mark.parametrize("base", ["http://[::1", "http://127.0.0.1:99999"])
def test_a_search_server_url_no_request_can_be_sent_to_is_refused_at_once(base):
    with pytest.raises(ValueError, match="bad search server URL"):
        SearxngBackend(base)


@pytest.mark.parametrize("charset, readable", [("idna", True), ("rot13", True), ("no-such-codec", True),
                                               ("punycode", False)])
def test_a_charset_that_lies_or_cannot_decode_the_page_is_no_crash(faults, charset, readable):
    obs = opened(faults, "/cs", {"Content-Type": f"text/plain; charset={charset}"}, b"The answer \xff is forty-two.")
    encodable(obs)
    assert ("forty-two" in obs["excerpts"][0]) is readable, obs  # punycode "decodes" it, into nonsense


def test_page_text_loses_nul_bytes_and_lone_surrogates(faults):
    body = b"<html><body><p>The answer\x00 is forty-two \xed\xa0\x80 here.</p></body></html>"
    obs = opened(faults, "/nul", {"Content-Type": "text/html; charset=utf-8"}, body)
    encodable(obs)
    assert "forty-two" in obs["excerpts"][0] and "\x00" not in obs["excerpts"][0]
    obs = opened(faults, "/u7", {"Content-Type": "text/plain; charset=utf-7"}, b"The answer +2AA- is forty-two.")
    encodable(obs)


def test_a_page_of_one_huge_line_is_shown_in_bounded_excerpts(faults):
    body = b"The answer is forty-two. " + b"word " * 600_000
    obs = opened(faults, "/line", {"Content-Type": "text/plain"}, body)
    assert 0 < sum(len(e) for e in obs["excerpts"]) < 2000 and "forty-two" in obs["excerpts"][0]


def test_a_huge_title_is_cut(faults):
    body = b"<html><head><title>" + b"T " * 100_000 + b"</title></head><body><p>The answer is forty-two.</p></body></html>"
    assert len(opened(faults, "/title", {"Content-Type": "text/html"}, body)["title"]) <= 200


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http://[::1/x", "file:///etc/passwd", "http://127.0.0.2:9/x"])  # another host (loopback): refused, never dialled
def test_a_redirect_anywhere_odd_is_a_tool_error(faults, location):
    faults.pages["/r"] = (302, {"Location": location, "Content-Type": "text/plain"}, b"")
    tools = WebTools(SearxngBackend(faults.url))
    obs = tools.call(BudgetTracker(), "open", url=faults.url + "/r")
    assert obs["error"].startswith("open: "), obs


@pytest.mark.parametrize("url", ["http://[::1/x", "http://127.0.0.1:1/x\n", "http://127.0.0.1:1/\ud800", "javascript:x", "/doc/x"])
def test_urls_a_model_may_write_are_refused_before_sending(faults, url):
    tr = BudgetTracker()
    obs = WebTools(SearxngBackend(faults.url)).call(tr, "open", url=url)
    assert "not an http(s) URL" in obs["error"] and tr.spent.tools.get("open", 0) == 0
    encodable(obs)


def test_a_server_that_drips_its_headers_is_stopped_at_the_total_deadline(faults):
    tools = WebTools(SearxngBackend(faults.url, read_s=1, total_s=1.5))
    started = time.monotonic()
    obs = tools.call(BudgetTracker(), "open", url=faults.url + "/drip-headers")
    assert "did not finish within 1.5 s" in obs["error"], obs
    assert time.monotonic() - started < 4
