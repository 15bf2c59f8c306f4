"""A `--plugin` for `bench swe` tests: provides the model `scripted/swe`, which localizes wraptext-1's
bug and answers every patch prompt with the fixed wrap.py (swe_scripted.scripted), in the runner's
process and in every worker."""
from pathlib import Path

from swe_scripted import scripted

from agents.bench.cell import provide_model

ROOT = Path(__file__).resolve().parents[3]
model, _ = scripted((ROOT / "examples/swe/repos/wraptext/tree/wraptext/wrap.py").read_text(), wrong_first=False)
model.name = "scripted/swe"
provide_model(model)
