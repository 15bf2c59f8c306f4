"""Runs inside the sandbox: load solution.py, run each test in tests.json, print one JSON line."""
import json
import signal
import sys


def _timeout(signum, frame):
    raise TimeoutError("test took longer than 3 s")


def main() -> None:
    tests = json.load(open("tests.json"))
    ns: dict = {"__name__": "solution"}
    try:
        exec(compile(open("solution.py").read(), "solution.py", "exec"), ns)
    except BaseException as e:  # noqa: BLE001 - any failure to load is reported, not raised
        print(json.dumps({"load_error": f"{type(e).__name__}: {e}"}))
        return
    results = {}
    signal.signal(signal.SIGALRM, _timeout)
    for i, test in enumerate(tests):
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        try:
            exec(test, dict(ns))
            results[str(i)] = [True, ""]
        except BaseException as e:  # noqa: BLE001
            results[str(i)] = [False, f"{type(e).__name__}: {str(e)[:200]}"]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    sys.stdout.write(json.dumps({"tests": results}) + "\n")


if __name__ == "__main__":
    main()
