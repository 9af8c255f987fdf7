"""Per-sequence sampling over a row of logits, in numpy, for engines that hand us raw logits.

Each sequence of a batch gets its own `SequenceSampler`: its own parameters, its
own random generator (so a seeded sequence draws the same tokens alone or inside
a batch) and its own token filters. The order is the transformers runtime's:
repetition penalty over generated tokens, token filters, top-k, temperature,
top-p, draw.

Token filters are the seam for constraints on what may come next (banned n-gram
repeats today; digits limited to the product's facts later). A filter edits the
row in place before top-k, so a banned token can never win, whatever the
candidates around it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from ..params import GenerationParams

# Top-k scans the vocabulary in blocks: the k-th largest block maximum is a lower
# bound of the k-th largest logit, so only values above it can be candidates.
# Two vectorised passes over the row replace a partition of all 262,144 logits
# (measured at ~5 ms a row here, more than a decoding step's share).
_BLOCK = 512


class TokenFilter(Protocol):
    """Lowers, in place, the logits of tokens that must not come next (usually to -inf).

    `generated` holds the tokens this sequence has produced so far (not the prompt);
    `logits` is the sequence's writable row over the whole vocabulary.
    """

    def __call__(self, *, generated: Sequence[int], logits: np.ndarray) -> None: ...


class PerGenerator:
    """What a token filter works out once per loaded model (which tokens are digits, which are
    words), built on first use and dropped with the generator. `get` gives None for a generator
    that cannot apply token filters (no per-sequence sampling: transformers, a remote server)."""

    def __init__(self, build: Callable[..., object]) -> None:
        self._build = build  # build(vocabulary_size=..., piece=...)
        self._built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, generator):
        if not hasattr(generator, "token_piece") or not hasattr(generator, "vocabulary_size"):
            return None
        with self._lock:
            built = self._built.get(generator)
            if built is None:
                built = self._built[generator] = self._build(vocabulary_size=generator.vocabulary_size,
                                                             piece=generator.token_piece)
            return built


class NoRepeatNGram:
    """Bans a token that would repeat an n-gram of this completion (the prompt's n-grams are allowed).

    Few-shot prompts hold the phrases every description repeats from its facts
    ("Made of", the product's name); banning them pushed the model off the product.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"n-gram size must be at least 1, got {size}")
        self.size = size

    def __call__(self, *, generated: Sequence[int], logits: np.ndarray) -> None:
        banned = banned_ngram_tokens(generated, size=self.size)
        if banned:
            logits[list(banned)] = -np.inf


def banned_ngram_tokens(generated: Sequence[int], *, size: int) -> set[int]:
    n = size
    if len(generated) < n:
        return set()
    tokens = list(generated)
    prefix = tuple(tokens[len(tokens) - n + 1 :]) if n > 1 else ()
    return {
        tokens[start + n - 1] for start in range(len(tokens) - n + 1) if tuple(tokens[start : start + n - 1]) == prefix
    }


class SequenceSampler:
    """Chooses one sequence's next tokens; `accept` must see every token chosen."""

    def __init__(
        self, *, params: GenerationParams, seed: int | None, filters: Sequence[TokenFilter] = ()
    ) -> None:
        self.params = params
        self.filters = list(filters)
        if params.no_repeat_ngram_size:
            self.filters.insert(0, NoRepeatNGram(params.no_repeat_ngram_size))
        self.generated: list[int] = []
        self._seen: dict[int, None] = {}  # insertion-ordered set of generated token ids
        self._rng = np.random.default_rng(seed)

    def sample(self, logits: np.ndarray) -> int:
        """The next token from `logits` (the sequence's row; it is modified in place)."""
        self._penalise(logits)
        for token_filter in self.filters:
            token_filter(generated=self.generated, logits=logits)
        if self.params.greedy:
            return int(np.argmax(logits))
        ids, values = top_k(logits, self.params.top_k)
        return int(ids[self._draw(values)])

    def accept(self, token: int) -> None:
        self.generated.append(token)
        self._seen[token] = None

    def _penalise(self, logits: np.ndarray) -> None:
        # CTRL penalty, once per distinct generated token (transformers' semantics),
        # over generated tokens only: the prompt's words are the product's facts.
        penalty = self.params.repetition_penalty
        if penalty == 1.0 or not self._seen:
            return
        ids = np.fromiter(self._seen, dtype=np.int64, count=len(self._seen))
        picked = logits[ids]
        logits[ids] = np.where(picked < 0, picked * penalty, picked / penalty)

    def _draw(self, values: np.ndarray) -> int:
        """Index into `values` (sorted best first) after temperature and top-p."""
        scaled = values.astype(np.float64) / self.params.temperature
        finite = np.isfinite(scaled)
        if not finite.any():
            return 0  # every candidate was banned: the least bad one
        scaled = np.where(finite, scaled, -np.inf)
        probabilities = np.exp(scaled - scaled[finite].max())
        probabilities /= probabilities.sum()
        if self.params.top_p < 1.0:
            mass_before = np.cumsum(probabilities) - probabilities
            # The smallest prefix whose mass reaches top_p; the best token always stays.
            probabilities = np.where(mass_before > self.params.top_p, 0.0, probabilities)
            probabilities /= probabilities.sum()
        cumulative = np.cumsum(probabilities)
        return int(min(np.searchsorted(cumulative, self._rng.random() * cumulative[-1], side="right"),
                       len(values) - 1))


def top_k(logits: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and logits of the k best tokens, best first (k 0: the whole vocabulary).

    Ties at the k-th value are broken by token id, so the result does not depend on
    how the search is split.
    """
    vocabulary = logits.shape[0]
    if k == 0 or k >= vocabulary:
        candidates = np.arange(vocabulary)
    else:
        candidates = _candidates_above_kth_block_max(logits, k)
    values = logits[candidates]
    order = np.lexsort((candidates, -values))[: k or vocabulary]
    return candidates[order], values[order]


def _candidates_above_kth_block_max(logits: np.ndarray, k: int) -> np.ndarray:
    vocabulary = logits.shape[0]
    blocks = vocabulary // _BLOCK
    if blocks <= k:
        threshold = np.partition(logits, vocabulary - k)[vocabulary - k]
        return np.flatnonzero(logits >= threshold)
    whole = logits[: blocks * _BLOCK].reshape(blocks, _BLOCK)
    maxima = whole.max(axis=1)
    # The k blocks with the largest maxima hold k distinct values >= the k-th largest
    # maximum, so the k-th largest logit is at least that large: every candidate lies
    # in a block whose maximum reaches it (ties included) or past the last whole block.
    threshold = np.partition(maxima, blocks - k)[blocks - k]
    best_blocks = np.flatnonzero(maxima >= threshold)
    rows, columns = np.nonzero(whole[best_blocks] >= threshold)
    found = best_blocks[rows] * _BLOCK + columns
    tail = np.flatnonzero(logits[blocks * _BLOCK :] >= threshold) + blocks * _BLOCK
    return np.concatenate([found, tail]) if tail.size else found
