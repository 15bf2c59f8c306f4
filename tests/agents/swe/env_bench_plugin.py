"""A `--plugin` for the `bench run swe` environment test: provides `scripted/env-bench`, the scripted
model of test_env_solve (it fixes demo-1's src/ layout package), in the runner and every worker."""
from tests.agents.swe.test_env_solve import _model

from agents.bench.cell import provide_model

model = _model()
model.name = "scripted/env-bench"
provide_model(model)
