"""The product-copy vocabulary (inference/generation/llama/vocabulary.py): the default model runs
with an output layer of the tokens product copy uses, which tokenizes copy as the full model does,
writes what the full model writes greedily, and is a smaller file; a model without a token list
runs in full."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings

from inference import GenerationParams, get_generator
from inference.generation.llama.model import LlamaModel
from inference.generation.llama.vocabulary import (
    TOP_TOKENS,
    Vocabulary,
    build_kept_tokens,
    kept_tokens_file,
    read_kept_tokens,
    spm_pieces,
    trimmed_model,
    write_kept_tokens,
)
from inference.gguf_cache import gguf_path, llama_gguf


@pytest.fixture(scope="module")
def full_file(default_spec) -> Path:
    return gguf_path(default_spec)


@pytest.fixture(scope="module")
def vocabulary(full_file) -> Vocabulary:
    return Vocabulary.of(full_file)


def test_the_repository_lists_the_tokens_the_default_model_keeps(vocabulary):
    fingerprint, total, kept = read_kept_tokens(kept_tokens_file(vocabulary))
    assert (fingerprint, total) == (vocabulary.fingerprint(), 262_144)
    assert 60_000 < len(kept) < 100_000  # about a third of the vocabulary
    assert kept == sorted(set(kept))
    # Control tokens, bytes and the most frequent pieces are all there; the placeholders are not.
    for token in ("<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>", "<0x41>", "\n\n"):
        assert vocabulary.tokens.index(token) in kept
    placeholders = {i for i, token in enumerate(vocabulary.tokens) if token.startswith("<unused")}
    assert set(range(TOP_TOKENS // 2)) - set(kept) <= placeholders
    assert vocabulary.tokens.index("<unused100>") not in kept


def test_the_trimmed_model_tokenizes_product_copy_as_the_full_model_does(default_spec, full_file):
    trimmed = llama_gguf(default_spec)
    assert trimmed != full_file and trimmed.stat().st_size < 0.5 * full_file.stat().st_size
    rows = list(csv.DictReader((Path(settings.PRODUCT_COPY_DIR) / "products.csv").open(encoding="utf-8")))[:200]
    zh = list(csv.DictReader((Path(settings.PRODUCT_COPY_DIR) / "zh_advertisegen.csv").open(encoding="utf-8")))[:50]
    texts = [f"Product: {row['title']}\nBrand: {row['brand']}\nDescription: {row['description']}" for row in rows]
    texts += [f"产品：{row['attributes']}\n描述：{row['description']}" for row in zh]
    full, cut = LlamaModel(full_file, gpu_layers=0), LlamaModel(trimmed, gpu_layers=0)
    try:
        assert cut.n_vocab < full.n_vocab // 3
        for text in texts:
            assert [cut.piece(t) for t in cut.tokenize(text)] == [full.piece(t) for t in full.tokenize(text)]
    finally:
        full.close()
        cut.close()


def test_greedy_drafts_are_the_full_models_and_the_setting_can_turn_it_off(default_spec):
    # Prompts of the kind the list was built for: their every token is kept, so the trimmed model
    # reads them as the full one does and its kept logits are the full model's numbers.
    prompts = [f"Product: {title}\nFeatures: {features}\nDescription:" for title, features in (
        ("AMMEX Medical Nitrile Gloves, Powder Free, Exam Grade, Large", "box of 100, black"),
        ("Justrite Galvanized Steel Type I Red Safety Can With Funnel", "5 gallon, red"))]
    greedy = GenerationParams(max_new_tokens=32, temperature=0, do_sample=False, stop=("\n\n",))
    copy = get_generator(default_spec)
    full = get_generator(default_spec.replace(vocabulary="full"))
    assert copy.model.n_vocab < full.model.n_vocab == 262_144
    for prompt in prompts:
        assert [copy.model.piece(t) for t in copy.model.tokenize(prompt)] == \
            [full.model.piece(t) for t in full.model.tokenize(prompt)]
    written = [result.text for result in copy.generate(prompts, params=greedy)]
    assert all(written)
    assert written == [result.text for result in full.generate(prompts, params=greedy)]


def test_a_model_without_a_token_list_runs_in_full_and_says_so_once(full_file, tmp_path, monkeypatch):
    empty = tmp_path / "lists"
    empty.mkdir()
    assert trimmed_model(full_file, cache_dir=tmp_path / "cache", data_dir=empty) is None
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "0123456789abcdef.tokens").write_text("# tokenizer 0123456789abcdef tokens 10 kept 2\n0-1\n")
    assert trimmed_model(full_file, cache_dir=tmp_path / "cache", data_dir=foreign) is None
    assert next((tmp_path / "cache" / "vocabulary").glob("*.full")).is_file()
    assert not list((tmp_path / "cache" / "vocabulary").glob("*.gguf"))

    def read(*args, **kwargs):
        raise AssertionError("the tokenizer was read again")

    monkeypatch.setattr(Vocabulary, "read", read)  # the note answers the next start
    assert trimmed_model(full_file, cache_dir=tmp_path / "cache", data_dir=foreign) is None


def test_the_list_keeps_every_piece_the_tokenizer_merges_through(vocabulary):
    # A word whose own token is kept but whose intermediate pieces were not would tokenize into
    # smaller pieces: the list keeps the whole merge path.
    index = {token: i for i, token in enumerate(vocabulary.tokens) if vocabulary.types[i] != 3}
    reached = spm_pieces(" Quietsewage valve", index, vocabulary.scores)
    assert len(reached) > 3 and all(vocabulary.tokens[token] for token in reached)
    kept = build_kept_tokens(vocabulary, ["Gorilla Original Gorilla Glue"], top=0)
    assert reached - set(build_kept_tokens(vocabulary, [" Quietsewage valve"], top=0)) == set()
    assert vocabulary.tokens.index("\u2581Gorilla") in kept


def test_a_token_list_round_trips_as_ranges(vocabulary, tmp_path):
    kept = [0, 1, 2, 5, 7, 8, 9, 262_143]
    path = tmp_path / "x.tokens"
    write_kept_tokens(path, vocabulary=vocabulary, kept=kept, source="test")
    assert path.read_text().splitlines()[2:] == ["0-2", "5", "7-9", "262143"]
    assert read_kept_tokens(path) == (vocabulary.fingerprint(), 262_144, kept)


def test_writing_a_copy_removes_this_models_older_copies_and_no_other(full_file, tmp_path):
    folder = tmp_path / "vocabulary"
    folder.mkdir()
    older = folder / f"{full_file.stem}-000000000000-000000000000.gguf"
    another_models = folder / f"{full_file.stem}-v2-000000000000-000000000000.gguf"
    for path in (older, another_models):
        path.write_bytes(b"GGUF")

    copy = trimmed_model(full_file, cache_dir=tmp_path)

    assert copy is not None and copy.parent == folder and copy.read_bytes()[:4] == b"GGUF"
    assert not older.exists() and another_models.exists()
    assert trimmed_model(full_file, cache_dir=tmp_path) == copy  # found, not written again


@pytest.mark.django_db(databases=[])
def test_build_generation_vocabulary_writes_a_list_every_text_of_which_tokenizes_alike(settings, tmp_path, vocabulary):
    from django.core.management import call_command

    smoke = Path(__file__).resolve().parents[2] / "bench" / "fixtures" / "smoke"
    settings.PRODUCT_COPY_DIR, settings.DEMO_DATA_DIR = smoke / "product-copy", smoke
    out = io.StringIO()

    call_command("build_generation_vocabulary", "--output-dir", str(tmp_path), stdout=out)

    written = tmp_path / kept_tokens_file(vocabulary).name
    fingerprint, total, kept = read_kept_tokens(written)
    assert (fingerprint, total) == (vocabulary.fingerprint(), 262_144)
    assert TOP_TOKENS < len(kept) < 100_000
    assert "texts tokenize as with the full vocabulary" in out.getvalue()
