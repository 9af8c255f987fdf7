"""Length against the brand voice's target: words in English, characters in Chinese."""

from __future__ import annotations

from .base import ERROR, WARNING, CheckContext, CheckResult, Span
from .text import length_units

NAME = "length"


def check_length(text: str, ctx: CheckContext) -> CheckResult:
    units = length_units(text, ctx.language)
    count = len(units)
    unit = "characters" if ctx.language == "zh" else "words"
    counted = f"{count} {unit[:-1] if count == 1 else unit}"
    details = {"count": count, "unit": unit, "target": list(ctx.target_length) if ctx.target_length else None}
    if ctx.target_length is None:
        return CheckResult(NAME, True, f"{counted}; no target length set", (), ERROR, details)
    low, high = ctx.target_length
    if low <= count <= high:
        return CheckResult(NAME, True, f"{counted}, within the target of {low}\u2013{high}", (), ERROR, details)

    # A draft a few words off is close enough to fix by hand: a warning, so it does not flag.
    tolerance = ctx.settings.length_tolerance
    if count < low:
        severity = WARNING if count >= low * (1 - tolerance) else ERROR
        message = f"Too short: {counted}, the target is {low}\u2013{high}"
        return CheckResult(NAME, False, message, (), severity, details)
    severity = WARNING if count <= high * (1 + tolerance) else ERROR
    message = f"Too long: {counted}, the target is {low}\u2013{high}"
    overflow = Span(units[high].start, units[-1].end, f"past the {high}-{unit[:-1]} limit")
    return CheckResult(NAME, False, message, (overflow,), severity, details)
