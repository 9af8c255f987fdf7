"""Fixtures for the recommendations tests: a real catalog with real MiniLM
embeddings (the model loads once per test session), shoppers and events fed
through the ingestion service."""

from __future__ import annotations

import numpy as np
import pytest

from recommendations.scoring_data import forget_scoring_data
from tests.recommendations.factories import BEHAVIOUR, add_catalog, embed_store, ingest


@pytest.fixture(autouse=True)
def _fresh_store_models():
    # Store models are cached per process and per store: a test must never see
    # another test's (ids are not reused, but a test that adds events must see them).
    forget_scoring_data()
    yield
    forget_scoring_data()


class _RememberingEmbedder:
    """The real model, remembering each text's vector for the session: the
    tests embed the same small catalog again and again."""

    def __init__(self, model):
        self.model, self.model_id, self.dimensions = model, model.model_id, model.dimensions
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts):
        missing = [text for text in dict.fromkeys(texts) if text not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.model.embed(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self.vectors[text] for text in texts])


@pytest.fixture(scope="session")
def minilm():
    from recommendations import embedding_model as embedder

    model = embedder.get_embedder()
    embedder._embedder = _RememberingEmbedder(model)
    yield embedder._embedder
    embedder._embedder = model


@pytest.fixture
def catalog(store):
    return add_catalog(store)


@pytest.fixture
def embedded_catalog(store, catalog, minilm):
    embed_store(store)
    return catalog


@pytest.fixture
def behaviour(store, embedded_catalog):
    report = ingest(store, BEHAVIOUR)
    assert report.rejected == []
    return report
