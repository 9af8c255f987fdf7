"""Text generation: a common interface, a local transformers runtime and an HTTP client.

`local` imports torch and transformers; import it (or call `get_generator`) only
where a model runs.
"""

from .base import ChatMessage, Generator
from .factory import forget_generators, get_generator

__all__ = ["ChatMessage", "Generator", "forget_generators", "get_generator"]
