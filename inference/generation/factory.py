"""One generator per model spec and process: loading a model costs seconds to minutes."""

from __future__ import annotations

import threading

from ..spec import ModelSpec
from .base import Generator

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


def forget_generators() -> None:
    """Drop every cached generator (their memory is freed once nothing else holds them)."""
    with _registry_lock:
        _generators.clear()


def _create(spec: ModelSpec) -> Generator:
    # Imported here so that a process that only talks to a model server never imports torch.
    if spec.kind == "openai":
        from .openai_compat import OpenAICompatibleGenerator

        return OpenAICompatibleGenerator(spec=spec)
    from .local import LocalGenerator

    return LocalGenerator(spec=spec)
