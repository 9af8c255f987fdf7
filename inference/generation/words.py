"""Words limited to a given set while decoding: a token filter for engines with per-sequence
filters (llama.cpp here), the companion of `numbers`.

A draft may write a word (a run of ASCII letters) only if it is allowed: one of a set of words
as written, or any word whose stem is in a set of stems (the caller's policy says which: copy's
generic words and the product's own). The filter reads the word the sequence is in the middle
of from its last tokens and, before sampling:

- inside a word, keeps only the letters that continue it towards an allowed word, and whatever
  ends it or starts the next one once the word so far is itself allowed;
- outside a word, keeps tokens that start an allowed word, and tokens without letters.

So a word outside the set cannot be sampled, whatever the prompt or the model's weights say: a
resistor kit known by its title cannot be "for use with capacitors" unless its data says so.
Words of one or two letters are always allowed (model codes, units, "it's"). Letters outside
ASCII are not words here (a Chinese draft is never held to this filter).

The vocabulary is classified once per model, and the words of a `WordSet` (the generic part,
shared by every product) once per set; a product's own words are added per filter. The filter
is stateless (it reads `generated`), so one instance may serve many sequences.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .sampling import PerGenerator

_LETTERS = re.compile(r"[A-Za-z]+")
_TAIL = re.compile(r"[A-Za-z]+$")
_LOOKBACK = 24  # tokens read back to find the word in progress: longer than any word
SHORT = 2  # words this long or shorter are always allowed


@dataclass(frozen=True)
class WordSet:
    """Allowed words: `words` as written (lower case) and every word whose `stem` is in `stems`."""

    stems: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    stem: Callable[[str], str] = field(default=str.lower, compare=True)

    def allows(self, word: str) -> bool:
        return word.lower() in self.words or self.stem(word) in self.stems


@dataclass(frozen=True)
class WordRule:
    """What a completion may write: `common` words (the same for many prompts, so its work over
    the vocabulary is done once) and its `own`."""

    common: WordSet
    own: WordSet | None = None

    def allows(self, word: str) -> bool:
        """Whether a word (letters) may be written. A filter allows no more than this: of the
        forms a stem stands for, only those the model's vocabulary writes as one token."""
        return (len(word) <= SHORT or self.common.allows(word)
                or (self.own is not None and self.own.allows(word)))


class WordVocabulary:
    """The vocabulary entries sorted by how they touch words, built once per model (a pass over
    every piece):

    - continuing: only letters ("ing"), they extend the word in progress or start one;
    - spaced: a space then letters (" wheel"), they end the word in progress and start one;
    - mixed: letters and other signs ("'s", "e.g"); kept only after a word boundary, and only
      when every word they hold is allowed;
    - everything else (signs, digits, spaces, other scripts, control tokens) ends a word.
    """

    def __init__(self, *, vocabulary_size: int, piece: Callable[[int], bytes]) -> None:
        self.piece = piece
        continuing: dict[str, list[int]] = {}
        spaced: dict[str, list[int]] = {}
        mixed: list[tuple[int, list[str], str]] = []  # token, its whole words, its last (open) word
        neutral = np.zeros(vocabulary_size, dtype=bool)
        for token in range(vocabulary_size):
            text = piece(token).decode("utf-8", "ignore")
            runs = _LETTERS.findall(text)
            if not runs:
                neutral[token] = True
            elif runs[0] == text:
                continuing.setdefault(text.lower(), []).append(token)
            elif text[0] == " " and runs[0] == text[1:]:
                spaced.setdefault(text[1:].lower(), []).append(token)
            elif not text[0].isalpha():  # a word boundary first: "'s", "(the", ".com"
                words = [run.lower() for run in runs]
                tail = words.pop() if text[-1].isascii() and text[-1].isalpha() else ""
                mixed.append((token, words, tail))
            # a mixed token starting with letters ("s." "ing,") would finish the word in progress
            # and is never kept: the same text can be written as letters, then the sign.
        self.continuing = {key: np.array(ids, dtype=np.int64) for key, ids in continuing.items()}
        self.spaced = {key: np.array(ids, dtype=np.int64) for key, ids in spaced.items()}
        self.mixed = mixed
        self.neutral = neutral
        # Continuing tokens with a capital: not after a lower-case start ("analogu" + "E").
        self.capitals = np.zeros(vocabulary_size, dtype=bool)
        for ids in continuing.values():
            self.capitals[[token for token in ids if not piece(token).decode("utf-8", "ignore").islower()]] = True
        self.single_letters = np.concatenate(
            [ids for key, ids in self.continuing.items() if len(key) == 1] or [np.zeros(0, dtype=np.int64)])
        self._sets: dict[WordSet, _Allowed] = {}
        self._stem_index: dict[Callable, dict[str, list[str]]] = {}
        self._lock = threading.RLock()

    def words_of(self, word_set: WordSet) -> set[str]:
        """Every word `word_set` allows that this vocabulary writes as one token, and its own words."""
        index = self._index(word_set.stem)
        found = set(word_set.words)
        for word_stem in word_set.stems:
            found.update(index.get(word_stem, ()))
        return found

    def filter_for(self, common: WordSet, extra: WordSet | None = None) -> AllowedWords:
        """A filter allowing the words of `common` (cached: the same set for every product) and
        of `extra` (this product's)."""
        with self._lock:
            base = self._sets.get(common)
            if base is None:
                if len(self._sets) >= 4:
                    self._sets.pop(next(iter(self._sets)))
                base = self._sets[common] = _Allowed(self, self.words_of(common))
        extra_words = self.words_of(extra) - base.words if extra is not None else set()
        return AllowedWords(self, base, extra_words)

    def _index(self, stem: Callable[[str], str]) -> dict[str, list[str]]:
        with self._lock:
            index = self._stem_index.get(stem)
            if index is None:
                index = {}
                for word in set(self.spaced) | set(self.continuing):
                    index.setdefault(stem(word), []).append(word)
                self._stem_index[stem] = index
            return index


class _Allowed:
    """What a set of words allows, over the whole vocabulary."""

    def __init__(self, vocabulary: WordVocabulary, words: Iterable[str]) -> None:
        self.words = frozenset(word for word in words if word.isascii() and word.isalpha())
        self.sorted = sorted(self.words)
        self.prefixes = frozenset(word[:end] for word in self.words for end in range(1, len(word) + 1))
        self._continuations: dict[str, np.ndarray] = {}
        # After a whole word (or at the start): signs and spaces, and a new word that may become an allowed one.
        after_word = vocabulary.neutral.copy()
        for key, ids in vocabulary.spaced.items():
            if self.is_prefix(key):
                after_word[ids] = True
        for token, inner, tail in vocabulary.mixed:
            if all(self.is_word(word) for word in inner) and (not tail or self.is_prefix(tail)):
                after_word[token] = True
        # At a word boundary (the last sign was not a letter): also letters that start an allowed word.
        boundary = after_word.copy()
        for key, ids in vocabulary.continuing.items():
            if self.is_prefix(key):
                boundary[ids] = True
        # Kept negated: what a filter bans.
        self.not_after_word, self.not_boundary = ~after_word, ~boundary
        self.banned_after_word, self.banned_at_boundary = np.flatnonzero(~after_word), np.flatnonzero(~boundary)

    def is_word(self, word: str) -> bool:
        return len(word) <= SHORT or word in self.words

    def is_prefix(self, text: str) -> bool:
        return len(text) <= SHORT or text in self.prefixes

    def continuations(self, vocabulary: WordVocabulary, so_far: str) -> np.ndarray:
        """The letter tokens that take `so_far` towards one of these words (cached per prefix)."""
        found = self._continuations.get(so_far)
        if found is None:
            found = _continuing(vocabulary, so_far, self._starting(so_far))
            if len(self._continuations) > 20000:
                self._continuations.clear()
            self._continuations[so_far] = found
        return found

    def _starting(self, so_far: str) -> list[str]:
        start = bisect.bisect_left(self.sorted, so_far)
        end = bisect.bisect_left(self.sorted, so_far + "\x7f")
        return self.sorted[start:end]


def _continuing(vocabulary: WordVocabulary, so_far: str, words: Iterable[str]) -> np.ndarray:
    suffixes = {word[len(so_far):end] for word in words for end in range(len(so_far) + 1, len(word) + 1)}
    found = [vocabulary.continuing[suffix] for suffix in suffixes if suffix in vocabulary.continuing]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


class AllowedWords:
    """A TokenFilter: letters only as parts of allowed words."""

    def __init__(self, vocabulary: WordVocabulary, base: _Allowed, extra_words: Collection[str]) -> None:
        self.vocabulary = vocabulary
        self.base = base
        self.extra = sorted(word for word in extra_words if word.isascii() and word.isalpha())
        self._extra_words = frozenset(self.extra)
        self._extra_prefixes = frozenset(word[:end] for word in self.extra for end in range(1, len(word) + 1))
        # What is banned, as token ids: assigning through ids is several times faster than
        # through a boolean mask over the vocabulary (bench/RESULTS.md, "Words from the facts").
        self._banned_after_word, self._banned_at_boundary = base.banned_after_word, base.banned_at_boundary
        if self.extra:
            after_word, boundary = ~base.not_after_word, ~base.not_boundary
            for prefix in self._extra_prefixes:
                if prefix in vocabulary.spaced:
                    after_word[vocabulary.spaced[prefix]] = True
                    boundary[vocabulary.spaced[prefix]] = True
                if prefix in vocabulary.continuing:
                    boundary[vocabulary.continuing[prefix]] = True
            self._banned_after_word, self._banned_at_boundary = np.flatnonzero(~after_word), np.flatnonzero(~boundary)

    def allows(self, word: str) -> bool:
        """Whether `word` (any case) may be written."""
        word = word.lower()
        return self.base.is_word(word) or word in self._extra_words

    def __call__(self, *, generated: Sequence[int], logits: np.ndarray) -> None:
        written = self._word_in_progress(generated)
        so_far = written.lower()
        if not so_far:
            logits[self._banned_at_boundary] = -np.inf
            return
        going_on = [self.base.continuations(self.vocabulary, so_far)]
        if self.extra:
            start = bisect.bisect_left(self.extra, so_far)
            end = bisect.bisect_left(self.extra, so_far + "\x7f")
            if end > start:
                going_on.append(_continuing(self.vocabulary, so_far, self.extra[start:end]))
        if len(so_far) < SHORT:
            going_on.append(self.vocabulary.single_letters)  # a word of two letters is always allowed
        ids = np.concatenate(going_on)
        if written[-1].islower():
            ids = ids[~self.vocabulary.capitals[ids]]
        whole = self.allows(so_far)
        if not ids.size and not whole:
            return  # a word the filter did not start (cut by the look-back): nothing sensible to force
        kept = logits[ids]  # a copy: the values of the letters that go on with the word
        if whole:
            logits[self._banned_after_word] = -np.inf
        else:
            logits.fill(-np.inf)
        logits[ids] = kept

    def _word_in_progress(self, generated: Sequence[int]) -> str:
        """The letters the sequence ends with, as written ("" at a word boundary)."""
        if not generated:
            return ""
        tail = b"".join(self.vocabulary.piece(token) for token in generated[-_LOOKBACK:])
        match = _TAIL.search(tail.decode("utf-8", "ignore"))
        return match.group() if match else ""


_vocabularies = PerGenerator(WordVocabulary)


def word_filter(generator, common: WordSet, extra: WordSet | None = None) -> AllowedWords | None:
    """A filter limiting `generator`'s words to `common`'s and `extra`'s, or None when the
    generator cannot apply token filters (it has no per-sequence sampling: transformers, a
    remote server)."""
    vocabulary = _vocabularies.get(generator)
    return vocabulary.filter_for(common, extra) if vocabulary is not None else None
