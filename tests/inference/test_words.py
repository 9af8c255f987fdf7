"""Words limited to a set while decoding (inference.generation.words) on the default model."""

from __future__ import annotations

import re

import numpy as np
import pytest

from inference import GenerationParams, GenerationRequest
from inference.generation.words import WordSet, word_filter

pytestmark = pytest.mark.model

_WORDS = re.compile(r"[A-Za-z]+")
# Other products' uses right before the open field: a model copies them, or makes up its own.
PROMPT = (
    "Product: Ceramic Coffee Mug, 350 ml\n"
    "Description: A ceramic mug for coffee and tea at home, safe in the dishwasher and the microwave.\n\n"
    "Product: Trail Running Shoes\n"
    "Description: Light shoes with a grippy rubber sole for wet mountain paths and forest trails.\n\n"
    "Product: Steel Wool, Medium, 8 Pads\n"
    "Description:"
)
COMMON = WordSet(words=frozenset(
    "a an the and or of for with to in on is are it its this that these your you can be use used made "
    "high quality durable easy perfect ideal great designed work surface clean finish".split()))
OWN = WordSet(words=frozenset("steel wool medium pads pad".split()))


def _outside(text: str, only) -> set[str]:
    return {word for word in _WORDS.findall(text) if not only.allows(word)}


def test_a_sequence_writes_no_word_but_those_allowed(generator):
    only = word_filter(generator, COMMON, OWN)
    params = GenerationParams(max_new_tokens=40, temperature=1.0, top_k=50)
    seeds = range(6)

    held = generator.generate_requests(
        [GenerationRequest(prompt=PROMPT, params=params.replace(seed=seed), token_filters=(only,)) for seed in seeds])
    free = generator.generate_requests(
        [GenerationRequest(prompt=PROMPT, params=params.replace(seed=seed)) for seed in seeds])

    assert all(not _outside(result.text, only) for result in held), [result.text for result in held]
    assert all(len(_WORDS.findall(result.text)) >= 5 for result in held)
    # Without the filter the same sampling writes words of its own ("kitchen", "rust", "scrubbing").
    assert any(_outside(result.text, only) for result in free)


def _tokens(generator, text: str) -> list[int]:
    tokens = generator.model.tokenize(text)
    return tokens[1:] if tokens and tokens[0] == generator.model.bos else tokens


def _kept(generator, only, text: str) -> set[str]:
    logits = np.zeros(generator.vocabulary_size, dtype=np.float32)
    only(generated=_tokens(generator, text), logits=logits)
    return {generator.token_piece(int(token)).decode("utf-8", "ignore")
            for token in np.flatnonzero(np.isfinite(logits))}


def test_inside_a_word_only_letters_towards_an_allowed_word_may_follow(generator):
    only = word_filter(generator, WordSet(words=frozenset({"the", "durable", "duration"})))

    kept = _kept(generator, only, "The dur")

    assert kept, "something must continue an allowed word"
    assert all(("dur" + piece).lower() in {"durable", "duration"} or
               any(word.startswith(("dur" + piece).lower()) for word in ("durable", "duration"))
               for piece in kept), kept
    assert not any(piece.startswith(" ") or not piece.isalpha() for piece in kept)  # "dur" is not a word


def test_a_whole_allowed_word_may_end_and_a_banned_one_cannot_start(generator):
    only = word_filter(generator, WordSet(words=frozenset({"the", "steel", "is"})))

    after_word = _kept(generator, only, "The steel")
    at_start = _kept(generator, only, "The steel is")

    assert {" is", ".", ","} <= after_word
    assert " wheel" not in at_start and " kitchen" not in at_start
    assert " steel" in at_start and "\n" in at_start


def test_a_lower_case_word_goes_on_in_lower_case(generator):
    only = word_filter(generator, WordSet(words=frozenset({"the", "analogue"})))

    kept = _kept(generator, only, "The analogu")

    assert "e" in kept and "E" not in kept


def test_a_words_stems_allow_every_form_the_vocabulary_writes(generator):
    from content.checks.words import stem

    only = word_filter(generator, WordSet(words=frozenset({"the"})),
                       WordSet(stems=frozenset({stem("Magnet")}), stem=stem))

    assert only.allows("magnets") and only.allows("Magnet") and only.allows("magnet")
    assert only.allows("magnetic")  # Snowball gives it the same stem
    assert not only.allows("wheel")
    assert only.allows("ok")  # two letters: codes and units are always allowed


def test_a_word_no_allowed_word_starts_with_is_left_alone(generator):
    # The filter never starts one, but a word begun before its look-back (or by another filter's
    # choice) must not leave the sampler with nothing to draw.
    only = word_filter(generator, WordSet(words=frozenset({"the"})))
    logits = np.zeros(generator.vocabulary_size, dtype=np.float32)

    only(generated=_tokens(generator, "The xqzv"), logits=logits)

    assert np.isfinite(logits).all()
