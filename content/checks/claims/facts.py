"""What the product data supports, read once per product: lexicon keys, countries, quantities, and
the words, stems and compound modifiers the open-vocabulary claims are judged against."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..lexicon import COUNTRY_MENTIONS, MATERIAL, ORIGIN, TERMS_BY_KEY
from ..quantities import FactQuantities
from ..text import fold, sentences
from ..words import stem
from .terms import Mention, free_of, negated, term_mentions

WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[-.'][A-Za-z0-9]+)*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def compact(text: str) -> str:
    """ "C2P-07AN", "c2p07an" and "C2P 07AN" are one code; "Wi-Fi" and "WiFi" one name."""
    return _NOT_ALNUM.sub("", text.lower())


def without_questions(text: str) -> str:
    """A shopper's "Is it waterproof?" in the grounding text is not a fact: blank questions out
    (with spaces, so offsets stay put)."""
    if "?" not in text and "\uff1f" not in text:
        return text
    for span in sentences(text):
        if text[span.end - 1] in "?\uff1f":
            text = text[: span.start] + " " * (span.end - span.start) + text[span.end :]
    return text


@dataclass(frozen=True)
class Facts:
    keys: frozenset[str]
    countries: frozenset[str]
    quantities: FactQuantities
    materials: tuple[str, ...]  # as the data writes them, for messages
    words: frozenset[str]  # lower-cased words, hyphenated ones whole and in parts
    stems: frozenset[str]
    compact: str  # the whole data lower-cased with only letters and digits, for codes
    lowered: str  # folded and lower-cased, for Chinese (no spaces to split on)
    compounds: frozenset[tuple[str, str]]  # (stem of X, class) of "X-free", "non-X", "X-proof"...
    compound_texts: tuple[str, ...]  # as written, for messages
    names: tuple[str, ...]  # acronyms and codes as written, for messages

    @classmethod
    def from_text(cls, text: str) -> Facts:
        from .english import compounds_in, names_in  # english reads Facts too

        text = without_questions(text)
        folded = fold(text)
        keys, materials = set(), []
        for mention in term_mentions(text):
            if negated(text, mention.start) or (mention.kind == MATERIAL and free_of(text, mention.end)):
                continue
            keys.add(mention.key)
            if ":" in mention.key:
                keys.add(mention.key.split(":")[0])
            if mention.kind == MATERIAL:
                written = text[mention.start : mention.end]
                if written.lower() not in (m.lower() for m in materials):
                    materials.append(written)
        lowered = folded.lower()
        countries = {term.key for term in COUNTRY_MENTIONS if next(term.finditer(folded, lowered), None)}
        words = set()
        for token in WORD_RE.findall(lowered):
            words.add(token)
            words.update(token.replace(".", "-").replace("'", "-").split("-"))
        quantities = FactQuantities.from_text(text)
        words |= _paper_size_names(quantities)
        compounds = compounds_in(folded)
        return cls(
            keys=frozenset(keys),
            countries=frozenset(countries),
            quantities=quantities,
            materials=tuple(materials),
            words=frozenset(words),
            stems=frozenset(stem(w) for w in words),
            compact=compact(folded),
            lowered=lowered,
            compounds=frozenset(key for key, _ in compounds),
            compound_texts=tuple(dict.fromkeys(written for _, written in compounds)),
            names=tuple(dict.fromkeys(names_in(folded))),
        )

    def supports(self, mention: Mention) -> bool:
        if mention.kind == ORIGIN:
            return mention.key in self.countries
        if mention.key in self.keys:
            return True
        term = TERMS_BY_KEY.get(mention.key)
        return bool(term and term.implied_by & self.keys)

    def knows_chinese(self, text: str, start: int, end: int) -> bool:
        """Every character of text[start:end] lies in a pair of characters the data also has, the
        pairs read one character past each end: 收腰系带 in the draft is 收腰 and 系带 in the data."""
        window_start = max(0, start - 1)
        window = text[window_start : end + 1].lower()
        covered = bytearray(len(window))
        for i in range(len(window) - 1):
            if window[i : i + 2] in self.lowered:
                covered[i] = covered[i + 1] = 1
        return all(covered[start - window_start : end - window_start])

    def knows(self, word: str) -> bool:
        """The data has this word, in some form: "Pencils" for "pencil", "C2P07AN" for "c2p-07an";
        Chinese anywhere in the data."""
        lowered = word.lower()
        if not lowered.isascii():
            return lowered in self.lowered
        if lowered in self.words or stem(lowered) in self.stems:
            return True
        code = compact(lowered)
        # A short code could sit by chance inside a longer one ("AP" in "paper"): whole words only.
        return len(code) >= 4 and any(ch.isdigit() for ch in code) and code in self.compact


# Paper sizes by name: data giving 8.5 x 11 supports "letter size" (inches; A4 in millimetres).
_PAPER_SIZES = {"letter": (8.5, 11.0), "legal": (8.5, 14.0), "tabloid": (11.0, 17.0), "a4": (210.0, 297.0)}


def _paper_size_names(quantities: FactQuantities) -> set[str]:
    numbers = set(quantities.loose_numbers) | {round(q.value, 6) for q in quantities.quantities}
    return {name for name, sides in _PAPER_SIZES.items() if set(sides) <= numbers}


@lru_cache(maxsize=512)
def facts_from_text(text: str) -> Facts:
    # Variants of one product, and every save of a draft, share the same facts.
    return Facts.from_text(text)
