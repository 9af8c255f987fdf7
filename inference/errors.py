"""Exceptions the model runtime raises.

Callers (Celery tasks, views) catch `InferenceError` and store `str(exc)` as the
reason a job failed, so every message must read well on its own.
"""

from __future__ import annotations


class InferenceError(Exception):
    """Base class of every failure reported by the model runtime."""


class ModelLoadError(InferenceError):
    """The configured model cannot be loaded (bad setting, missing file, broken folder)."""


class ModelUnavailable(InferenceError):
    """A remote model server could not be reached or answered badly.

    `status` holds the HTTP status when the server answered at all, so a caller can
    tell an overloaded server (503) from a misconfigured one (404).
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ChatTemplateUnavailable(InferenceError):
    """The model's tokenizer has no chat template; use a completion-style prompt."""


class PromptTooLong(InferenceError):
    """A prompt does not fit the model's context even after trimming."""

    def __init__(self, message: str, *, prompt_tokens: int, budget: int) -> None:
        super().__init__(message)
        self.prompt_tokens = prompt_tokens
        self.budget = budget
