"""The content app's one doorway to the model runtime (the `inference`
package): parameter validation, the model spec from settings, and a generator
loaded once per worker process (inference keeps one per spec and process).
Everything else in the app talks to this module, so a change in the
runtime's API touches one file.

torch loads only when a model does: web processes validate parameters
without it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """The generation model cannot be loaded; the message says why, for the job page."""


def validate_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters as stored: only the keys given, normalised (a lone stop
    string becomes a list, 1 becomes 1.0 where a float is meant). ValueError
    naming the bad key otherwise."""
    from inference.params import GenerationParams

    full = GenerationParams.from_dict(params).to_dict()
    return {key: full[key] for key in params}


def effective_params(params: dict[str, Any]) -> dict[str, Any]:
    """Every parameter a run uses, defaults filled in: what a job records."""
    from inference.params import GenerationParams

    return GenerationParams.from_dict(params).to_dict()


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int
    error: str | None = None  # this prompt could not run (the others did)


class Runtime:
    """A loaded generator with what generation needs from it."""

    def __init__(self, generator) -> None:
        self._generator = generator
        self.model_id: str = generator.model_id

    def count_tokens(self, text: str) -> int:
        return self._generator.count_tokens(text)

    def prompt_budget(self, params: dict[str, Any]) -> int:
        """Prompt tokens that leave room for the completion in the model's context."""
        return self._generator.prompt_budget(max_new_tokens=int(params.get("max_new_tokens", 128)))

    def format_prompt(self, text: str, *, chat: bool) -> str:
        """The text as the model receives it: as is for a completion-style
        prompt, or as one user turn of the model's chat template."""
        if not chat:
            return text
        from inference.errors import ChatTemplateUnavailable

        try:
            return self._generator.render_chat([{"role": "user", "content": text}])
        except ChatTemplateUnavailable as exc:
            raise ValueError(str(exc)) from None

    def complete(self, prompts: list[str], params: dict[str, Any]) -> list[Completion]:
        from inference.params import GenerationParams

        # GENERATION_BATCH_SIZE prompts decode together; a longer list runs in turns.
        results = self._generator.generate(prompts, params=GenerationParams.from_dict(params),
                                           batch_size=settings.GENERATION_BATCH_SIZE)
        return [
            Completion(text=result.text.strip(), prompt_tokens=result.prompt_tokens,
                       completion_tokens=result.completion_tokens, latency_ms=round(result.latency_s * 1000),
                       error=result.error if result.finish_reason == "error" else None)
            for result in results
        ]


def model_spec(*, model_override: str = ""):
    """The ModelSpec for the store's default model (GENERATION_* settings) or
    for a template version's own model."""
    from inference.spec import ModelSpec

    return ModelSpec.from_setting(
        model_override or settings.GENERATION_MODEL,
        backend=settings.GENERATION_BACKEND,
        model_name=settings.GENERATION_MODEL_NAME or None,
        api_key=settings.GENERATION_API_KEY or None,
        device=settings.GENERATION_DEVICE,
        batch_size=settings.GENERATION_BATCH_SIZE,
        cache_dir=settings.MODEL_CACHE_DIR,
        context_length=settings.GENERATION_CONTEXT_LENGTH or None,
        num_threads=settings.TORCH_THREADS or None,
    )


def runtime_for(*, model_override: str = "") -> Runtime:
    """The process's generator for this model, loaded on first use (the
    runtime caches it per process). ModelUnavailable with a readable reason
    when it cannot be loaded."""
    from inference.errors import InferenceError
    from inference.generation import get_generator

    setting = model_override or settings.GENERATION_MODEL
    try:
        generator = get_generator(model_spec(model_override=model_override))
    except (InferenceError, OSError, ValueError) as exc:
        logger.warning("generation.model_unavailable", extra={"setting": setting, "error": str(exc)[:500]})
        raise ModelUnavailable(f"The generation model '{setting}' could not be loaded: {exc}") from exc
    return Runtime(generator)
