"""Model backends behind one protocol (`agents.models.base.Model`).

`get_model(name)` picks the backend from the name: `local/...` -> llama.cpp in process, anything
else -> litellm (API providers and OpenAI-compatible servers). Backends are imported lazily:
importing this package is cheap (no litellm, no llama_cpp).
"""
import os

# litellm fetches its cost map from the internet at import unless told not to; whoever imports it
# first decides, so say it as early as possible (cheap: litellm itself is imported lazily).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from agents.models.base import Choice, Completion, GenerationParams, Message, Model, Usage
from agents.models.registry import get_model, list_models, pull

__all__ = ["Choice", "Completion", "GenerationParams", "Message", "Model", "Usage",
           "get_model", "list_models", "pull"]
