"""A `--plugin` for `bench web` tests: provides the model `scripted/web` (answers 3.9 to everything, by
the pipeline's prompts) in the runner's process and in every worker. SCALEAGENT_TEST_MODEL_DELAY
(seconds per call) slows it so a test can kill the bench mid-run. SCALEAGENT_TEST_HANG_ON=TEXT makes a
call whose prompt holds TEXT hang in a worker thread, as a local model's call does (llama.cpp runs
in `asyncio.to_thread` and cannot be cancelled mid-call), after writing its process id to the file
SCALEAGENT_TEST_HANG_MARK."""
import asyncio
import os
import threading
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


class _Model(ScriptedModel):
    async def complete(self, messages, params):
        hang = os.environ.get("SCALEAGENT_TEST_HANG_ON")
        if hang and any(hang in str(m.get("content", "")) for m in messages):
            with open(os.environ["SCALEAGENT_TEST_HANG_MARK"], "w") as f:
                f.write(str(os.getpid()))
            await asyncio.to_thread(threading.Event().wait)  # never returns
        return await super().complete(messages, params)


provide_model(_Model(name="scripted/web", default=answer, price=(1e-6, 2e-6)))
