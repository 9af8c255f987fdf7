"""Unsupported claims: facts in the draft that the product data does not give.

The product data is the title, brand, category, attributes, the merchant's description and, for
answers and campaigns, the text they are grounded in (`extra_facts_text`). A claim is a number with
a unit, a material, a country of origin, a certification or a feature word. Measured with the
default model: it wrote "Made in Italy" and "3000 DPI" for products whose data says neither.

To keep merchants' trust the check stays quiet where a claim is not really made: numbers without a
unit ("2 coats"), negations ("not waterproof"), and materials named as what the product works on
("bonds wood, metal and glass") rather than what it is made of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .base import ERROR, WARNING, CheckContext, CheckResult, Span
from .lexicon import (
    CERTIFICATION,
    CODED_CERTIFICATIONS,
    COUNTRY_MENTIONS,
    FEATURE,
    MATERIAL,
    ORIGIN,
    TERMS,
    TERMS_BY_KEY,
)
from .quantities import FactQuantities, Quantity, find_quantities
from .text import fold, quote_list, sentences

NAME = "unsupported_claims"
QUANTITY = "quantity"


@dataclass(frozen=True)
class Mention:
    key: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Claim:
    kind: str
    key: str
    span: Span
    text: str
    severity: str
    note: str


# --- finding mentions -------------------------------------------------------------------------------


def term_mentions(text: str) -> list[Mention]:
    """Every lexicon match, overlapping ones included."""
    folded = fold(text)
    lowered = folded.lower()
    found = [Mention(term.key, term.kind, m.start(), m.end()) for term in TERMS for m in term.finditer(folded, lowered)]
    for name, coded, generic in CODED_CERTIFICATIONS:
        if name not in lowered:
            continue
        for m in coded.finditer(folded):
            found.append(Mention(f"{name}:{m['code'].upper()}", CERTIFICATION, m.start(), m.end()))
        if generic is not None:
            found += [Mention(name, CERTIFICATION, m.start(), m.end()) for m in generic.finditer(folded)]
    return [m for m in found if m.end > m.start]


def _longest_first(mentions: list[Mention]) -> list[Mention]:
    """ "stainless steel" rather than "steel" inside it; "latex-free" rather than "latex"."""
    kept: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


_CLAUSE_END = re.compile(r"[.!?;:\n\u3002\uff01\uff1f\uff1b\uff1a]")
_NEGATION_END = re.compile(r"[.!?;:,\n\u3002\uff01\uff1f\uff1b\uff1a\uff0c\u3001]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# "non-" too: "Non-Latex" says there is no latex.
_NEGATORS = frozenset(
    """
    not no never without isn't aren't wasn't weren't doesn't don't cannot can't nor neither lacks non non-
    """.split()
)
_ZH_NEGATION = re.compile(r"(?:不|非|无|未|没有?|并非|不是|不含有?|不带|不使用|无需)\s*$")

# Words that, nearest before a material, say it is what the product works on, or what it is made of.
_APPLICATION = frozenset(
    """
    for on onto to into through cut cuts cutting bond bonds bonding glue glues gluing sand sands sanding
    grind grinds grinding drill drills drilling polish polishes polishing clean cleans cleaning seal seals
    sealing repair repairs repairing join joins joining fix fixes fixing attach attaches attaching adheres
    sticks like surfaces materials works ideal perfect suitable compatible between against
    remove removes removing mark marks marking engrave engraving weld welds welding solder soldering paint
    painting protect protects protecting shape shaping finish finishing deburr deburring fasten fastens
    fastening mount mounting mend mends patch patches than unlike versus vs replaces instead under beneath
    over around inside behind
    """.split()
)
_COMPOSITION = frozenset(
    """
    made crafted constructed built forged molded moulded cast machined composed consisting consists features
    featuring solid pure genuine real premium durable sturdy quality its construction
    """.split()
)
_COMPOSITION_AFTER = re.compile(
    r"^[\s-]*(?:construction|body|housing|frame|blade|blades|handle|handles|shell|case|casing|jaws|bristles)\b"
    r"|^\s*(?:材质|制成|制造|打造|材料)",
    re.IGNORECASE,
)
_ZH_APPLICATION = re.compile(r"适用于|可用于|用于|适合|粘接|粘合|粘|打磨|切割|钻孔|抛光|清洁|修补|焊接|比")
_ZH_COMPOSITION = re.compile(r"采用|选用|精选|由|材质|制成")
_LOOK_BACK_WORDS = 8


def _clause_before(text: str, start: int, ends: re.Pattern[str] = _CLAUSE_END) -> str:
    window = text[max(0, start - 80) : start]
    return window[max((m.end() for m in ends.finditer(window)), default=0) :]


def _negated(text: str, mention: Mention) -> bool:
    # A negation reaches to the next comma: "No Mess, Non-Toxic" (a real title) says non-toxic.
    before = _clause_before(text, mention.start, _NEGATION_END)
    if _ZH_NEGATION.search(before):
        return True
    last_words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(before)][-3:]
    for i, word in enumerate(last_words):
        not_only = word == "not" and i + 1 < len(last_words) and last_words[i + 1] in ("only", "just")
        if word in _NEGATORS and not not_only:
            return True
    return False


def _names_a_use(text: str, mention: Mention) -> bool:
    """True when a material is what the product works on ("sands wood and metal")."""
    if _COMPOSITION_AFTER.search(text[mention.end : mention.end + 20]):
        return False
    before = _clause_before(text, mention.start)
    for word in reversed(_WORD.findall(before)[-_LOOK_BACK_WORDS:]):
        word = word.lower()
        if word in _COMPOSITION:
            return False
        if word in _APPLICATION:
            return True
    zh_before = before[-12:]
    application = [m.end() for m in _ZH_APPLICATION.finditer(zh_before)]
    composition = [m.end() for m in _ZH_COMPOSITION.finditer(zh_before)]
    return bool(application) and (not composition or application[-1] > composition[-1])


def _free_of(text: str, mention: Mention) -> bool:
    return bool(re.match(r"[\s-]*free\b", text[mention.end : mention.end + 8], re.IGNORECASE))


def draft_mentions(text: str) -> list[Mention]:
    kept = []
    for mention in _longest_first(term_mentions(text)):
        if _negated(text, mention):
            continue
        if mention.kind == MATERIAL and (_names_a_use(text, mention) or _free_of(text, mention)):
            continue
        kept.append(mention)
    return kept


# --- what the facts support ------------------------------------------------------------------------


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

    @classmethod
    def from_text(cls, text: str) -> Facts:
        text = without_questions(text)
        keys, materials = set(), []
        for mention in term_mentions(text):
            if _negated(text, mention) or (mention.kind == MATERIAL and _free_of(text, mention)):
                continue
            keys.add(mention.key)
            if ":" in mention.key:
                keys.add(mention.key.split(":")[0])
            if mention.kind == MATERIAL:
                written = text[mention.start : mention.end]
                if written.lower() not in (m.lower() for m in materials):
                    materials.append(written)
        folded = fold(text)
        lowered = folded.lower()
        countries = {term.key for term in COUNTRY_MENTIONS if next(term.finditer(folded, lowered), None)}
        return cls(frozenset(keys), frozenset(countries), FactQuantities.from_text(text), tuple(materials))

    def supports(self, mention: Mention) -> bool:
        if mention.kind == ORIGIN:
            return mention.key in self.countries
        if mention.key in self.keys:
            return True
        term = TERMS_BY_KEY.get(mention.key)
        return bool(term and term.implied_by & self.keys)


# --- the check ---------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def facts_from_text(text: str) -> Facts:
    # Variants of one product, and every save of a draft, share the same facts.
    return Facts.from_text(text)


def find_unsupported_claims(text: str, facts_text: str) -> list[Claim]:
    facts = facts_from_text(facts_text)
    claims = [_term_claim(text, m, facts) for m in draft_mentions(text) if not facts.supports(m)]
    seen_spans: set[Span] = set()
    for quantity in find_quantities(text, include_unknown=True):
        if quantity.span in seen_spans or _obviously_true(quantity) or facts.quantities.supports(quantity):
            continue
        seen_spans.add(quantity.span)
        claims.append(_quantity_claim(quantity, facts))
    # A number inside a claimed phrase ("2-year" in "2-year warranty") is one highlight, not two.
    claims.sort(key=lambda c: (c.span.start, -c.span.end))
    merged: list[Claim] = []
    for claim in claims:
        if merged and claim.span.start < merged[-1].span.end:
            continue
        merged.append(claim)
    return merged


def _obviously_true(quantity: Quantity) -> bool:
    # "1 pack": one item is what a listing sells unless it says otherwise.
    return quantity.unit is not None and quantity.unit.dimension == "count" and quantity.value == 1


def _term_claim(text: str, mention: Mention, facts: Facts) -> Claim:
    said = text[mention.start : mention.end]
    if mention.kind == ORIGIN:
        other = sorted(facts.countries)
        tail = f"names {', '.join(other)}" if other else "names no origin"
    elif mention.kind == MATERIAL:
        tail = f"names {quote_list(list(facts.materials), limit=3)}" if facts.materials else "names no such material"
    elif mention.kind == CERTIFICATION:
        tail = "mentions no such certification"
    else:
        assert mention.kind == FEATURE
        tail = "does not say so"
    note = f"Says '{said}' but the product data {tail}"
    return Claim(mention.kind, mention.key, Span(mention.start, mention.end, note), said, ERROR, note)


def _quantity_claim(quantity: Quantity, facts: Facts) -> Claim:
    if quantity.unit is None:
        note = f"Says '{quantity.text}' but the product data has no such number"
        key = f"{quantity.value:g} {quantity.unit_text}"
        return Claim(QUANTITY, key, Span(quantity.span.start, quantity.span.end, note), quantity.text, WARNING, note)
    known = [q.text for q in facts.quantities.same_dimension(quantity)]
    known = list(dict.fromkeys(known))
    tail = f"gives {quote_list(known, limit=3)}" if known else "has no such figure"
    note = f"Says '{quantity.text}' but the product data {tail}"
    key = f"{quantity.value:g} {quantity.unit.symbol}"
    return Claim(QUANTITY, key, Span(quantity.span.start, quantity.span.end, note), quantity.text, ERROR, note)


def check_unsupported_claims(text: str, ctx: CheckContext) -> CheckResult:
    claims = find_unsupported_claims(text, ctx.facts_text)
    if not claims:
        return CheckResult(NAME, True, "Every claim is backed by the product data", (), ERROR)
    severity = ERROR if any(c.severity == ERROR for c in claims) else WARNING
    distinct = list(dict.fromkeys(c.text for c in claims))
    if len(distinct) == 1:
        message = claims[0].note
    else:
        message = f"{len(distinct)} claims not in the product data: {quote_list(distinct)}"
    details = {"claims": [{"kind": c.kind, "key": c.key, "text": c.text, "severity": c.severity} for c in claims]}
    return CheckResult(NAME, False, message, tuple(c.span for c in claims), severity, details)
