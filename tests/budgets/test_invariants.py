"""Property: whatever concurrent reserve/settle/fail/retry sequence runs, no cap at any level is ever
passed (checked at every moment), nothing stays reserved, and spend is exactly what was settled."""
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from hypothesis import given, settings
from hypothesis import strategies as st

from budgets import Budget, BudgetExceeded, BudgetTracker, Spend

op = st.tuples(
    st.sampled_from(["run", "run/a", "run/b", "run/a/x"]),          # where to charge
    st.integers(0, 60), st.integers(0, 60),                          # worst-case in/out tokens
    st.sampled_from(["settle", "fail", "retry", "timeout"]),          # what the call does
    st.floats(0, 1),                                                 # actual / worst case
    st.integers(0, 2),                                               # tool calls
)


def make_tree():
    root = BudgetTracker(Budget(tokens=600, model_calls=25, tools={"search": 10}))
    a = root.child("a", Budget(tokens=300, tools={"search": 4}))
    root.child("b", share=0.5)
    a.child("x", Budget(tokens=120, model_calls=5))
    return root


def node(root, path):
    n = root
    for part in path.split("/")[1:]:
        n = n.children[part]
    return n


def check_caps(root):
    stack = [root]
    while stack:
        n = stack.pop()
        used = n.spent + n.reserved
        b = n.budget
        assert b.tokens is None or used.tokens <= b.tokens
        assert b.model_calls is None or used.model_calls <= b.model_calls
        for t, cap in b.tools.items():
            assert used.tools.get(t, 0) <= cap
        stack.extend(n.children.values())


def one_call(root, path, tin, tout, outcome, frac, tools, ledger, lock):
    n = node(root, path)
    worst = Spend(input_tokens=tin, output_tokens=tout, model_calls=1, tools={"search": tools} if tools else {})
    attempts = 2 if outcome == "retry" else 1
    for attempt in range(attempts):
        try:
            r = n.reserve(worst)
        except BudgetExceeded:
            return
        with lock:
            check_caps(root)
        with r:
            if outcome in ("fail", "timeout") or (outcome == "retry" and attempt == 0):
                continue  # released by the context manager: nothing was spent
            actual = Spend(input_tokens=int(tin * frac), output_tokens=int(tout * frac), model_calls=1,
                           tools=worst.tools)
            r.settle(actual)
            with lock:
                for p in _ancestors(path):
                    ledger[p] = ledger.get(p, Spend()) + actual
                check_caps(root)


def _ancestors(path):
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def verify_final(root, ledger):
    check_caps(root)
    stack = [root]
    while stack:
        n = stack.pop()
        assert n.reserved.is_zero()
        expected = ledger.get(n.path, Spend())
        assert n.spent.tokens == expected.tokens and n.spent.model_calls == expected.model_calls
        assert n.spent.tools.get("search", 0) == expected.tools.get("search", 0)
        stack.extend(n.children.values())


@settings(max_examples=60, deadline=None)
@given(st.lists(op, min_size=1, max_size=40))
def test_threads_never_pass_a_cap(ops):
    root, ledger, lock = make_tree(), {}, threading.Lock()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda o: one_call(root, *o, ledger, lock), ops))
    verify_final(root, ledger)


@settings(max_examples=60, deadline=None)
@given(st.lists(op, min_size=1, max_size=40), st.randoms())
def test_asyncio_tasks_never_pass_a_cap(ops, rnd):
    root, ledger, lock = make_tree(), {}, threading.Lock()

    async def call(o):
        await asyncio.sleep(rnd.random() / 1000)
        n = node(root, o[0])
        worst = Spend(input_tokens=o[1], output_tokens=o[2], model_calls=1)
        try:
            r = n.reserve(worst)
        except BudgetExceeded:
            return
        check_caps(root)
        with r:
            await asyncio.sleep(rnd.random() / 1000)  # other tasks reserve while this call is in flight
            if o[3] == "settle":
                actual = Spend(input_tokens=int(o[1] * o[4]), output_tokens=int(o[2] * o[4]), model_calls=1)
                r.settle(actual)
                for p in _ancestors(o[0]):
                    ledger[p] = ledger.get(p, Spend()) + actual
            elif o[3] == "timeout":
                raise asyncio.TimeoutError

    async def main():
        await asyncio.gather(*(call(o) for o in ops), return_exceptions=True)

    asyncio.run(main())
    verify_final(root, ledger)
