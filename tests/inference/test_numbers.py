"""Numbers limited to the facts while decoding (inference.generation.numbers) on the default model."""

from __future__ import annotations

import numpy as np
import pytest

from inference import GenerationParams, GenerationRequest
from inference.generation.numbers import NUMBER_RE, number_filter, numbers_in

pytestmark = pytest.mark.model

# Other products' figures right before the open field: a base model copies them.
PROMPT = (
    "Product: Digital Pocket Scale\nFeatures: capacity 500 g, resolution 0.01 g, 2 AAA batteries\n"
    "Description: A pocket scale for 500 g with 0.01 g steps, powered by 2 AAA batteries.\n\n"
    "Product: Hex Key Set, 1/2 inch, 12 pieces\nFeatures: 12 pieces, 1/2 inch, chrome vanadium steel\n"
    "Description: Twelve hex keys up to 1/2 inch in chrome vanadium steel.\n\n"
    "Product: Lab Thermometer, -10 to 110 C, 300 mm\nFeatures: range -10 to 110 C, length 300 mm\n"
    "Description: A"
)


def test_numbers_in_reads_every_number_and_both_thousands_forms():
    assert numbers_in("Box of 1,000 (0.01 mm), 4-1/2 inch, 2500 ml, A4") == {
        "1,000", "1000", "0.01", "4", "1/2", "2500", "2,500"}


def test_a_sequence_writes_no_number_but_those_allowed(generator):
    allowed = {"110", "300", "10"}
    only = number_filter(generator, allowed)
    params = GenerationParams(max_new_tokens=48, temperature=1.0, top_k=50)
    requests = [GenerationRequest(prompt=PROMPT, params=params.replace(seed=seed), token_filters=(only,))
                for seed in range(6)]

    results = generator.generate_requests(requests)
    free = generator.generate_requests([GenerationRequest(prompt=PROMPT, params=params.replace(seed=seed))
                                        for seed in range(6)])

    written = [set(NUMBER_RE.findall(result.text)) for result in results]
    assert all(numbers <= allowed for numbers in written), written
    # Without the filter the same sampling copies the other products' figures.
    assert any(set(NUMBER_RE.findall(result.text)) - allowed for result in free)


def test_a_number_cannot_end_before_it_is_an_allowed_one(generator):
    only = number_filter(generator, {"120"})
    vocabulary = only.vocabulary
    one, two = (next(t for t, text in vocabulary.digits.items() if text == d) for d in "12")
    logits = np.zeros(generator.vocabulary_size, dtype=np.float32)

    only(generated=[one, two], logits=logits)  # "12" so far: only "0" may follow

    kept = np.flatnonzero(np.isfinite(logits))
    assert {vocabulary.digits[int(token)] for token in kept} == {"0"}
    assert all(int(token) in vocabulary.digits for token in kept)


def test_with_no_numbers_in_the_facts_no_digit_can_be_written(generator):
    only = number_filter(generator, set())
    logits = np.zeros(generator.vocabulary_size, dtype=np.float32)

    only(generated=[], logits=logits)

    assert np.isneginf(logits[only.vocabulary.digit_ids]).all()
    assert np.isfinite(logits).sum() == generator.vocabulary_size - len(only.vocabulary.digit_ids)
