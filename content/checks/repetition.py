"""Repetition: the share of the text that repeats earlier word n-grams, and sentences said twice.

Small models loop ("This glue is strong. This glue is strong."); people rarely do. The share
counts the words inside the second and later occurrences of an n-gram, so the highlight shows
exactly what a reviewer would delete.
"""

from __future__ import annotations

from .base import ERROR, CheckContext, CheckResult, Span
from .echo import mask_output_labels
from .stopwords import ENGLISH_FUNCTION_WORDS
from .text import excerpt, merge_spans, ngram_ranges, sentences, token_spans, tokens

NAME = "repetition"
NGRAM = {"en": 3, "zh": 5}  # words in English, characters in Chinese (about three words)
MIN_TOKENS = 12  # below this a single repeated phrase is too large a share to mean anything
MIN_SENTENCE_TOKENS = {"en": 4, "zh": 6}  # "Great value." twice is not worth a flag


def repeated_ranges(text: str, language: str) -> tuple[list[tuple[int, int]], int]:
    """Token ranges of the second and later occurrences of each n-gram, and the token count."""
    toks = tokens(text)
    n = NGRAM[language]
    if len(toks) < max(n, MIN_TOKENS):
        return [], len(toks)
    first: dict[tuple[str, ...], int] = {}
    ranges: list[tuple[int, int]] = []
    for gram, i in ngram_ranges(toks, n):
        if language == "en" and all(word in ENGLISH_FUNCTION_WORDS for word in gram):
            continue
        if gram in first:
            ranges.append((i, i + n))
        else:
            first[gram] = i
    return ranges, len(toks)


def check_repetition(text: str, ctx: CheckContext) -> CheckResult:
    text = mask_output_labels(text, ctx.content_type)  # same length: spans stay valid
    ranges, total = repeated_ranges(text, ctx.language)
    covered = {i for start, end in ranges for i in range(start, end)}
    share = len(covered) / total if total else 0.0
    limit = ctx.settings.repetition_share

    repeated_sentences = _repeated_sentences(text, ctx.language)
    details = {"share": round(share, 3), "limit": limit, "repeated_sentences": len(repeated_sentences)}
    parts: list[str] = []
    spans: list[Span] = []
    if share > limit:
        parts.append(f"{share:.0%} of the text repeats earlier phrases (limit {limit:.0%})")
        spans += [Span(s.start, s.end, "repeats an earlier phrase") for s in token_spans(tokens(text), ranges, text)]
    if repeated_sentences:
        first = excerpt(text[repeated_sentences[0].start : repeated_sentences[0].end])
        if len(repeated_sentences) == 1:
            parts.append(f"a sentence appears twice: '{first}'")
        else:
            parts.append(f"{len(repeated_sentences)} sentences appear again, e.g. '{first}'")
        spans += [Span(s.start, s.end, "repeats an earlier sentence") for s in repeated_sentences]
    if not parts:
        return CheckResult(NAME, True, f"No repetition ({share:.0%} repeated phrases)", (), ERROR, details)
    message = "Repeats itself: " + "; ".join(parts)
    return CheckResult(NAME, False, message, merge_spans(spans), ERROR, details)


def _repeated_sentences(text: str, language: str) -> list[Span]:
    seen: set[tuple[str, ...]] = set()
    repeats: list[Span] = []
    for span in sentences(text):
        key = tuple(t.text for t in tokens(text[span.start : span.end]))
        if len(key) < MIN_SENTENCE_TOKENS[language]:
            continue
        if key in seen:
            repeats.append(span)
        seen.add(key)
    return repeats
