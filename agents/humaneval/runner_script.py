"""The HumanEval grading harness: both ends of one protocol, standard library only.

Host side (`make_spec`, `read_verdict`): the host writes this file as `runner.py` and the spec as
`spec.json` into a fresh workspace and runs `python3 -I runner.py` in the sandbox; the verdict is
the last stdout line, valid only with the run's nonce, the harness's end marker and exit code 0.

Sandbox side (`main`): the harness process H reads spec.json and deletes it (so the nonce and the
tests are gone from the workspace), makes itself non-dumpable (a same-uid process can then neither
ptrace it, read its memory, nor open its fds via /proc), moves its own stdout aside, and only then
starts the candidate's process C: a fresh interpreter that loads the candidate's program and
answers calls of the entry point over two pipes. H runs the checks itself: `check(candidate)` of
the hidden tests, or each generated assert, with `candidate` a proxy whose arguments and return
values cross the pipe as plain data (None, bool, int, float, str, bytes, complex, list, tuple,
dict, set, frozenset; anything else is an error), so no object of the candidate's ever reaches H.

What the candidate cannot do: it never sees the nonce, the tests or H's stdout; whatever C does
(`os._exit(0)`, `sys.exit`, a swapped `sys.excepthook`, patched `print`/`json`, printed verdict
lines, killing H, hanging) ends in no verdict or a failed check, never in a pass; its only way to
pass is to return the right values. What is trusted: the problem's prompt and hidden tests (the
dataset) and, in `tests` mode, the generated asserts: they are model-written, run in H and could
forge a verdict, but they are written before any candidate and apply to every candidate alike.
The local backend runs C as the host user (root can ptrace anyone): it is not a sandbox.
"""
import builtins
import json
import os
import select
import signal
import subprocess
import sys

END = "scaleagent-humaneval-verdict-end"
_MAX_MSG = 32 << 20  # bytes of one answer from the candidate's process
_LOAD_S = 10.0  # seconds to start the candidate's process and load its program


# ---- host side -----------------------------------------------------------------------------
_KEY = os.urandom(32)  # per host process: nonces derived from it are unguessable and never leave the host


def nonce_for(name: str) -> str:
    """A nonce for one candidate (the same id gives the same nonce in this process)."""
    import hmac

    return hmac.new(_KEY, name.encode(), "sha256").hexdigest()[:32]


def make_spec(*, mode: str, prompt: str, source: str, entry_point: str, nonce: str, tests=None, test="",
              timeout: float = 3.0) -> str:
    """`mode` "check": run the hidden `test` code's check(candidate); "tests": each assert in `tests`."""
    return json.dumps({"mode": mode, "prompt": prompt, "source": source, "entry_point": entry_point,
                       "nonce": nonce, "tests": list(tests or []), "test": test, "timeout": timeout})


def read_verdict(stdout: str, exit_code: int, nonce: str):
    """The harness's verdict dict, or None when the run gave none that the harness wrote."""
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    if exit_code != 0 or not lines:
        return None
    try:
        data = json.loads(lines[-1])
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("nonce") != nonce or data.get("end") != END:
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None


# ---- plain data across the pipe --------------------------------------------------------------
def encode(x, depth=0):
    if depth > 200:
        raise TypeError("value nested too deeply")
    if x is None or isinstance(x, (bool, int, float, str)):
        return x  # json writes subclasses as their base type (int.__repr__, float.__repr__, the str's text)
    if isinstance(x, (bytes, bytearray)):
        return {"t": "b", "v": bytes(x).hex()}
    if isinstance(x, complex):
        return {"t": "c", "v": [x.real, x.imag]}
    if isinstance(x, list):
        return [encode(v, depth + 1) for v in x]
    for tag, kind in (("t", tuple), ("s", set), ("fs", frozenset)):
        if isinstance(x, kind):
            return {"t": tag, "v": [encode(v, depth + 1) for v in x]}
    if isinstance(x, dict):
        return {"t": "d", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in x.items()]}
    raise TypeError(f"cannot pass a {type(x).__name__} value between the harness and the solution")


def decode(x):
    if x is None or type(x) in (bool, int, float, str):  # json.loads makes only plain types
        return x
    if type(x) is list:
        return [decode(v) for v in x]
    if type(x) is not dict or not isinstance(x.get("t"), str):
        raise ValueError("malformed value")
    t, v = x["t"], x.get("v")
    if t == "b":
        return bytes.fromhex(str(v))
    if t == "c":
        return complex(float(v[0]), float(v[1]))
    items = [decode(i) for i in v] if type(v) is list else None
    if items is None:
        raise ValueError("malformed value")
    if t == "t":
        return tuple(items)
    if t == "s":
        return set(items)
    if t == "fs":
        return frozenset(items)
    if t == "d":
        return {k: val for k, val in items}
    raise ValueError("malformed value")


# ---- the candidate's process (C) -----------------------------------------------------------------
def child(rfd: int, wfd: int) -> None:
    inp, out = os.fdopen(rfd, "rb"), wfd

    def send(msg):
        data = (json.dumps(msg) + "\n").encode()
        while data:
            data = data[os.write(out, data):]

    first = json.loads(inp.readline())
    ns = {"__name__": "solution"}
    try:
        exec(compile(first["source"], "solution.py", "exec"), ns)  # noqa: S102 - running code is the point
        fn = ns[first["entry_point"]]
    except BaseException as e:  # noqa: BLE001 - any failure to load is reported, not raised
        send({"load_error": f"{type(e).__name__}: {str(e)[:300]}"})
        return
    send({"ready": True})
    for line in inp:
        try:
            req = json.loads(line)
            send({"ok": encode(fn(*decode(req["args"]), **decode(req["kwargs"])))})
        except BaseException as e:  # noqa: BLE001 - the candidate's exception goes back to the check
            send({"raise": [type(e).__name__, str(e)[:300]]})


# ---- the harness (H) ----------------------------------------------------------------------------
class CandidateGone(Exception):
    """The candidate's process died, hung up or answered something that is not the protocol."""


class Candidate:
    def __init__(self, source: str, entry_point: str):
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        self.proc = subprocess.Popen([sys.executable, "-I", os.path.abspath(__file__), "--child", str(r1), str(w2)],
                                     pass_fds=(r1, w2), stdin=subprocess.DEVNULL, stdout=2, close_fds=True)
        os.close(r1)
        os.close(w2)
        self.w, self.r, self.buf = w1, r2, b""
        try:
            self._send({"source": source, "entry_point": entry_point})
            first = self._recv()
        except CandidateGone as e:
            first = {"load_error": f"while loading, {e}"}
        except BaseException:  # an alarm mid-handshake: leave no process or fd behind
            self.close()
            raise
        self.load_error = None if "ready" in first else str(first.get("load_error") or "the solution's process "
                                                            "did not say it was ready")[:500]

    def _send(self, msg) -> None:
        data = (json.dumps(msg) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.w, data):]
        except OSError:
            raise CandidateGone(f"the solution's process is gone (exit code {self.proc.poll()})") from None

    def _recv(self) -> dict:
        while b"\n" not in self.buf:
            select.select([self.r], [], [])  # an alarm raises TimeoutError here
            chunk = os.read(self.r, 1 << 16)
            if not chunk:
                raise CandidateGone(f"the solution's process ended (exit code {self.proc.wait()})")
            self.buf += chunk
            if len(self.buf) > _MAX_MSG:
                raise CandidateGone("the solution's answer is too large")
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            msg = json.loads(line)
        except (ValueError, RecursionError):
            raise CandidateGone("the solution's process answered something unreadable") from None
        if not isinstance(msg, dict):
            raise CandidateGone("the solution's process answered something unreadable")
        return msg

    def __call__(self, *args, **kwargs):
        self._send({"args": encode(list(args)), "kwargs": encode(kwargs)})
        msg = self._recv()
        if "ok" in msg:
            try:
                return decode(msg["ok"])
            except (ValueError, TypeError, IndexError, RecursionError):
                raise CandidateGone("the solution's process answered a malformed value") from None
        raised = msg.get("raise")
        name, text = map(str, raised) if isinstance(raised, list) and len(raised) == 2 else ("?", "no answer")
        exc = getattr(builtins, name, None)  # the candidate's own exception type, if it is a builtin one
        try:
            error = exc(text) if isinstance(exc, type) and issubclass(exc, Exception) else None
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError needs five arguments
            error = None
        raise error or RuntimeError(f"{name}: {text}")

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for fd in (self.w, self.r):
            os.close(fd)


def _timeout(signum, frame):
    raise TimeoutError("test took too long")


def _no_dump() -> None:
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE, 0
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _run(spec: dict) -> dict:
    ns: dict = {"__name__": "harness"}
    exec(compile(spec["prompt"], "prompt.py", "exec"), ns)  # noqa: S102 - running code is the point
    limit, cand = float(spec["timeout"]), None
    signal.signal(signal.SIGALRM, _timeout)
    checks = [None] if spec["mode"] == "check" else spec["tests"]
    results = {}
    try:
        for i, test in enumerate(checks):
            if cand is None:  # loading has its own deadline: a slow start must not fail a test
                signal.setitimer(signal.ITIMER_REAL, max(limit, _LOAD_S))
                try:
                    cand = Candidate(spec["source"], spec["entry_point"])
                except TimeoutError:
                    return {"load_error": f"loading the solution took longer than {max(limit, _LOAD_S):g} s"}
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if cand.load_error is not None:
                    return {"load_error": cand.load_error}
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                ns[spec["entry_point"]] = cand  # the prompt's own helpers call it too
                env = dict(ns)
                if test is None:
                    exec(compile(spec["test"], "test.py", "exec"), env)  # noqa: S102 - running code is the point
                    env["check"](cand)
                else:
                    exec(test, env)  # noqa: S102 - running code is the point
                results[str(i)] = [True, ""]
            except BaseException as e:  # noqa: BLE001 - a failed check, whatever it raised
                signal.setitimer(signal.ITIMER_REAL, 0)
                results[str(i)] = [False, f"{type(e).__name__}: {str(e)[:200]}"]
                if isinstance(e, (TimeoutError, CandidateGone)) and cand is not None:
                    cand.close()  # mid-call or dead: the next check gets a fresh process
                    cand = None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        if cand is not None:
            cand.close()
    if spec["mode"] == "check":
        return {"passed": results["0"][0], "detail": results["0"][1] or "passed"}
    return {"tests": results}


def main() -> None:
    with open("spec.json") as f:
        spec = json.load(f)
    os.unlink("spec.json")
    nonce = spec.pop("nonce")
    verdict_fd = os.dup(1)
    os.dup2(2, 1)  # whatever the checks print goes to stderr; stdout carries the verdict only
    try:
        _no_dump()
        result = _run(spec)
    except BaseException as e:  # noqa: BLE001 - the harness failed: no pass
        result = {"harness_error": f"{type(e).__name__}: {str(e)[:300]}"}
    os.write(verdict_fd, (json.dumps({"nonce": nonce, "result": result, "end": END}) + "\n").encode())


if __name__ == "__main__":
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # big ints cross the pipe as decimal text
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != os.path.dirname(os.path.abspath(__file__))]
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
