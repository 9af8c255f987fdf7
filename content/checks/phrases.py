"""The brand voice's banned words and required phrases. Swear words are banned in every store
(profanity.py), whatever its brand voice lists."""

from __future__ import annotations

from collections.abc import Iterable

from .base import ERROR, CheckContext, CheckResult, Span
from .profanity import find_profanity
from .text import find_phrase, quote_list


def _distinct(phrases: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for phrase in phrases:
        cleaned = " ".join(phrase.split())
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return list(seen.values())


def check_banned_words(text: str, ctx: CheckContext) -> CheckResult:
    found: dict[str, int] = {}
    spans: list[Span] = []
    for phrase in _distinct(ctx.banned_words):
        hits = find_phrase(text, phrase)
        if hits:
            found[phrase] = len(hits)
            spans += [Span(h.start, h.end, f"banned word '{phrase}'") for h in hits]
    for span in find_profanity(text, facts_text=ctx.facts_text):
        word = text[span.start : span.end]
        found[word] = found.get(word, 0) + 1
        spans.append(span)
    if not found:
        return CheckResult("banned_words", True, "No banned words", (), ERROR)
    # A longer banned phrase and a word inside it may both hit: keep each stretch once.
    spans = _drop_nested(spans)
    listed = [f"{phrase} ({n}\u00d7)" if n > 1 else phrase for phrase, n in found.items()]
    message = f"Uses banned {'words' if len(found) > 1 else 'word'} {quote_list(listed)}"
    return CheckResult("banned_words", False, message, tuple(spans), ERROR, {"found": found})


def _drop_nested(spans: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if kept and span.end <= kept[-1].end:
            continue
        kept.append(span)
    return kept


def check_required_phrases(text: str, ctx: CheckContext) -> CheckResult:
    required = _distinct(ctx.required_phrases)
    missing = [phrase for phrase in required if not find_phrase(text, phrase)]
    if not missing:
        message = "All required phrases present" if required else "No required phrases set"
        return CheckResult("required_phrases", True, message, (), ERROR)
    noun = "phrases" if len(missing) > 1 else "phrase"
    return CheckResult(
        "required_phrases",
        False,
        f"Missing required {noun} {quote_list(missing, limit=10)}",
        (),
        ERROR,
        {"missing": missing},
    )
