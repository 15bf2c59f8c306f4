"""For tests that send a child process SIGINT."""
import signal


def default_sigint() -> None:
    """`preexec_fn`: SIGINT back to its default in the child before exec. A test run started in the
    background by a non-interactive shell (`cmd &`) ignores SIGINT, every child inherits that, and
    Python leaves an inherited ignore alone: the Ctrl-C under test would never arrive."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
