from lrukit import LRUCache, lru_cached


def test_memoizes():
    calls = []

    @lru_cached(maxsize=8)
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9
    assert square(3) == 9
    assert calls == [3]
    assert square.cache_info().hits == 1


def test_bare_decorator():
    @lru_cached
    def ident(x):
        return x

    assert ident(1) == 1
    assert ident.cache_info().maxsize == 128


def test_shared_cache_separates_functions():
    shared = LRUCache(16)

    @lru_cached(cache=shared)
    def double(x):
        return 2 * x

    @lru_cached(cache=shared)
    def triple(x):
        return 3 * x

    assert double(5) == 10
    assert triple(5) == 15
    assert len(shared) == 2


def test_cache_clear():
    @lru_cached(maxsize=4)
    def f(x):
        return object()

    first = f(1)
    f.cache_clear()
    assert f(1) is not first
