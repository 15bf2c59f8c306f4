"""Every protocol a pipeline implements or plugs in, in one place; `ctx` first in every signature.

    Model        complete(messages, params) -> Completion        (agents.models; knows no engine)
    StageHooks   requests / parse / key / follow_up / propose / expand / apply  (what a stage overrides)
    Verifier     verify(ctx, candidates) -> [Verdict]            one per valid candidate, same order
    Aggregator   aggregate(ctx, samples) -> [Candidate]          merge K samples (votes, Borda, union)
    Strategy     select(ctx, candidates, verdicts) -> Selection  pick and rank, say why
    Controller   decide(ctx, selection, best) -> Decision        accept | dig_deeper | pivot | stop

`ctx` is the step's `agents.context.StepContext`. The engine modules import this module and
`agents.state`, never each other in a circle (tests/agents/test_protocols.py checks the imports).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from agents.models.base import Message, Model
from agents.state import Candidate, Decision, SampleRequest, Selection, Verdict

if TYPE_CHECKING:  # types only: the context module imports no stage, strategy or controller
    from agents.context import StepContext

__all__ = ["Model", "StageHooks", "Verifier", "Aggregator", "Strategy", "Controller", "config_of"]


@runtime_checkable
class Verifier(Protocol):
    async def verify(self, ctx: "StepContext", candidates: list[Candidate]) -> list[Verdict]:
        ...


@runtime_checkable
class Aggregator(Protocol):
    """Merges the K samples of one step into the candidates that are verified (e.g. K rankings into
    one Borda ranking, K test lists into one deduplicated suite). The samples stay in the trajectory."""

    name: str

    async def aggregate(self, ctx: "StepContext", samples: list[Candidate]) -> list[Candidate]:
        ...


@runtime_checkable
class Strategy(Protocol):
    name: str

    async def select(self, ctx: "StepContext", candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        ...


@runtime_checkable
class Controller(Protocol):
    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        ...


@runtime_checkable
class StageHooks(Protocol):
    """What a stage defines. `agents.stage.Stage` implements all of them with defaults; override the
    ones that differ. A step: requests → sample → parse → (aggregate) → verify → expand → verify the
    variants → select → apply → decide."""

    name: str

    def requests(self, ctx: "StepContext") -> list[SampleRequest]:
        """The model calls of this step (default: one call of `k` samples of `prompt(ctx)`). A request
        may leave `messages` empty: `prompt_for(ctx, request)` builds them just before its call."""

    def prompt_for(self, ctx: "StepContext", request: SampleRequest) -> list[Message]:
        """The messages of a request that left them empty, at call time."""

    def parse(self, ctx: "StepContext", request: SampleRequest, text: str) -> Any:
        """Turn one reply into candidate content; raise to mark the candidate invalid."""

    def key(self, ctx: "StepContext", content: Any) -> str | None:
        """Normalized content for voting (None: the content's text)."""

    def follow_up(self, ctx: "StepContext", request: SampleRequest, candidate: Candidate) -> SampleRequest | None:
        """A second turn for one reply of `request` (e.g. its parse error shown to the model), sampled
        after the step's requests, from what they left; None: no second turn (the default)."""

    async def propose(self, ctx: "StepContext") -> list[Candidate]:
        """This step's candidates (default: sample every request and the follow-ups its replies ask for)."""

    async def expand(self, ctx: "StepContext", candidates: list[Candidate], verdicts: list[Verdict]) -> list[Candidate]:
        """Variants of this step's verified candidates (ablations, repairs), verified and selected
        like the others (default: none)."""

    async def apply(self, ctx: "StepContext", winner: Candidate) -> dict[str, Any] | None:
        """Act on an environment with the winner; the observation is what the next step sees."""


def config_of(component: Any) -> Any:
    """A JSON-able description of a stage component (strategy, controller, verifier, aggregator):
    its pydantic fields when it is a pydantic model, else its class name."""
    from pydantic import BaseModel

    if component is None:
        return None
    if isinstance(component, BaseModel):
        data = {k: config_of(v) if isinstance(v, BaseModel) else v
                for k, v in component.model_dump(mode="json").items()}
        for k, v in component:
            if isinstance(v, BaseModel):
                data[k] = config_of(v)
        return {"type": type(component).__name__, **data}
    return {"type": type(component).__name__}
