"""Unsupported claims: facts in the draft that the product data does not give.

The product data is the title, brand, category, attributes, the merchant's description and, for
answers and campaigns, the text they are grounded in (`extra_facts_text`). What can be checked is
flagged unless the data gives it, whatever its words (measured with the default model: it wrote
"Made in Italy" and "3000 DPI" for products whose data says neither):

- a number with the word after it as its unit, whatever that word is ("500 sheets", "20 LED", "3颗");
- an acronym, proper noun or code: a standard, certification, origin, technology or model;
- a compound modifier: X-free, X-proof, X-resistant, X-certified, X-compatible, non-X, 防X, 抗X;
- a material or feature phrase, judged by its head noun and its qualifier ("recycled paper");
- the lexicon's materials, origins, certifications and features (lexicon.py), which also tie a
  Chinese draft's 防水 to English data saying "Waterproof".

Equivalent forms are support: number words and digits ("twelve pens" and "12-Count"), any spelling
of a unit (12.5-inch, 12.5 inches, 12.5"; 1/2" and half-inch), word forms ("pencil", "Pencils"),
and hyphens or spaces ("acid free", "Acid-Free", "free of acid"). A unit conversion the draft adds
("12 in (30.5 cm)") is support too, within 3%: it restates the same fact for readers of the other
system, and a wrong conversion (30 cm for 12 in is 1.6% off, 25 cm is not) is still caught.

To keep merchants' trust the check stays quiet where no claim is made: numbers without a unit ("2
coats", "step 1", "3-in-1"), negations ("not waterproof", "不含"), materials named as what the
product works on ("bonds wood, metal and glass"), praise ("smooth", "hassle-free", "独特设计").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..base import ERROR, CheckContext, CheckResult, Span
from ..lexicon import CERTIFICATION, FEATURE, MATERIAL, ORIGIN
from ..quantities import Quantity, find_quantities
from ..text import CJK_RE, fold, quote_list
from .chinese import chinese_candidates
from .english import Candidate, compound_supported, country_keys, english_candidates
from .facts import Facts, facts_from_text
from .kinds import COMPOUND, LABELS, QUANTITY
from .kinds import NAME as NAME_KIND
from .terms import Mention, draft_mentions, names_a_use, negated

NAME = "unsupported_claims"  # the stored check name


@dataclass(frozen=True)
class Claim:
    kind: str
    key: str
    span: Span
    text: str
    severity: str
    note: str


def find_unsupported_claims(text: str, facts_text: str) -> list[Claim]:
    facts = facts_from_text(facts_text)
    folded = fold(text)
    mentions = draft_mentions(text)
    supported_ranges = [(m.start, m.end) for m in mentions if facts.supports(m)]
    claims = [_term_claim(text, m, facts) for m in mentions if not facts.supports(m)]

    taken = bytearray(len(text))
    for quantity in find_quantities(text, include_unknown=True):
        taken[quantity.span.start : quantity.span.end] = b"\x01" * (quantity.span.end - quantity.span.start)
        if _obviously_true(quantity) or negated(text, quantity.span.start) or facts.quantities.supports(quantity):
            continue
        claims.append(_quantity_claim(quantity, facts))

    candidates = english_candidates(folded, taken)
    if CJK_RE.search(facts.lowered):
        # Chinese claims are judged against Chinese data; against English data only the lexicon's
        # shared keys and the numbers can tell, so the open vocabulary would flag every restatement.
        candidates += chinese_candidates(folded, taken)
    flagged = [(c.span.start, c.span.end) for c in claims]
    for candidate in candidates:
        if _quiet(text, candidate) or _supported(text, candidate, facts, supported_ranges):
            continue
        if _already_flagged(text, candidate, facts, flagged):
            continue
        claims.append(_candidate_claim(text, candidate, facts))
    return _one_per_stretch(claims)


def _one_per_stretch(claims: list[Claim]) -> list[Claim]:
    # "2-year" inside "2-year warranty", or "steel" inside "recycled steel": one highlight, the longest.
    claims.sort(key=lambda c: (c.span.start, -c.span.end))
    merged: list[Claim] = []
    for claim in claims:
        if merged and claim.span.start < merged[-1].span.end:
            continue
        merged.append(claim)
    return merged


def _quiet(text: str, candidate: Candidate) -> bool:
    if negated(text, candidate.start):
        return True
    head = candidate.head if candidate.head >= 0 else candidate.start
    return candidate.kind == MATERIAL and names_a_use(text, head, candidate.end)


def _already_flagged(text: str, candidate: Candidate, facts: Facts, flagged: list[tuple[int, int]]) -> bool:
    """A phrase whose only unknown words the lexicon already flagged ("hypoallergenic paper"): the
    lexicon's claim, with its sharper reason, is the one shown."""
    unknown = [(s, e) for s, e in candidate.words if not _known(text, s, e, facts)]
    return bool(unknown) and all(any(fs <= s and e <= fe for fs, fe in flagged) for s, e in unknown)


def _supported(text: str, candidate: Candidate, facts: Facts, ranges: list[tuple[int, int]]) -> bool:
    def covered(start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in ranges)

    if candidate.kind == ORIGIN and country_keys(text[candidate.start : candidate.end]) & facts.countries:
        return True
    if candidate.compound is not None:
        return compound_supported(candidate.compound, facts.compounds) or all(covered(*w) for w in candidate.words)
    return all(_known(text, s, e, facts) or covered(s, e) for s, e in candidate.words)


def _known(text: str, start: int, end: int, facts: Facts) -> bool:
    if text[start:end].isascii():
        return facts.knows(text[start:end])
    return facts.knows(text[start:end]) or facts.knows_chinese(text, start, end)


def _obviously_true(quantity: Quantity) -> bool:
    # "1 pack", "1 pen": one item is what a listing sells unless it says otherwise.
    counted = quantity.unit is None or quantity.unit.dimension == "count"
    return counted and quantity.value == 1


# --- flag reasons: the kind of claim, and what the data says instead -----------------------------------


def _note(kind: str, said: str, tail: str) -> str:
    return f"{LABELS[kind]} '{said}' is not in the product data, which {tail}"


def _term_claim(text: str, mention: Mention, facts: Facts) -> Claim:
    said = text[mention.start : mention.end]
    if mention.kind == ORIGIN:
        other = sorted(facts.countries)
        tail = f"names {', '.join(other)}" if other else "names no origin"
    elif mention.kind == MATERIAL:
        tail = f"names {quote_list(list(facts.materials), limit=3)}" if facts.materials else "names no such material"
    elif mention.kind == CERTIFICATION:
        tail = _names_tail(facts, "certification")
    else:
        assert mention.kind == FEATURE
        tail = "does not say so"
    note = _note(mention.kind, said, tail)
    return Claim(mention.kind, mention.key, Span(mention.start, mention.end, note), said, ERROR, note)


def _names_tail(facts: Facts, what: str) -> str:
    return f"names {quote_list(list(facts.names), limit=3)}" if facts.names else f"names no {what}"


def _candidate_claim(text: str, candidate: Candidate, facts: Facts) -> Claim:
    said = text[candidate.start : candidate.end]
    if candidate.kind == ORIGIN:
        tail = f"names {', '.join(sorted(facts.countries))}" if facts.countries else "names no origin"
    elif candidate.kind in (NAME_KIND, CERTIFICATION):
        tail = _names_tail(facts, "such name" if candidate.kind == NAME_KIND else "certification")
    elif candidate.kind == COMPOUND:
        tail = f"says {quote_list(list(facts.compound_texts), limit=3)}" if facts.compound_texts else "does not say so"
    elif candidate.kind == MATERIAL:
        tail = f"names {quote_list(list(facts.materials), limit=3)}" if facts.materials else "names no such material"
    else:
        tail = "does not say so"
    note = _note(candidate.kind, said, tail)
    key = re.sub(r"\s+", " ", said.lower())
    return Claim(candidate.kind, key, Span(candidate.start, candidate.end, note), said, ERROR, note)


def _quantity_claim(quantity: Quantity, facts: Facts) -> Claim:
    known = list(dict.fromkeys(q.text for q in facts.quantities.same_dimension(quantity)))
    tail = f"gives {quote_list(known, limit=3)}" if known else "has no such figure"
    code = quantity.unit is None and re.fullmatch(r"[\d.]+[A-Za-z]+", quantity.text)
    kind = NAME_KIND if code else QUANTITY
    note = _note(kind, quantity.text, tail)
    unit = quantity.unit.symbol if quantity.unit else quantity.unit_text
    key = f"{quantity.value:g} {unit}"
    return Claim(kind, key, Span(quantity.span.start, quantity.span.end, note), quantity.text, ERROR, note)


def check_unsupported_claims(text: str, ctx: CheckContext) -> CheckResult:
    claims = find_unsupported_claims(text, ctx.facts_text)
    if not claims:
        return CheckResult(NAME, True, "Every claim is backed by the product data", (), ERROR)
    distinct = list(dict.fromkeys(c.text for c in claims))
    if len(distinct) == 1:
        message = claims[0].note
    else:
        message = f"{len(distinct)} claims not in the product data: {quote_list(distinct)}"
    details = {"claims": [{"kind": c.kind, "key": c.key, "text": c.text, "severity": c.severity} for c in claims]}
    return CheckResult(NAME, False, message, tuple(c.span for c in claims), ERROR, details)
