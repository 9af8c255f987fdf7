"""Training targets whose every claim the prompt supports.

A seller's description says much its title does not ("Rated at 600 Volt Max" for a ring terminal
whose title gives neither). Tuned on title -> description, a model learns to state specs it was
never given: the fault the unsupported-claims check exists to catch. So each target is paired
only with facts that support it, and the project's own checks decide:

1. The description is cut into sentences; sentences that are not copy (links, shop notices,
   spec dumps, fragments) are left out.
2. Each sentence's unsupported claims (content.checks) are found against the product's facts.
   In "move" mode up to `max_moved` of them go into the prompt's attributes, under a key for
   their kind ("material: stainless steel", "specs: 600 Volt"), so the prompt states what the
   target says; a sentence needing more is left out. In "keep" mode a sentence with any
   unsupported claim is left out.
3. Sentences are taken in order until the target length is reached.
4. The caller renders the prompt from the facts and runs every check (`run_checks`) on the
   target: a pair is kept only when the target passes them all, echo and length included.

Both modes are used: a model that only ever saw specs moved into its attributes would expect
attributes that most catalogs lack, one that only saw "keep" targets would never learn to use
the attributes a catalog has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from content.checks import CheckContext, ProductFacts, find_unsupported_claims, run_checks
from content.checks.claims.kinds import CERTIFICATION, COMPOUND, FEATURE, MATERIAL, NAME, ORIGIN, QUANTITY
from content.checks.text import length_units, sentences

from .corpus import CorpusProduct

KEEP, MOVE = "keep", "move"

# The attribute a moved claim goes under, by its kind and the language of the prompt.
_MOVED_KEYS = {
    "en": {QUANTITY: "specs", MATERIAL: "material", FEATURE: "details", COMPOUND: "details",
           CERTIFICATION: "certification", ORIGIN: "origin", NAME: "also named"},
    "zh": {QUANTITY: "规格", MATERIAL: "材质", FEATURE: "特点", COMPOUND: "特点", CERTIFICATION: "认证",
           ORIGIN: "产地", NAME: "型号"},
}
_NOT_COPY = re.compile(
    r"https?://|www\.|\.com\b|@|amazon|ebay|click|seller|customer service|please contact|disclaimer|note:|"
    r"\bwe\b|\bour\b|\bus\b|\bplease\b|\?|\*|#|•|&[a-z]+;|\bsee (?:image|picture|photo)|affiliat|sponsor|"
    r"trademark|\bcompany\b|\bfounded\b|\bproud\b|\bleader\b|\bleading\b|\bsince (?:1[89]|20)\d\d",
    re.IGNORECASE,
)
_MIN_SENTENCE_UNITS = {"en": 5, "zh": 6}
_MAX_SENTENCE_UNITS = {"en": 45, "zh": 80}


@dataclass(frozen=True)
class Grounded:
    """A target and the attributes that support it; `moved` claims came from the description."""

    product: CorpusProduct
    text: str
    attributes: dict[str, str]
    mode: str
    moved: int
    sentences_kept: int
    sentences_left_out: int


@dataclass
class GroundingStats:
    """Why corpus products did or did not become training pairs, for the ModelVersion's record."""

    considered: int = 0
    kept: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


def facts_of(product: CorpusProduct, attributes: dict[str, str]) -> ProductFacts:
    return ProductFacts(title=product.title, brand=product.brand, category=product.category, attributes=attributes)


def ground(
    product: CorpusProduct, *, target_length: tuple[int, int], mode: str, max_moved: int = 8
) -> Grounded | str:
    """The longest in-order run of the description's sentences within `target_length` whose claims
    the attributes support (with claims moved there in MOVE mode); or why there is none."""
    language = product.language
    low, high = target_length
    attributes = dict(product.attributes)
    budget = max_moved if mode == MOVE else 0
    kept: list[str] = []
    units = 0
    left_out = 0
    for span in sentences(product.description):
        sentence = product.description[span.start : span.end].strip()
        size = len(length_units(sentence, language))
        if not _is_copy(sentence, size, language):
            left_out += 1
            continue
        if units + size > high:
            if units >= low:
                break
            left_out += 1
            continue
        claims = find_unsupported_claims(sentence, facts_of(product, attributes).text())
        if len(claims) > budget:
            left_out += 1
            continue
        for claim in claims:
            key = _MOVED_KEYS[language][claim.kind]
            value = claim.text.strip()
            separator = "、" if language == "zh" else ", "
            if key not in attributes:
                attributes[key] = value
            elif value.lower() not in attributes[key].lower().split(separator):
                attributes[key] = f"{attributes[key]}{separator}{value}"
        budget -= len(claims)
        kept.append(sentence)
        units += size
    if units < low:
        return "too little supported copy"
    text = ("" if language == "zh" else " ").join(kept)
    moved = (max_moved if mode == MOVE else 0) - budget
    return Grounded(product, text, attributes, mode, moved, len(kept), left_out)


def _is_copy(sentence: str, size: int, language: str) -> bool:
    if not _MIN_SENTENCE_UNITS[language] <= size <= _MAX_SENTENCE_UNITS[language]:
        return False
    if _NOT_COPY.search(sentence):
        return False
    letters = sum(ch.isalpha() for ch in sentence)
    if language == "en":
        # Spec dumps and shouting: few lower-case letters, or mostly digits and symbols.
        if letters < 0.6 * len(sentence) or sum(ch.isupper() for ch in sentence) > 0.3 * max(letters, 1):
            return False
        if sentence.rstrip()[-1:] not in ".!" or not sentence[:1].isalnum() or sentence[:1].islower() \
                or ":" in sentence:
            return False
    elif not re.match(r"[\w\u4e00-\u9fff]", sentence) or "：" in sentence:
        return False
    return True


def failed_checks(grounded: Grounded, context: CheckContext) -> list[str]:
    """The checks the target fails (errors only) with its prompt in `context`: none means a usable pair."""
    return [result.name for result in run_checks(grounded.text, context) if result.flags_draft]
