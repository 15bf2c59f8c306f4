"""The patch stage's `function` edit format: the model writes back only the localized function, and is
shown the whole file for context when the file is short enough (`context_lines`), else the function
alone."""
from __future__ import annotations

from pathlib import Path

from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Candidate, StageResult, Task
from agents.swe.patch import Patch

ISSUE = "Stats.reset() leaves the hit count as it was: info() still reports the old hits."
SRC = ("import functools\n\n\nclass Stats:\n    def __init__(self):\n        self.hits = 0\n\n"
       "    def hit(self):\n        self.hits += 1\n\n    def reset(self):\n        pass\n")


def _ctx(tmp_path: Path, stage: Patch) -> StepContext:
    (tmp_path / "stats.py").write_text(SRC)
    rt = Runtime(model=ScriptedModel(default=lambda messages, params: "no"))
    located = Candidate(content={"files": ["stats.py"], "functions": {"stats.py": ["Stats.reset"]}})
    task = Task(id="stats-1", input={"workdir": str(tmp_path), "problem_statement": ISSUE})
    return StepContext(task=task, stage=stage, runtime=rt, tracker=rt.tracker,
                       results={"localize": StageResult(stage="localize", best=located)}, history=[],
                       records=[], result=StageResult(stage=stage.name), step=0, mode="sample")


def _prompt(ctx: StepContext, stage: Patch) -> tuple[str, object]:
    request = stage.requests(ctx)[0]
    return stage.prompt(ctx, request.plan)[-1]["content"], request


def test_a_short_file_is_shown_whole_and_only_the_function_is_written_back(tmp_path: Path):
    stage = Patch(k=1, edit_format="function")
    ctx = _ctx(tmp_path, stage)
    prompt, request = _prompt(ctx, stage)
    assert "self.hits = 0" in prompt and "import functools" in prompt      # what the function uses is visible
    assert "corrected `reset`" in prompt and "that function alone, not the whole file" in prompt
    reply = "reset must zero the count.\n```python\ndef reset(self):\n    self.hits = 0\n```"
    patch = stage.parse(ctx, request, reply)["patch"]
    assert "-        pass\n+        self.hits = 0" in patch and patch.count("\n+") == 2  # one line, and +++


def test_past_context_lines_only_the_function_is_shown(tmp_path: Path):
    stage = Patch(k=1, edit_format="function", context_lines=5)
    ctx = _ctx(tmp_path, stage)
    prompt, _ = _prompt(ctx, stage)
    assert "def reset(self):" in prompt and "self.hits = 0" not in prompt and "import functools" not in prompt
    assert "stats.py contains:" in prompt


def test_a_reply_that_fixes_another_function_of_the_shown_file_is_kept(tmp_path: Path):
    """Shown the whole file, the model may rewrite another of its functions than the localized one: that
    edit is spliced in, not lost as "no definition of reset"."""
    stage = Patch(k=1, edit_format="function")
    ctx = _ctx(tmp_path, stage)
    _, request = _prompt(ctx, stage)
    patch = stage.parse(ctx, request, "```python\ndef hit(self):\n    self.hits = self.hits + 1\n```")["patch"]
    changed = [line for line in patch.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-        self.hits += 1", "+        self.hits = self.hits + 1"]
