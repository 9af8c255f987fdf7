"""The one doorway to the generation model for every app: parameter
validation, the model spec from the GENERATION_* settings, and a generator
loaded once per worker process (the `inference` package keeps one per spec and
process). Content's drafts and recommendations' interest summaries both come
through here, so a change in the runtime's API or its settings touches one file.

torch loads only when a model does: web processes validate parameters
without it."""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from inference.generation.words import WordRule

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
    """A loaded generator with what generation needs from it, and the adapter (a store's model
    version) it writes with, if any."""

    def __init__(self, generator, *, adapter=None, adapter_label: str = "") -> None:
        self._generator = generator
        self._adapter = adapter
        self.base_model_id: str = generator.model_id
        self.model_id: str = f"{generator.model_id}+{adapter_label}" if adapter_label else generator.model_id

    @property
    def constrains_numbers(self) -> bool:
        """Whether `complete` can hold numbers to `allowed_numbers` while decoding (llama.cpp can;
        transformers and model servers cannot, and the checks still flag what they write)."""
        from inference.generation.numbers import number_filter

        return number_filter(self._generator, ()) is not None

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

    def complete(
        self, prompts: list[str], params: dict[str, Any], *,
        allowed_numbers: Sequence[Collection[str] | None] | None = None,
        allowed_words: Sequence[WordRule | None] | None = None,
    ) -> list[Completion]:
        """One completion per prompt. `allowed_numbers[i]`, where given, is every number prompt i
        may write (see inference.generation.numbers), and `allowed_words[i]` every word it may
        write (inference.generation.words); a runtime that cannot constrain decoding ignores both.
        A prompt given n times gives n different candidates (seed + its index)."""
        from inference.generation.base import GenerationRequest
        from inference.params import GenerationParams

        generation_params = GenerationParams.from_dict(params)
        # GENERATION_BATCH_SIZE prompts decode together; a longer list runs in turns (llama.cpp
        # gives a finished draft's sequence to the next prompt at once).
        numbers = allowed_numbers if allowed_numbers is not None else [None] * len(prompts)
        words = allowed_words if allowed_words is not None else [None] * len(prompts)
        filters = [_filters(self._generator, allowed, own) for allowed, own in zip(numbers, words, strict=True)]
        if any(filters) or self._adapter is not None:
            requests = [GenerationRequest(prompt=prompt, params=generation_params, token_filters=found)
                        for prompt, found in zip(prompts, filters, strict=True)]
            results = self._generator.generate_requests(requests, batch_size=settings.GENERATION_BATCH_SIZE,
                                                        adapter=self._adapter)
        else:
            results = self._generator.generate(prompts, params=generation_params,
                                               batch_size=settings.GENERATION_BATCH_SIZE)
        return [_completion(result) for result in results]


    def complete_stream(
        self, take: Callable[[int], Sequence[PromptRequest]], params: dict[str, Any], *, width: int | None = None,
    ) -> Iterator[tuple[int, Completion]]:
        """Completions for prompts as `take(n)` hands them out (up to n more; none: nothing more
        for now), yielded as (index in the order taken, completion) as each finishes.

        llama.cpp starts a prompt as soon as one of its `width` sequences (GENERATION_BATCH_SIZE)
        is free, so a long job keeps every sequence busy from its first prompt to its last; the
        caller may make more prompts available while completions come back. Other runtimes run
        them in batches. Close the stream (or let it go) to free the model.
        """
        from inference.generation.base import GenerationRequest
        from inference.params import GenerationParams

        generation_params = GenerationParams.from_dict(params)

        def take_requests(count: int) -> list[GenerationRequest]:
            return [GenerationRequest(
                prompt=prompt.text, params=generation_params,
                token_filters=_filters(self._generator, prompt.allowed_numbers, prompt.allowed_words),
            ) for prompt in take(count)]

        stream = self._generator.generate_stream(take_requests, batch_size=width or settings.GENERATION_BATCH_SIZE,
                                                 adapter=self._adapter)
        try:
            for index, result in stream:
                yield index, _completion(result)
        finally:
            stream.close()


@dataclass(frozen=True)
class PromptRequest:
    """A prompt for `Runtime.complete_stream`, with every number its completion may write
    (None: any; see inference.generation.numbers) and the words it may write (None: any; see
    inference.generation.words)."""

    text: str
    allowed_numbers: Collection[str] | None = None
    allowed_words: WordRule | None = None


def _completion(result) -> Completion:
    return Completion(text=result.text.strip(), prompt_tokens=result.prompt_tokens,
                      completion_tokens=result.completion_tokens, latency_ms=round(result.latency_s * 1000),
                      error=result.error if result.finish_reason == "error" else None)


def _filters(generator, numbers: Collection[str] | None, words: WordRule | None) -> tuple:
    """The token filters holding a completion to `numbers` and `words`, as far as the generator
    can apply them."""
    from inference.generation.numbers import number_filter
    from inference.generation.words import word_filter

    found = []
    if numbers is not None:
        found.append(number_filter(generator, numbers))
    if words is not None:
        found.append(word_filter(generator, words.common, words.own))
    return tuple(token_filter for token_filter in found if token_filter is not None)


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
        backend=settings.GENERATION_BACKEND,
        model_name=chosen.served_name or None,
        api_key=chosen.api_key or None,
        device=settings.GENERATION_DEVICE,
        batch_size=settings.GENERATION_BATCH_SIZE,
        cache_dir=settings.MODEL_CACHE_DIR,
        context_length=settings.GENERATION_CONTEXT_LENGTH or None,
        num_threads=settings.TORCH_THREADS or None,
        exact_batches=settings.GENERATION_EXACT_BATCHES,
        vocabulary=settings.GENERATION_VOCABULARY,
    )


def runtime_for(*, model: str = DEFAULT_MODEL, adapter: str = "", adapter_label: str = "") -> Runtime:
    """The process's generator for this configured model, loaded on first use
    (the runtime caches it per process), with `adapter` (a folder under
    MODEL_ADAPTER_DIR, named relative to it: a store's model version) applied to
    what it writes. ModelUnavailable with a readable reason when either is not
    configured or cannot be loaded."""
    from inference.errors import InferenceError
    from inference.generation import get_generator

    label = (model or "").strip() or "default"
    adapter_label = adapter_label or (Path(adapter).name if adapter else "")
    try:
        spec = model_spec(model=model)
        if adapter and _merges_adapters(spec):
            return Runtime(_merged_generator(spec, _lora_adapter(adapter)), adapter_label=adapter_label)
        generator = get_generator(spec)
    except (InferenceError, OSError, ValueError) as exc:
        logger.warning("generation.model_unavailable", extra={"model": label[:100], "error": str(exc)[:500]})
        raise ModelUnavailable(f"The generation model '{label}' could not be loaded: {exc}") from exc
    if not adapter:
        return Runtime(generator)
    return Runtime(generator, adapter=_lora_adapter(adapter), adapter_label=adapter_label)


def _merges_adapters(spec) -> bool:
    from inference.generation.factory import resolve_backend

    return settings.GENERATION_MERGE_ADAPTERS and spec.kind == "gguf" and resolve_backend(spec) == "llama.cpp"


def _merged_generator(spec, adapter):
    """The process's generator for the base with `adapter` merged into its weights
    (GENERATION_MERGE_ADAPTERS), under the base's model id: drafts record the same
    "base+version" id whichever way the adapter is applied.

    A process keeps at most GENERATION_MERGED_MODELS of them loaded (each holds its weights and
    a context of its own): a worker serving many stores' versions drops the one used longest
    ago, which loads again (seconds; the merged file stays cached) when next asked for."""
    from inference.generation import get_generator
    from inference.generation.factory import forget_generator
    from inference.lora import merged_model

    # The merged file has its vocabulary already (the base's, and the words the adapter learnt).
    merged_spec = spec.replace(source=str(merged_model(adapter, base=spec)), model_name=spec.local_model_id(),
                               vocabulary="full")
    generator = get_generator(merged_spec)
    key = merged_spec.replace(batch_size=1)  # as the process's cache keys it (get_generator)
    with _merged_lock:
        _merged_in_use[key] = None
        _merged_in_use.move_to_end(key)
        while len(_merged_in_use) > settings.GENERATION_MERGED_MODELS:
            oldest, _ = _merged_in_use.popitem(last=False)
            forget_generator(oldest)
            logger.info("generation.merged_model_dropped", extra={"source": oldest.source[-120:]})
    return generator


# The merged generators this process holds, least recently used first (see _merged_generator).
_merged_in_use: collections.OrderedDict = collections.OrderedDict()
_merged_lock = threading.Lock()


# --------------------------------------------------------------------------- adapters (model versions)


def adapter_path(adapter: str) -> Path:
    """The folder of an adapter named relative to MODEL_ADAPTER_DIR; ModelUnavailable for a name
    that leads outside it. Only folders the app wrote there are ever loaded."""
    root = Path(settings.MODEL_ADAPTER_DIR).resolve()
    path = (root / adapter).resolve()
    if not adapter or Path(adapter).is_absolute() or not path.is_relative_to(root) or path == root:
        raise ModelUnavailable(f"The adapter '{adapter}' is not a folder of MODEL_ADAPTER_DIR.")
    return path


# An adapter folder holds the PEFT files (the transformers runtime reads them) and, once
# prepared, the same adapter converted for llama.cpp under this name.
ADAPTER_GGUF = "adapter.gguf"


def _lora_adapter(adapter: str):
    from inference.errors import InferenceError
    from inference.generation.factory import resolve_backend
    from inference.lora import LoraAdapter

    folder = adapter_path(adapter)
    converted = folder / ADAPTER_GGUF
    try:
        if converted.is_file() and resolve_backend(model_spec()) == "llama.cpp":
            return LoraAdapter(converted)
        return LoraAdapter(folder)
    except InferenceError as exc:
        raise ModelUnavailable(f"The model version's adapter could not be loaded: {exc}") from exc


def base_model_id() -> str:
    """The id of the configured model (what drafts record), without loading it."""
    spec = model_spec()
    return (spec.model_name or spec.source) if spec.kind == "openai" else spec.local_model_id()


def adapter_train(*, examples: Sequence, params: dict[str, Any], adapter: str, init_adapter: str = "",
                  on_step: Callable | None = None):
    """Train a LoRA adapter over the configured model (inference.finetune) into the folder
    `adapter` of MODEL_ADAPTER_DIR; `examples` are (prompt, completion, weight). Returns the
    runtime's TrainingResult. ModelUnavailable when the model cannot be trained (a server)."""
    from inference.errors import InferenceError
    from inference.finetune import LoraParams, TrainingExample, lora_train

    try:
        return lora_train(
            base=model_spec(), params=LoraParams.from_dict(params), output_dir=adapter_path(adapter),
            examples=[TrainingExample(prompt, completion, weight) for prompt, completion, weight in examples],
            init_adapter=adapter_path(init_adapter) if init_adapter else None, on_step=on_step,
        )
    except InferenceError as exc:
        raise ModelUnavailable(f"Training failed: {exc}") from exc


def adapter_prepare(adapter: str) -> None:
    """Convert the adapter's PEFT files for llama.cpp into its folder (ADAPTER_GGUF), and merge
    it into a copy of the model where GENERATION_MERGE_ADAPTERS says so, so no generation waits
    for either and the folder serves both engines."""
    import os
    import shutil

    from inference.errors import InferenceError
    from inference.lora import LoraAdapter, gguf_adapter, merged_model

    folder = adapter_path(adapter)
    target = folder / ADAPTER_GGUF
    spec = model_spec()
    if not target.is_file():
        try:
            converted = gguf_adapter(LoraAdapter(folder), base=spec)
        except InferenceError as exc:
            raise ModelUnavailable(f"The adapter could not be converted for llama.cpp: {exc}") from exc
        partial = folder / f".{ADAPTER_GGUF}.partial"
        shutil.copyfile(converted, partial)
        os.replace(partial, target)
    if _merges_adapters(spec):
        try:
            merged_model(LoraAdapter(target), base=spec)
        except InferenceError as exc:
            raise ModelUnavailable(f"The adapter could not be merged into the model: {exc}") from exc
