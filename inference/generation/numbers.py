"""Numbers limited to a given set while decoding: a token filter for engines with per-sequence
filters (llama.cpp here).

A draft may write a number only if it is one of `allowed` (the numbers of the product's facts;
which ones is the caller's policy). The filter reads the number the sequence is in the middle of
from its last tokens and, before sampling:

- outside a number, bans every digit token that cannot start an allowed number;
- inside one, bans digits (and the separators . , /) that would leave every allowed number, and
  while the number written so far is not itself allowed, bans everything else too, so the number
  cannot end early ("12" where the facts say "120").

So a number outside the facts cannot be sampled, whatever the prompt or the model's weights say.
The filter is stateless (it reads `generated`), so one instance may serve many sequences.
Numbers are digit runs with inner separators ("0.01", "1/2", "1,000"); digits written as words
("twelve") are the claims check's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np

from .sampling import PerGenerator

NUMBER_RE = re.compile(r"\d+(?:[.,/]\d+)*")
SEPARATORS = ".,/"
_TAIL = re.compile(r"(\d+(?:[.,/]\d+)*)([.,/]?)$")
# Tokens looked back over to find the number in progress: longer than any number a listing states.
_LOOKBACK = 40
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def numbers_in(text: str) -> set[str]:
    """The numbers `text` states, each as written, with "1,000" also as "1000" and the other way round."""
    found: set[str] = set()
    for number in NUMBER_RE.findall(text):
        found.add(number)
        if _THOUSANDS.match(number):
            found.add(number.replace(",", ""))
        elif number.isdigit() and len(number) > 3:
            found.add(f"{int(number):,}")
    return found


class DigitVocabulary:
    """The vocabulary entries a number is written with: tokens made only of digits, and the
    tokens that are exactly one separator. Built once per model (a pass over every piece)."""

    def __init__(self, *, vocabulary_size: int, piece: Callable[[int], bytes]) -> None:
        digits: dict[int, str] = {}
        separators: dict[int, str] = {}
        for token in range(vocabulary_size):
            text = piece(token).decode("utf-8", "ignore")
            if text and text.isdecimal() and text.isascii():
                digits[token] = text
            elif len(text) == 1 and text in SEPARATORS:
                separators[token] = text
        self.piece = piece
        self.digits = digits
        self.separators = separators
        self.digit_ids = np.fromiter(digits, dtype=np.int64, count=len(digits))

    def filter_for(self, allowed: Iterable[str]) -> AllowedNumbers:
        return AllowedNumbers(allowed, vocabulary=self)


class AllowedNumbers:
    """A TokenFilter: digits only as parts of the `allowed` numbers."""

    def __init__(self, allowed: Iterable[str], *, vocabulary: DigitVocabulary) -> None:
        self.allowed = frozenset(number for number in allowed if NUMBER_RE.fullmatch(number))
        self.vocabulary = vocabulary
        # Every prefix of an allowed number: a number in progress must stay one of these.
        self._prefixes = frozenset(number[:end] for number in self.allowed for end in range(1, len(number) + 1))
        self._banned_starts = np.fromiter(
            (token for token, text in vocabulary.digits.items() if text not in self._prefixes),
            dtype=np.int64,
        )

    def __call__(self, *, generated: Sequence[int], logits: np.ndarray) -> None:
        written = self._number_in_progress(generated)
        if written is None:
            if self._banned_starts.size:
                logits[self._banned_starts] = -np.inf
            return
        number, separator = written
        so_far = number + separator
        continuing = [token for token, text in self.vocabulary.digits.items() if so_far + text in self._prefixes]
        if not separator:
            continuing += [token for token, text in self.vocabulary.separators.items()
                           if so_far + text in self._prefixes]
        complete = number in self.allowed
        if complete:
            # Anything but a digit may follow; digits only where they keep to an allowed number.
            keep = set(continuing)
            banned = [token for token in self.vocabulary.digits if token not in keep]
            if banned:
                logits[banned] = -np.inf
            return
        if not continuing:
            return  # a number the filter did not start (cut by the look-back): nothing sensible to force
        kept = logits[continuing].copy()
        logits.fill(-np.inf)
        logits[continuing] = kept

    def _number_in_progress(self, generated: Sequence[int]) -> tuple[str, str] | None:
        if not generated:
            return None
        tail = b"".join(self.vocabulary.piece(token) for token in generated[-_LOOKBACK:])
        match = _TAIL.search(tail.decode("utf-8", "ignore"))
        return (match.group(1), match.group(2)) if match else None


_vocabularies = PerGenerator(DigitVocabulary)


def number_filter(generator, allowed: Collection[str]) -> AllowedNumbers | None:
    """A filter limiting `generator`'s numbers to `allowed`, or None when the generator cannot
    apply token filters (it has no per-sequence sampling: transformers, a remote server)."""
    vocabulary = _vocabularies.get(generator)
    return vocabulary.filter_for(allowed) if vocabulary is not None else None
