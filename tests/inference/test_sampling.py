"""Per-sequence sampling over raw logits (the llama.cpp engine's sampler): penalties and
filters see generated tokens only, top-k is exact, seeds are per sequence."""

import numpy as np
import pytest

from inference import GenerationParams
from inference.generation.sampling import NoRepeatNGram, SequenceSampler, banned_ngram_tokens, top_k

GREEDY = GenerationParams(do_sample=False, repetition_penalty=1.0)


def row(values):
    return np.array(values, dtype=np.float32)


@pytest.mark.parametrize("vocabulary", [20, 1000, 262_144, 262_144 + 77])
@pytest.mark.parametrize("k", [1, 50, 0])
def test_top_k_equals_a_full_sort_with_ties_broken_by_token_id(vocabulary, k):
    rng = np.random.default_rng(vocabulary + k)
    logits = (rng.standard_normal(vocabulary) * 3).astype(np.float32)
    logits[:5] = logits[5:10]  # ties across blocks
    logits[-3:] = logits.max()  # the best values sit past the last whole block

    ids, values = top_k(logits, k)

    expected = np.lexsort((np.arange(vocabulary), -logits))[: k or vocabulary]
    assert ids.tolist() == expected.tolist()
    assert values.tolist() == logits[expected].tolist()


def test_repetition_penalty_counts_generated_tokens_only():
    sampler = SequenceSampler(params=GREEDY.replace(repetition_penalty=2.0), seed=None)
    sampler.accept(3)
    sampler.accept(1)
    sampler.accept(3)
    logits = row([1.0, -1.0, 0.5, 4.0, 3.0])

    sampler.sample(logits)

    # Token 3 once (not twice) divided, token 1 multiplied, the rest as they were.
    assert logits.tolist() == [1.0, -2.0, 0.5, 2.0, 3.0]


def test_greedy_picks_the_best_token_after_the_penalty():
    sampler = SequenceSampler(params=GREEDY.replace(repetition_penalty=2.0), seed=None)
    sampler.accept(3)
    assert sampler.sample(row([0.0, 0.0, 0.0, 4.0, 3.0])) == 4


def test_no_repeat_ngram_bans_the_token_that_would_repeat_a_generated_ngram():
    assert banned_ngram_tokens([1, 2, 3, 1, 2], size=3) == {3}
    assert banned_ngram_tokens([4, 4, 4, 3], size=3) == set()
    assert banned_ngram_tokens([1, 2], size=3) == set()


def test_no_repeat_ngram_size_in_params_is_a_token_filter():
    sampler = SequenceSampler(params=GREEDY.replace(no_repeat_ngram_size=2), seed=None)
    for token in (5, 2, 5):
        sampler.accept(token)
    # "5 2" was written: after 5, token 2 is banned even though it scores best.
    assert sampler.sample(row([0.0, 0.0, 9.0, 1.0, 0.0, 0.0])) == 3


def test_a_token_filter_decides_before_top_k_so_a_banned_token_never_wins():
    class OnlyEvenTokens:
        def __init__(self):
            self.seen = []

        def __call__(self, *, generated, logits):
            self.seen.append(list(generated))
            logits[1::2] = -np.inf

    only_even = OnlyEvenTokens()
    params = GenerationParams(temperature=1.0, top_k=1, top_p=1.0, repetition_penalty=1.0, seed=1)
    sampler = SequenceSampler(params=params, seed=1, filters=[only_even])
    logits = row([0.0, 9.0, 1.0, 8.0, 0.5])

    assert sampler.sample(logits) == 2  # top-1 after the filter, not token 1
    sampler.accept(2)
    sampler.sample(row([0.0, 9.0, 1.0, 8.0, 0.5]))
    assert only_even.seen == [[], [2]]


def test_no_repeat_ngram_filter_is_usable_alone():
    logits = row([0.0] * 6)
    NoRepeatNGram(2)(generated=[1, 4, 1], logits=logits)
    assert np.isneginf(logits[4]) and np.isfinite(np.delete(logits, 4)).all()


def test_the_same_seed_draws_the_same_tokens_and_another_seed_others():
    params = GenerationParams(temperature=1.5, top_k=0, top_p=1.0, repetition_penalty=1.0)
    logits = np.zeros(50, dtype=np.float32)

    def draws(seed):
        sampler = SequenceSampler(params=params, seed=seed)
        return [sampler.sample(logits.copy()) for _ in range(20)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)


def test_top_p_keeps_the_smallest_prefix_that_reaches_the_mass():
    # Probabilities at temperature 1: about 0.67, 0.24, 0.09 -> top_p 0.5 keeps the first only.
    params = GenerationParams(temperature=1.0, top_k=0, top_p=0.5, repetition_penalty=1.0)
    sampler = SequenceSampler(params=params, seed=3)
    assert {sampler.sample(row([2.0, 1.0, 0.0])) for _ in range(50)} == {0}
