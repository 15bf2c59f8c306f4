import pytest

from lrukit import CacheInfo, LRUCache


def test_put_get():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("zzz", "default") == "default"


def test_evicts_least_recently_used():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.keys() == ["a", "c"]


def test_info_counts_hits_and_misses():
    cache = LRUCache(4)
    cache.put("a", 1)
    cache.get("a")
    cache.get("a")
    cache.get("b")
    assert cache.info() == CacheInfo(hits=2, misses=1, maxsize=4, currsize=1)


def test_resize_evicts():
    cache = LRUCache(3)
    for k in "abc":
        cache.put(k, k)
    cache.resize(1)
    assert cache.keys() == ["c"]


def test_clear_removes_entries():
    cache = LRUCache(3)
    cache.put("a", 1)
    cache.clear()
    assert len(cache) == 0
    assert cache.get("a") is None


def test_zero_and_unbounded():
    assert len(_filled(LRUCache(0), 5)) == 0
    assert len(_filled(LRUCache(None), 500)) == 500
    with pytest.raises(ValueError):
        LRUCache(-1)


def _filled(cache, n):
    for i in range(n):
        cache.put(i, i)
    return cache
