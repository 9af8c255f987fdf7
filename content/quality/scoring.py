"""Best of n: which of a product's candidate drafts to put forward.

Every candidate is checked like any draft; the score orders them: a candidate that passes every
check (no error) comes before any that does not, then fewer warnings, fewer unsupported claims,
fewer specific details the product data does not give (`specificity`: "for capacitors, inductors
and diodes" of a resistor kit known only by its title), more of the product's own facts
mentioned, and a length nearer the middle of the target. Ties keep the order the candidates were
written in, so the choice is reproducible.

Candidates are written one after another, and the first that is good enough ends the search
(`good_enough`: it passes every check and adds little ungrounded detail): on the yardstick that
keeps best of 4's pass rate and details at about half its machine time (bench/RESULTS.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.checks import CheckResult, ProductFacts, has_errors
from content.checks.text import length_units

from .specificity import specificity

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Points per unit of ungrounded specificity: a draft naming three uses its data does not give
# ("capacitors, inductors, diodes": about 9 units) loses about what one warning and a claim cost.
SPECIFICITY_WEIGHT = 1.0
# A candidate that passes every check and adds at most this much ungrounded specificity (about
# two or three rare words the data does not give) ends best of n: a further candidate rarely beats
# it. Chosen on the yardstick's stored candidates (bench/RESULTS.md, "Best of n that stops early").
GOOD_ENOUGH_DETAILS = 8.0


def candidate_score(
    text: str, results: Sequence[CheckResult], *, facts: ProductFacts, language: str,
    target_length: tuple[int, int] | None,
) -> float:
    errors = sum(result.flags_draft for result in results)
    warnings = sum(not result.passed and not result.flags_draft for result in results)
    claims = sum(len(result.details.get("claims", ())) for result in results if result.name == "unsupported_claims")
    score = (0.0 if errors else 100.0) - 20.0 * errors - 5.0 * warnings - 3.0 * claims
    score += 10.0 * facts_coverage(text, facts)
    score -= SPECIFICITY_WEIGHT * specificity(text, facts)
    if target_length:
        low, high = target_length
        count = len(length_units(text, language))
        middle, half = (low + high) / 2, max((high - low) / 2, 1)
        score -= 2.0 * min(abs(count - middle) / half, 2.0)
    return round(score, 3)


def good_enough(text: str, results: Sequence[CheckResult], *, facts: ProductFacts) -> bool:
    """True when no further candidate is worth writing: the text passes every check (none
    flags it) and invents at most GOOD_ENOUGH_DETAILS of specificity."""
    return bool(text) and not has_errors(results) and specificity(text, facts) <= GOOD_ENOUGH_DETAILS


def facts_coverage(text: str, facts: ProductFacts) -> float:
    """Share of the product's attribute values the text mentions (0 with no attributes): copy
    that uses the facts it was given reads better than copy that only restates the title."""
    values = [str(value) for value in facts.attributes.values() if value not in (None, "", False)]
    if not values:
        return 0.0
    folded = text.lower()
    found = sum(_mentions(folded, value.lower()) for value in values)
    return found / len(values)


def _mentions(text: str, value: str) -> bool:
    words = _WORD.findall(value)
    if not words:
        return False
    if any(ord(ch) > 0x2E80 for ch in value):  # Chinese: the value's characters appear together
        return any(word in text for word in words)
    return all(word in text for word in words)


def ranked(scores: Sequence[float]) -> list[int]:
    """Candidate indices, best first; ties in the order written."""
    return sorted(range(len(scores)), key=lambda index: (-scores[index], index))
