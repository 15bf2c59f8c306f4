"""Memoizing decorator backed by LRUCache."""
import functools

from .cache import LRUCache
from .keys import make_key

_MISSING = object()


def lru_cached(maxsize=128, typed=False, cache=None):
    """Memoize a function in an ``LRUCache``.

    Pass ``cache=`` to share one cache between several functions (keys then
    include the function's qualified name).
    """

    def decorator(func):
        store = cache if cache is not None else LRUCache(maxsize)
        prefix = (func.__module__, func.__qualname__) if cache is not None else ()

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = prefix + make_key(args, typed)
            value = store.get(key, _MISSING)
            if value is _MISSING:
                value = func(*args, **kwargs)
                store.put(key, value)
            return value

        wrapper.cache = store
        wrapper.cache_info = store.info
        wrapper.cache_clear = store.clear
        return wrapper

    if callable(maxsize) and not isinstance(maxsize, bool):
        func, maxsize = maxsize, 128
        return decorator(func)
    return decorator
