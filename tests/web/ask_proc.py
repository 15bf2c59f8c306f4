"""A `scaleagent ask` subprocess as the lifecycle tests watch it: the port of the search server it says
it started on stderr."""
import subprocess


def server_port(proc: subprocess.Popen) -> int:
    """Read stderr up to the "search server: URL" line; the port in it."""
    line = ""
    while "search server:" not in line:
        line = proc.stderr.readline()
        assert line or proc.poll() is None, "the command ended before it started its server"
    return int(line.strip().rsplit(":", 1)[1])
