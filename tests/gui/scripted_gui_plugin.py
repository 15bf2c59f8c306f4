"""A `--plugin` for `bench gui` tests: provides the model `scripted/gui`, which clicks element [1]
(the button of click-test) at every step, in the runner's process and in every worker."""
import json

from agents.bench.cell import provide_model
from agents.models.scripted import ScriptedModel

provide_model(ScriptedModel(name="scripted/gui", default=json.dumps({"action": "click", "id": 1}), price=(1e-6, 2e-6)))
