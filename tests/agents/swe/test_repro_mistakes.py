"""Reproduction tests that fail because they call an API the repository does not have are the test's
own mistake, not the bug (agents.swe.reproduce._misused_api)."""
from agents.swe.reproduce import _misused_api

TEST = "scaleagent_repro/test_repro_0.py"
CLASSES = {"LRUCache", "CacheInfo"}

# what pytest --tb=short printed for the 1.5B model's lrukit-1 reproduction test (demo run, 2026-12-03)
IMAGINED = """____________________________________________________________
scaleagent_repro/test_repro_0.py:26: in test_cache_info_after_resize
    assert cache.cache_info() == CacheInfo(hits=0, misses=0, maxsize=2, currsize=2)
           ^^^^^^^^^^^^^^^^
E   AttributeError: 'LRUCache' object has no attribute 'cache_info'
"""

# the bug itself raises inside repository code (lrukit-2's typed=True crash)
IN_REPO = """____________________________________________________________
scaleagent_repro/test_repro_0.py:9: in test_typed
    kind(1, y=2)
lrukit/decorator.py:23: in wrapper
    key = prefix + make_key(args, typed)
lrukit/keys.py:14: in make_key
    for k, v in kwargs.items():
E   AttributeError: 'LRUCache' object has no attribute 'items'
"""

# the bug returns None, and the test's own line finds out
ON_NONE = """____________________________________________________________
scaleagent_repro/test_repro_0.py:7: in test_parse
    assert parse("1.2").major == 1
E   AttributeError: 'NoneType' object has no attribute 'major'
"""


def test_an_imagined_method_of_a_repository_class_is_the_tests_mistake():
    assert _misused_api(IMAGINED, TEST, CLASSES) == "AttributeError: LRUCache has no cache_info"


def test_an_attribute_error_raised_inside_repository_code_is_the_bug():
    assert _misused_api(IN_REPO, TEST, CLASSES) is None


def test_an_attribute_error_on_a_value_of_another_type_is_the_bug():
    assert _misused_api(ON_NONE, TEST, CLASSES) is None


def test_only_the_test_file_that_ran_counts():
    assert _misused_api(IMAGINED, "scaleagent_repro/test_repro_1.py", CLASSES) is None
    assert _misused_api(IMAGINED, TEST, {"Other"}) is None


def test_a_missing_attribute_the_issue_reports_is_the_bug():
    issue = "Calling `cache.cache_info()` on an LRUCache raises AttributeError: 'LRUCache' object has no attribute"
    assert _misused_api(IMAGINED, TEST, CLASSES, issue) is None
    assert _misused_api(IMAGINED, TEST, CLASSES, "cache_clear() leaves old counts in cache_info()") is not None
