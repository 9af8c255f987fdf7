"""The one doorway to the generation model for every app: parameter
validation, the model spec from the GENERATION_* settings, and a generator
loaded once per worker process (the `inference` package keeps one per spec and
process). Content's drafts and recommendations' interest summaries both come
through here, so a change in the runtime's API or its settings touches one file.

torch loads only when a model does: web processes validate parameters
without it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """The generation model cannot be loaded or failed; the message says why, for the job page."""


class ModelNotConfigured(ModelUnavailable):
    """A model name the operator did not configure (a version saved before models
    were chosen from a list may hold a path or a URL): nothing is loaded or called."""


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

        results = self._generator.generate(prompts, params=GenerationParams.from_dict(params),
                                           batch_size=max(1, len(prompts)))
        return [
            Completion(text=result.text.strip(), prompt_tokens=result.prompt_tokens,
                       completion_tokens=result.completion_tokens, latency_ms=round(result.latency_s * 1000),
                       error=result.error if result.finish_reason == "error" else None)
            for result in results
        ]


# --------------------------------------------------------------------------- the models on offer

DEFAULT_MODEL = ""  # what a version stores for the configured default model


@dataclass(frozen=True)
class ConfiguredModel:
    """A model the operator configured: the only kind a version may choose,
    by its name. The source (a file, a folder or a server URL) and the key
    come from settings, never from a store."""

    name: str
    source: str
    served_name: str = ""
    api_key: str = field(default="", repr=False)

    @property
    def label(self) -> str:
        return self.name or "default"


def configured_models() -> dict[str, ConfiguredModel]:
    """The default model (GENERATION_MODEL, GENERATION_MODEL_NAME and its key,
    GENERATION_API_KEY) under DEFAULT_MODEL, and the GENERATION_MODELS entries
    (each with its own key) under their names. A later kind of model (a
    fine-tuned adapter over one of these) joins this list under a name too."""
    models = {DEFAULT_MODEL: ConfiguredModel(DEFAULT_MODEL, settings.GENERATION_MODEL,
                                             settings.GENERATION_MODEL_NAME, settings.GENERATION_API_KEY)}
    for name, entry in settings.GENERATION_MODELS.items():
        models[name] = ConfiguredModel(name, entry["source"], entry.get("served_name", ""), entry.get("api_key", ""))
    return models


def model_choices() -> list[tuple[str, str]]:
    """(stored value, label) for a form: the default first, then the others by name."""
    return [(DEFAULT_MODEL, "The default model")] + [
        (name, name) for name in sorted(configured_models()) if name != DEFAULT_MODEL]


def model_validate(name: str) -> str:
    """The name as stored, or ValueError unless the operator configured it."""
    name = (name or "").strip()
    if name not in configured_models():
        raise ValueError(_not_configured(name))
    return name


def _not_configured(name: str) -> str:
    offered = ", ".join(label for _, label in model_choices())
    shown = name if len(name) <= 60 else name[:57] + "…"
    return f"The model '{shown}' is not one the operator configured. Choose one of: {offered}."


def model_spec(*, model: str = DEFAULT_MODEL):
    """The ModelSpec of a configured model, chosen by name. ModelNotConfigured
    for any other name: no path or URL a store saved is ever loaded or called."""
    from inference.spec import ModelSpec

    chosen = configured_models().get((model or "").strip())
    if chosen is None:
        raise ModelNotConfigured(_not_configured(model))
    return ModelSpec.from_setting(
        chosen.source,
        model_name=chosen.served_name or None,
        api_key=chosen.api_key or None,
        device=settings.GENERATION_DEVICE,
        batch_size=settings.GENERATION_BATCH_SIZE,
        cache_dir=settings.MODEL_CACHE_DIR,
        context_length=settings.GENERATION_CONTEXT_LENGTH or None,
        num_threads=settings.TORCH_THREADS or None,
    )


def runtime_for(*, model: str = DEFAULT_MODEL) -> Runtime:
    """The process's generator for this configured model, loaded on first use
    (the runtime caches it per process). ModelUnavailable with a readable
    reason when it is not configured or cannot be loaded."""
    from inference.errors import InferenceError
    from inference.generation import get_generator

    label = (model or "").strip() or "default"
    try:
        generator = get_generator(model_spec(model=model))
    except (InferenceError, OSError, ValueError) as exc:
        logger.warning("generation.model_unavailable", extra={"model": label[:100], "error": str(exc)[:500]})
        raise ModelUnavailable(f"The generation model '{label}' could not be loaded: {exc}") from exc
    return Runtime(generator)
