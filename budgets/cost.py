"""`Spend` (an amount of every budget dimension) and `CostModel` (prices → one unified cost).

The unified cost (BATS) is one dollar number: token dollars (input × in-price + output × out-price)
plus, for every tool, calls × that tool's price. Local models cost tokens and seconds but 0 dollars.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

# Default per-call prices (dollars) of tools, so the unified cost means something out of the box.
# Search APIs charge about $5 per 1000 queries; fetching a page or running a sandbox costs compute.
DEFAULT_TOOL_PRICES: dict[str, float] = {"search": 0.005, "fetch": 0.001, "browser": 0.001}


class Spend(BaseModel):
    """An amount of spend in every dimension. Used for reservations, settlements and totals."""

    usd_tokens: float = 0.0
    usd_tools: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    model_calls: int = 0
    tools: dict[str, int] = Field(default_factory=dict)

    @property
    def usd(self) -> float:
        """The unified cost."""
        return self.usd_tokens + self.usd_tools

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: "Spend") -> "Spend":
        tools = dict(self.tools)
        for k, v in other.tools.items():
            tools[k] = tools.get(k, 0) + v
        return Spend(
            usd_tokens=self.usd_tokens + other.usd_tokens,
            usd_tools=self.usd_tools + other.usd_tools,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            model_calls=self.model_calls + other.model_calls,
            tools=tools,
        )

    def __sub__(self, other: "Spend") -> "Spend":
        return self + other.negated()

    def negated(self) -> "Spend":
        return Spend(
            usd_tokens=-self.usd_tokens, usd_tools=-self.usd_tools, input_tokens=-self.input_tokens,
            output_tokens=-self.output_tokens, model_calls=-self.model_calls,
            tools={k: -v for k, v in self.tools.items()},
        )

    def is_zero(self) -> bool:
        return not (self.usd_tokens or self.usd_tools or self.input_tokens or self.output_tokens
                    or self.model_calls or any(self.tools.values()))

    def summary(self) -> dict:
        return {"cost_usd": round(self.usd, 6), "token_usd": round(self.usd_tokens, 6),
                "tool_usd": round(self.usd_tools, 6), "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens, "model_calls": self.model_calls,
                "tool_calls": dict(self.tools)}


class CostModel(BaseModel):
    """Prices per model (dollars per token) and per tool call (dollars per call)."""

    model_prices: dict[str, tuple[float, float]] = Field(default_factory=dict)
    tool_prices: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_TOOL_PRICES))

    def model_price(self, model: str, fallback: tuple[float, float] | None = None) -> tuple[float, float]:
        if model in self.model_prices:
            return self.model_prices[model]
        if model.startswith("local/") or model == "scripted":
            return (0.0, 0.0)
        return fallback or (0.0, 0.0)

    def knows_price(self, model: str, backend_price_known: bool) -> bool:
        """Whether dollars of `model` mean something: a configured price, a local model (0 by
        definition), or a price the backend itself knows (litellm's cost map)."""
        return (model in self.model_prices or model.startswith("local/") or model == "scripted"
                or backend_price_known)

    def model_call(self, model: str, input_tokens: int, output_tokens: int, *, calls: int = 1,
                   usd: float | None = None, fallback_price: tuple[float, float] | None = None) -> Spend:
        """Spend of a model call. A price configured for `model` wins; else the provider-reported
        `usd`; else the fallback price (the backend's own, e.g. litellm's cost map)."""
        if model in self.model_prices or usd is None:
            pin, pout = self.model_price(model, fallback_price)
            usd = input_tokens * pin + output_tokens * pout
        return Spend(usd_tokens=usd, input_tokens=input_tokens, output_tokens=output_tokens, model_calls=calls)

    def tool_call(self, tool: str, calls: int = 1) -> Spend:
        return Spend(usd_tools=self.tool_prices.get(tool, 0.0) * calls, tools={tool: calls})
