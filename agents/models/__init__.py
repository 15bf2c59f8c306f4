"""Model backends behind one protocol (`agents.models.base.Model`).

`get_model(name)` picks the backend from the name: `local/...` -> llama.cpp in process, anything
else -> litellm (API providers and OpenAI-compatible servers). Backends are imported lazily:
importing this package is cheap (no litellm, no llama_cpp).
"""
from agents.models.base import Choice, Completion, GenerationParams, Message, Model, Usage
from agents.models.registry import get_model, list_models, pull

__all__ = ["Choice", "Completion", "GenerationParams", "Message", "Model", "Usage",
           "get_model", "list_models", "pull"]
