"""A least-recently-used cache."""
from collections import OrderedDict, namedtuple
from threading import RLock

CacheInfo = namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize"])
_MISSING = object()


class LRUCache:
    """Mapping-like cache that evicts the least recently used entry when full."""

    def __init__(self, maxsize=128):
        if maxsize is not None and maxsize < 0:
            raise ValueError("maxsize must be >= 0 or None (unbounded)")
        self.maxsize = maxsize
        self._data = OrderedDict()
        self._lock = RLock()
        self.hits = 0
        self.misses = 0

    def get(self, key, default=None):
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value):
        with self._lock:
            if self.maxsize == 0:
                return
            if key in self._data:
                self._data.move_to_end(key)
            self._data[key] = value
            self._shrink()

    def _shrink(self):
        while self.maxsize is not None and len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def resize(self, maxsize):
        with self._lock:
            self.maxsize = maxsize
            self._shrink()

    def pop(self, key, default=None):
        with self._lock:
            return self._data.pop(key, default)

    def clear(self):
        """Remove all entries."""
        with self._lock:
            self._data.clear()

    def info(self):
        with self._lock:
            return CacheInfo(self.hits, self.misses, self.maxsize, len(self._data))

    def keys(self):
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._data)

    def __contains__(self, key):
        return key in self._data

    def __len__(self):
        return len(self._data)
