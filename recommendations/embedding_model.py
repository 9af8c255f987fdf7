"""The sentence-transformers model that turns product texts, queries and social
texts into vectors: the shared runtime's Embedder (`inference`), behind the two
functions the app uses (`get_embedder`, `configured_model_id`).

The model id stored next to every vector is the runtime's own; the app can
name it without loading the model (`configured_model_id`), so web requests
filter vectors by the current model without torch.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Protocol

import numpy as np
from django.conf import settings

from recommendations.models import EMBEDDING_DIMENSIONS

logger = logging.getLogger(__name__)


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be used (missing, wrong dimension)."""


class Embedder(Protocol):
    model_id: str
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _model_path() -> Path | None:
    """None for the packaged default (EMBEDDING_MODEL=default), else the folder."""
    if settings.EMBEDDING_MODEL in ("", "default"):
        return None
    return Path(settings.EMBEDDING_MODEL).expanduser().resolve()


@functools.lru_cache(maxsize=1)
def configured_model_id() -> str:
    """The id the runtime gives the configured model (the default's name, or a
    folder's name and fingerprint), computed without loading it."""
    from inference.embeddings import DEFAULT_EMBEDDING_MODEL_ID
    from inference.fingerprint import folder_fingerprint

    folder = _model_path()
    if folder is None:
        return DEFAULT_EMBEDDING_MODEL_ID
    if not folder.is_dir():
        raise EmbeddingModelError(f"EMBEDDING_MODEL={settings.EMBEDDING_MODEL} is not a sentence-transformers folder")
    return f"{folder.name}@{folder_fingerprint(folder)[:8]}"


class _RuntimeEmbedder:
    """inference's Embedder with the batch size from the settings."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.model_id = runtime.model_id
        self.dimensions = int(runtime.dimensions)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.runtime.embed(list(texts), batch_size=settings.EMBEDDING_BATCH_SIZE)


_lock = threading.Lock()
_embedder: Embedder | None = None


def get_embedder() -> Embedder:
    """The process's embedder, loaded on first use. Refuses a model whose vectors
    do not fit the database columns."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                from inference import get_embedder as runtime_embedder

                embedder = _RuntimeEmbedder(runtime_embedder(model_path=_model_path()))
                if embedder.dimensions != EMBEDDING_DIMENSIONS:
                    raise EmbeddingModelError(
                        f"The embedding model {embedder.model_id} gives {embedder.dimensions} dimensions; the "
                        f"database columns hold {EMBEDDING_DIMENSIONS}. Use a {EMBEDDING_DIMENSIONS}-dimensional "
                        "model or migrate the vector columns first."
                    )
                if embedder.model_id != configured_model_id():
                    raise EmbeddingModelError(
                        f"The runtime names the model {embedder.model_id}, the app expected {configured_model_id()}."
                    )
                _embedder = embedder
    return _embedder


def warm() -> None:
    """Load the model and run it once (torch's first forward pass costs more than
    the next): a web process does this when it starts (catalog.hooks.web_warmups),
    so the first semantic search does not wait seconds for it."""
    get_embedder().embed(["warm up"])


def embed_texts(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32, one row per text) from the current model."""
    return get_embedder().embed(texts)
