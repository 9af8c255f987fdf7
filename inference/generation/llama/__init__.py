"""GGUF models on llama.cpp, several sequences per decode step (see engine.py)."""

from .generator import LlamaCppGenerator

__all__ = ["LlamaCppGenerator"]
