"""lrukit: an LRU cache and a memoizing decorator."""
from .cache import CacheInfo, LRUCache
from .decorator import lru_cached
from .keys import make_key

__all__ = ["CacheInfo", "LRUCache", "lru_cached", "make_key"]
