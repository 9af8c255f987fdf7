"""One generator per model spec and process: loading a model costs seconds to minutes."""

from __future__ import annotations

import logging
import threading

from ..runtime import cuda_device_count
from ..spec import ModelSpec
from .base import Generator

logger = logging.getLogger(__name__)

_generators: dict[ModelSpec, Generator] = {}
_spec_locks: dict[ModelSpec, threading.Lock] = {}
_registry_lock = threading.Lock()


def get_generator(spec: ModelSpec) -> Generator:
    """The process's generator for `spec`, loaded on first use.

    Threads asking for the same model wait for one load instead of loading twice;
    different models load independently. The batch size is not part of the key: it
    does not change the loaded model, and two apps that only differ in batch size
    must share one copy in memory (pass `batch_size` to `generate` to choose per call).
    A failed load is not remembered, so a fixed setting or file works on the next
    call without restarting the worker.
    """
    key = spec.replace(batch_size=1)
    cached = _generators.get(key)
    if cached is not None:
        return cached
    with _registry_lock:
        spec_lock = _spec_locks.setdefault(key, threading.Lock())
    with spec_lock:
        cached = _generators.get(key)
        if cached is None:
            cached = _create(spec)
            _generators[key] = cached
        return cached


def forget_generator(spec: ModelSpec) -> None:
    """Drop the cached generator for `spec`: its memory is freed once the streams and runtimes
    still holding it let go, and the next call for it loads it again."""
    with _registry_lock:
        _generators.pop(spec.replace(batch_size=1), None)


def forget_generators() -> None:
    """Drop every cached generator (their memory is freed once nothing else holds them)."""
    with _registry_lock:
        _generators.clear()


def resolve_backend(spec: ModelSpec) -> str:
    """The runtime that will run `spec`: its backend setting, or for "auto" the one that fits.

    A GGUF file goes to llama.cpp (it computes on the quantized weights and maps the
    file), except on a CUDA host whose llama.cpp build has no GPU support, where
    transformers runs it in bf16; without llama-cpp-python installed, transformers.
    """
    if spec.backend != "auto":
        return spec.backend
    if spec.kind == "openai":
        return "openai"
    if spec.kind == "hf":
        return "transformers"
    from .llama.library import gpu_offload_supported, llama_cpp_installed

    if not llama_cpp_installed():
        logger.warning("generation.llama_cpp_missing", extra={"fallback": "transformers"})
        return "transformers"
    if spec.device == "cpu" or gpu_offload_supported():
        return "llama.cpp"
    if spec.device == "cuda" or cuda_device_count() > 0:
        return "transformers"
    return "llama.cpp"


def _create(spec: ModelSpec) -> Generator:
    # Imported here so that a process that only talks to a model server never imports
    # torch, and one that runs llama.cpp never imports it either.
    backend = resolve_backend(spec)
    if backend == "openai":
        from .openai_compat import OpenAICompatibleGenerator

        return OpenAICompatibleGenerator(spec=spec)
    if backend == "llama.cpp":
        from .llama import LlamaCppGenerator

        return LlamaCppGenerator(spec=spec)
    from .local import LocalGenerator

    return LocalGenerator(spec=spec)
