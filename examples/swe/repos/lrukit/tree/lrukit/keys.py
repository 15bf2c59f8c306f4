"""Building hashable cache keys from call arguments."""

_KWD_MARK = object()  # separates positional from keyword arguments in a key


class HashedKey(tuple):
    """A tuple that caches its hash (keys are hashed on every lookup)."""

    __slots__ = ()

    def __hash__(self):
        return tuple.__hash__(self)


def make_key(args, kwds=None, typed=False):
    """Return a hashable key for a call with positional ``args`` and keyword ``kwds``.

    ``f(1, b=2)`` and ``f(1, 2)`` get different keys.  With ``typed=True``,
    arguments of different types are cached separately (``f(3)`` vs ``f(3.0)``).
    """
    key = tuple(args)
    if kwds:
        key += (_KWD_MARK,)
        for item in sorted(kwds.items()):
            key += item
    if typed:
        key += tuple(type(v) for v in args)
        if kwds:
            key += tuple(type(v) for _, v in sorted(kwds.items()))
    return HashedKey(key)
