"""Wrong language: Chinese by script (share of CJK characters), Latin-script languages by their
frequent function words. A brand, a model number or a quoted English title inside Chinese copy is
fine; an English sentence is not."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .base import ERROR, CheckContext, CheckResult, Span
from .stopwords import LANGUAGE_MARKERS, LANGUAGE_NAMES
from .text import CJK_CHARS, Token, excerpt, merge_spans, sentences, tokens

NAME = "language"

# Chinese copy: at least half of its characters-and-Latin-words are Chinese characters (Latin words
# that come from the product data, such as the brand, not counted).
MIN_CJK_SHARE = 0.5
LATIN_RUN_WORDS = 4  # inside Chinese: a Latin stretch this long ...
LATIN_RUN_FOREIGN = 3  # ... with this many words that are not in the product data is a passage
MIN_SENTENCE_WORDS = 4  # shorter sentences carry too few function words to judge
_CJK_BREAK = re.compile(f"[{CJK_CHARS}\uff0c\u3002\uff01\uff1f\uff1b\uff1a\u3001]")
_CJK_RUN = re.compile(rf"[{CJK_CHARS}]+(?:[\s\uff0c\u3002\uff01\uff1f\uff1b\uff1a\u3001\u201c\u201d]*[{CJK_CHARS}]+)*")
_LATIN_WORD = re.compile(rf"[^\W\d_{CJK_CHARS}]+(?:['\u2019-][^\W\d_{CJK_CHARS}]+)*")


def _has_letter(token: Token) -> bool:
    return not token.is_cjk and any(ch.isalpha() for ch in token.text)


def latin_words(text: str, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Lower-cased Latin-script words, hyphenated ones whole ("o-ring", "e-z", not "o", "e"), minus
    `ignore` (the product's own words: a brand "SE" is not the Spanish "se")."""
    found = (m.group().lower() for m in _LATIN_WORD.finditer(text))
    return [w for w in found if w not in ignore]


def marker_scores(word_list: Sequence[str]) -> Counter[str]:
    scores: Counter[str] = Counter()
    for word in word_list:
        for language, markers in LANGUAGE_MARKERS.items():
            if word in markers:
                scores[language] += 1
    return scores


def guess_language(text: str) -> str | None:
    """The text's language ("zh", "en", "es", ...), or None when it gives too little to go on."""
    toks = tokens(text)
    cjk = sum(t.is_cjk for t in toks)
    latin = [t.text for t in toks if _has_letter(t)]
    if cjk + len(latin) == 0:
        return None
    if cjk / (cjk + len(latin)) >= MIN_CJK_SHARE:
        return "zh"
    scores = marker_scores(latin_words(text))
    if not scores:
        return None
    best, hits = scores.most_common(1)[0]
    return best if hits >= 2 else None


def _foreign_sentence(word_list: Sequence[str]) -> str | None:
    if len(word_list) < MIN_SENTENCE_WORDS:
        return None
    scores = marker_scores(word_list)
    english = scores.pop("en", 0)
    if not scores:
        return None
    other, hits = scores.most_common(1)[0]
    if (hits >= 2 and english == 0) or (hits >= 3 and hits >= 2 * english):
        return other
    return None


def check_language(text: str, ctx: CheckContext) -> CheckResult:
    toks = tokens(text)
    cjk = sum(t.is_cjk for t in toks)
    latin = sum(_has_letter(t) for t in toks)
    expected = LANGUAGE_NAMES[ctx.language]
    if cjk + latin < 3:
        return CheckResult(NAME, True, "Too short to tell the language", (), ERROR)
    if ctx.language == "zh":
        # Latin words from the product data (a brand, a model, the English title quoted) are not a
        # sign of the wrong language, so they do not count against the Chinese share.
        fact_words = {t.text for t in tokens(ctx.facts_text)}
        foreign = sum(_has_letter(t) and t.text not in fact_words for t in toks)
        share = cjk / (cjk + foreign) if cjk + foreign else 1.0
        return _check_chinese(text, toks, share, {"cjk_share": round(share, 3)}, fact_words)
    share = cjk / (cjk + latin)
    return _check_latin(text, ctx, share, {"cjk_share": round(share, 3)}, expected)


def _check_chinese(text: str, toks: Sequence[Token], share: float, details: dict, fact_words: set[str]) -> CheckResult:
    passages = [
        run
        for run in _latin_runs(text, toks)
        if len(run) >= LATIN_RUN_WORDS and sum(w.text not in fact_words for w in run) >= LATIN_RUN_FOREIGN
    ]
    spans = [Span(run[0].start, run[-1].end, "not in Chinese") for run in passages]
    if share < MIN_CJK_SHARE:
        guessed = guess_language(text)
        looks = f"; it reads as {LANGUAGE_NAMES[guessed]}" if guessed and guessed != "zh" else ""
        message = f"Expected Chinese, but only {share:.0%} of the text is Chinese{looks}"
        if not spans:
            spans = [Span(toks[0].start, toks[-1].end, "not in Chinese")]
        return CheckResult(NAME, False, message, merge_spans(spans), ERROR, details)
    if spans:
        first = text[spans[0].start : spans[0].end]
        count = "a passage" if len(spans) == 1 else f"{len(spans)} passages"
        message = f"Expected Chinese, but {count} in another language: '{excerpt(first)}'"
        return CheckResult(NAME, False, message, merge_spans(spans), ERROR, details)
    return CheckResult(NAME, True, "Chinese", (), ERROR, details)


def _latin_runs(text: str, toks: Sequence[Token]) -> list[list[Token]]:
    """Stretches of Latin-script words not interrupted by Chinese characters or punctuation."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    previous_end = None
    for token in toks:
        if token.is_cjk or (previous_end is not None and _CJK_BREAK.search(text, previous_end, token.start)):
            if current:
                runs.append(current)
            current = []
        if not token.is_cjk:
            current.append(token)
        previous_end = token.end
    if current:
        runs.append(current)
    return [[t for t in run if _has_letter(t)] for run in runs if any(_has_letter(t) for t in run)]


def _check_latin(text: str, ctx: CheckContext, share: float, details: dict, expected: str) -> CheckResult:
    facts = ctx.facts_text
    chinese = [
        Span(m.start(), m.end(), "not in English")
        for m in _CJK_RUN.finditer(text)
        if len(m.group()) >= 2 and m.group() not in facts
    ]
    if share >= MIN_CJK_SHARE:
        message = f"Expected {expected}, but the text is mostly Chinese"
        return CheckResult(NAME, False, message, merge_spans(chinese), ERROR, details)

    # Judge the whole text first: a French draft has short sentences ("Elle est imperméable.") that
    # give too few function words on their own; then, sentence by sentence, a stray Spanish one.
    own_words = frozenset(latin_words(facts))
    whole = _foreign_sentence(latin_words(text, own_words))
    foreign: Counter[str] = Counter()
    spans = list(chinese)
    for sentence in sentences(text):
        word_list = latin_words(text[sentence.start : sentence.end], own_words)
        language = _foreign_sentence(word_list) or (whole and _leans(word_list, whole))
        if language:
            foreign[language] += 1
            spans.append(Span(sentence.start, sentence.end, f"reads as {LANGUAGE_NAMES[language]}"))
    details["foreign_sentences"] = dict(foreign)
    if not spans:
        return CheckResult(NAME, True, expected, (), ERROR, details)
    first = min(spans)
    quote = f": '{excerpt(text[first.start : first.end])}'"
    if whole and sum(s.end - s.start for s in spans) * 2 > len(text.strip()):
        message = f"Expected {expected}, but the text reads as {LANGUAGE_NAMES[whole]}"
    elif foreign:
        count = sum(foreign.values())
        noun = "a sentence reads" if count == 1 else f"{count} sentences read"
        message = f"Expected {expected}, but {noun} as {LANGUAGE_NAMES[foreign.most_common(1)[0][0]]}{quote}"
    else:
        message = f"Expected {expected}, but it contains Chinese text{quote}"
    return CheckResult(NAME, False, message, merge_spans(spans), ERROR, details)


def _leans(word_list: Sequence[str], language: str) -> str | None:
    scores = marker_scores(word_list)
    return language if scores[language] > scores["en"] else None
