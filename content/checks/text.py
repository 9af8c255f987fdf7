"""Text helpers the checks share: folding, tokens with offsets, sentences, phrase patterns, spans.

Every helper keeps offsets into the original text, so spans can be highlighted as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .base import Span

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RE = re.compile(f"[{CJK_CHARS}]")

# One-to-one replacements only, so offsets stay valid: curly quotes, primes, dashes, odd spaces,
# full-width ASCII letters, digits and a few signs.
_FOLD = {
    **{ord(c): "'" for c in "\u2018\u2019\u201b\u2032\u00b4"},
    **{ord(c): '"' for c in "\u201c\u201d\u201f\u2033\uff02"},
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"},
    **{ord(c): " " for c in "\u00a0\u2007\u202f\u3000"},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF3B)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)},
    0xFF05: "%",
    0xFF0F: "/",
    0xFF0E: ".",
}


def fold(text: str) -> str:
    """Same length as `text`, with typographic variants replaced by their plain form."""
    folded = text.translate(_FOLD)
    assert len(folded) == len(text)
    return folded


def is_cjk(char: str) -> bool:
    return bool(CJK_RE.match(char))


@dataclass(frozen=True)
class Token:
    text: str  # lower-cased
    start: int
    end: int

    @property
    def is_cjk(self) -> bool:
        return is_cjk(self.text[0])


_LATIN = rf"[^\W_{CJK_CHARS}]"
# Words split at hyphens and slashes ("adhesive-backed" -> adhesive, backed); each CJK character is
# a token of its own, as Chinese has no spaces and character n-grams are the usual unit.
_TOKEN_RE = re.compile(rf"{_LATIN}+(?:['\u2019]{_LATIN}+)*|[{CJK_CHARS}]")
# Words as a reader counts them: anything between spaces that has a letter or digit. Whole runs are
# matched first and filtered after: a pattern that looks for the letter inside the run rescans the
# run from every start, which took 3.3 s on 20,000 hyphens.
_RUN_RE = re.compile(rf"[^\s{CJK_CHARS}]+")
_HAS_LATIN = re.compile(_LATIN)


@lru_cache(maxsize=64)
def tokens(text: str) -> tuple[Token, ...]:
    """The text's tokens, lower-cased, with offsets. Kept for the last texts seen: one save runs
    every check over the same draft, facts and prompt, and several checks tokenize each (a
    third of the checks' time before). Tokens are immutable, so callers share them."""
    return tuple(Token(m.group().lower(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text))


def token_texts(text: str) -> list[str]:
    """The texts of `tokens(text)`, several times faster when offsets are not needed."""
    return _TOKEN_RE.findall(text.lower())


def words(text: str) -> list[Token]:
    """Latin-script words as a reader counts them ("4-1/2-Inch" is one), with offsets."""
    runs = _RUN_RE.finditer(text)
    return [Token(m.group().lower(), m.start(), m.end()) for m in runs if _HAS_LATIN.search(m.group())]


def length_units(text: str, language: str) -> list[Token]:
    """What a target length counts: words in English; in Chinese every CJK character plus every
    Latin word or number (a brand or a size counts once, as word processors count 字数)."""
    if language == "zh":
        units = [Token(m.group(), m.start(), m.end()) for m in CJK_RE.finditer(text)]
        units += [w for w in words(text)]
        return sorted(units, key=lambda t: t.start)
    return words(text)


_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"')\]]|$)|[。！？；…]+|\n+")


def sentences(text: str) -> list[Span]:
    """Sentence spans, trimmed of surrounding space. Good enough for product copy; an abbreviation
    such as "e.g." may split a sentence, which only makes repeated-sentence checks stricter."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _append_trimmed(spans, text, start, match.end())
        start = match.end()
    _append_trimmed(spans, text, start, len(text))
    return spans


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def merge_spans(spans: Iterable[Span], text: str | None = None) -> tuple[Span, ...]:
    """Sorted, with overlapping spans joined. With `text`, spans separated only by spaces or
    punctuation are joined too, so one repeated stretch is one highlight, not five."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and (span.start <= merged[-1].end or _only_gap(text, merged[-1].end, span.start)):
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.note or span.note)
        else:
            merged.append(span)
    return tuple(merged)


def _only_gap(text: str | None, start: int, end: int) -> bool:
    if text is None or end - start > 3:
        return False
    return all(not ch.isalnum() and ch not in "\n" for ch in text[start:end])


def token_spans(token_list: Sequence[Token], ranges: Iterable[tuple[int, int]], text: str) -> tuple[Span, ...]:
    """Spans covering tokens[i:j] for each (i, j), merged; j may run past the end (a text shorter
    than one n-gram is one n-gram)."""
    last = len(token_list)
    spans = (Span(token_list[i].start, token_list[min(j, last) - 1].end) for i, j in ranges if min(j, last) > i)
    return merge_spans(spans, text)


@lru_cache(maxsize=2048)
def phrase_regex(phrase: str) -> re.Pattern[str] | None:
    """A case-insensitive pattern for a merchant's word or phrase: whole words only, any run of
    spaces or hyphens between its words, either apostrophe. Chinese matches as a substring."""
    parts = [p for p in re.split(r"[\s\-]+", fold(phrase).strip()) if p]
    if not parts:
        return None
    body = r"[\s\-]+".join(re.escape(p).replace("'", "['\u2019]") for p in parts)
    # Word edges only against Latin letters and digits: "很cheap" still contains "cheap".
    head = "" if is_cjk(parts[0][0]) or not _is_wordish(parts[0][0]) else f"(?<!{_LATIN})"
    tail = "" if is_cjk(parts[-1][-1]) or not _is_wordish(parts[-1][-1]) else f"(?!{_LATIN})"
    return re.compile(head + body + tail, re.IGNORECASE)


def _is_wordish(char: str) -> bool:
    return char.isalnum() or char == "_"


def find_phrase(text: str, phrase: str) -> list[Span]:
    pattern = phrase_regex(phrase)
    if pattern is None:
        return []
    return [Span(m.start(), m.end()) for m in pattern.finditer(fold(text))]


def excerpt(text: str, limit: int = 60) -> str:
    """A one-line quote for a message."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "\u2026"


def quote_list(items: Sequence[str], limit: int = 5) -> str:
    quoted = [f"'{item}'" for item in items[:limit]]
    if len(items) > limit:
        quoted.append(f"{len(items) - limit} more")
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def ngram_ranges(token_list: Sequence[Token], n: int) -> list[tuple[tuple[str, ...], int]]:
    """(n-gram, start index) pairs; a text shorter than n gives one n-gram of all its tokens."""
    texts = [t.text for t in token_list]
    if not texts:
        return []
    if len(texts) < n:
        return [(tuple(texts), 0)]
    return [(tuple(texts[i : i + n]), i) for i in range(len(texts) - n + 1)]
