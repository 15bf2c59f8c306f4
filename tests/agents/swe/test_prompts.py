"""What the SWE stages ask the model: the reproduction prompt points at the issue's own example, and
patch prompts, the plain greedy one `--mode single` sends included, say to write back the file
itself rather than the issue's example code; only the sampled ones show the budget left."""
from swe_scripted import scripted  # noqa: F401

from agents.swe import solve_instance
from agents.swe.patch import WRITE_BACK
from agents.swe.reproduce import FROM_ISSUE


async def test_patch_prompts_ask_for_the_file_and_repro_prompts_for_the_issue_example(wraptext, tmp_path):
    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="best_of_n", k=3)
    assert res.model_patch
    calls = [(c["params"]["temperature"], c["messages"][-1]["content"]) for c in model.calls]
    repro = [u for _, u in calls if "pytest file" in u]
    patches = [(t, u) for t, u in calls if "File wraptext/wrap.py:" in u]
    assert repro and all(FROM_ISSUE in u for u in repro)
    greedy = [u for t, u in patches if t == 0.0]
    sampled = [u for t, u in patches if t > 0.0]
    assert greedy and sampled
    line = WRITE_BACK.format(rel="wraptext/wrap.py")
    assert all(line in u for u in greedy) and all(line in u for u in sampled)
    assert all("Budget left:" not in u for u in greedy) and all("Budget left:" in u for u in sampled)
