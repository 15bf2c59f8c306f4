"""A `--plugin` for the runner's retry tests: the bench-scripted kind with a model `scripted/flaky` that
fails every call (a ModelError: "the model server is down") while the file named by $SCALEAGENT_TEST_DOWN
exists (a RuntimeError instead, a backend's bug, when the file says "bug"), and answers like
`scripted/bench` once it is gone (the server came back)."""
import os
from pathlib import Path

from agents.bench import scripted
from agents.bench.cell import provide_model
from agents.errors import ModelError
from agents.models.scripted import ScriptedModel


def _answer(messages, params):
    flag = os.environ.get("SCALEAGENT_TEST_DOWN")
    if flag and Path(flag).exists():
        if Path(flag).read_text().strip() == "bug":
            raise RuntimeError("backend bug: 'NoneType' object is not subscriptable")
        raise ModelError("the model server is down (connection refused)")
    return scripted._answer(messages, params)


provide_model(ScriptedModel(name="scripted/flaky", default=_answer, input_tokens=20, output_tokens=2))
