"""Text generation: a common interface, llama.cpp for GGUF files, a transformers runtime
for model folders and CUDA, and an HTTP client for model servers.

`local` imports torch and transformers, `llama` the llama.cpp library; import them
(or call `get_generator`) only where a model runs.
"""

from .base import ChatMessage, GenerationRequest, Generator
from .factory import forget_generators, get_generator, resolve_backend

__all__ = ["ChatMessage", "GenerationRequest", "Generator", "forget_generators", "get_generator", "resolve_backend"]
