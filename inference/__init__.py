"""Model runtime shared by the content and recommendations apps.

A plain Python package (no Django): the caller maps its settings onto `ModelSpec`.
Importing it is cheap; torch and transformers load only when a model does.
"""

from .runtime import enforce_offline, prefer_passive_openmp

# Before anything imports huggingface_hub, which reads HF_HUB_OFFLINE once at import.
enforce_offline()
# Before torch or llama.cpp loads libgomp, which reads OMP_WAIT_POLICY once.
prefer_passive_openmp()

from .embeddings import Embedder, get_embedder  # noqa: E402
from .errors import (  # noqa: E402
    ChatTemplateUnavailable,
    InferenceError,
    ModelLoadError,
    ModelUnavailable,
    PromptTooLong,
)
from .generation import GenerationRequest, Generator, get_generator  # noqa: E402
from .lora import LoraAdapter  # noqa: E402
from .params import GenerationParams, GenerationResult  # noqa: E402
from .prompt_fit import FittedPrompt, fit_prompt  # noqa: E402
from .spec import ModelSpec  # noqa: E402

__all__ = [
    "ChatTemplateUnavailable",
    "Embedder",
    "FittedPrompt",
    "GenerationParams",
    "GenerationRequest",
    "GenerationResult",
    "Generator",
    "InferenceError",
    "LoraAdapter",
    "ModelLoadError",
    "ModelSpec",
    "ModelUnavailable",
    "PromptTooLong",
    "fit_prompt",
    "get_embedder",
    "get_generator",
]
