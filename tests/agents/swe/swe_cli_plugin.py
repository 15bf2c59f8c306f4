"""A `--plugin` for the `bench swe` solving tests of test_cli_swe.py: provides the model `scripted/swe-cli`,
which knows the instances of $SWE_CLI_INSTANCES by their issue text and, per instance:
  - in $SWE_CLI_FAIL: every call fails (ModelError: a model server that went away);
  - in $SWE_CLI_FIX: localizes the file its gold patch edits and answers the patch prompt with that file
    fixed (the gold patch applied to the source the prompt shows);
  - in $SWE_CLI_KILL: at its patch prompt, kills the runner (SIGKILL) and this worker: a bench killed mid-solve;
  - otherwise: the same file with a harmless comment added (a patch that fixes nothing).
Each localize or patch call appends "<instance id> localize|patch" to $SWE_CLI_CALLS."""
import json
import os
import re
import signal
from pathlib import Path

from agents.bench.cell import provide_model
from agents.errors import ModelError
from agents.models.scripted import ScriptedModel
from tools.patches import apply_unified

RECORDS = [json.loads(x) for x in Path(os.environ["SWE_CLI_INSTANCES"]).read_text().splitlines() if x.strip()]
FAIL = set(filter(None, os.environ.get("SWE_CLI_FAIL", "").split(",")))
FIX = set(filter(None, os.environ.get("SWE_CLI_FIX", "").split(",")))
KILL = set(filter(None, os.environ.get("SWE_CLI_KILL", "").split(",")))


def _log(iid: str, stage: str) -> None:
    with open(os.environ["SWE_CLI_CALLS"], "a") as fh:
        fh.write(f"{iid} {stage}\n")


def _instance(user: str) -> dict:
    for rec in RECORDS:
        if rec["problem_statement"][:300] in user:
            return rec
    raise AssertionError("a prompt without a known issue")


def respond(messages, params):
    user = messages[-1]["content"]
    rec = _instance(user)
    iid = rec["instance_id"]
    if iid in FAIL:
        raise ModelError("model server went away")
    (path,) = re.findall(r"^\+\+\+ b/(\S+)", rec["patch"], re.MULTILINE)
    if "Which file and function" in user:
        _log(iid, "localize")
        return path
    if "pytest file" in user:
        return "No test."
    shown = re.search(r"File (\S+):\n```python\n(.*?)\n```\n", user, re.DOTALL)
    if shown and shown.group(1) == path:
        if iid in KILL:
            os.kill(os.getppid(), signal.SIGKILL)
            os._exit(1)
        _log(iid, "patch")
        source = shown.group(2)
        new = apply_unified(source, rec["patch"]) if iid in FIX else source + "# looked at this\n"
        return "```python\n" + new + "```"
    if shown:
        return "No change needed here."
    return '{"best": 0}'


model = ScriptedModel(default=respond)
model.name = "scripted/swe-cli"
provide_model(model)
