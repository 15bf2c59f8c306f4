"""A `--plugin` for `bench web` tests: provides the model `scripted/web` (answers 3.9 to everything, by
the pipeline's prompts) in the runner's process and in every worker. SCALEAGENT_TEST_MODEL_DELAY
(seconds per call) slows it so a test can kill the bench mid-run."""
import os
import time

from agents.bench.cell import provide_model
from agents.models.scripted import ScriptedModel


def answer(messages, params):
    time.sleep(float(os.environ.get("SCALEAGENT_TEST_MODEL_DELAY") or 0))
    text = messages[-1]["content"]
    if "search queries" in text:
        return '{"queries": ["zoneinfo"]}'
    if "Reply yes or no" in text:
        return "yes"
    if text.rstrip().endswith("containing the answer>\"}."):
        return '{"answer": "3.9", "source": 1, "quote": "New in version 3.9. The zoneinfo module"}'
    if "Evidence so far" in text:
        return '{"tool": "answer", "input": "3.9"}'
    if "Last search results" in text:
        return '{"tool": "open", "input": "1"}'
    return '{"tool": "search", "input": "zoneinfo IANA"}'


provide_model(ScriptedModel(name="scripted/web", default=answer, price=(1e-6, 2e-6)))
