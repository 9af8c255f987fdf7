"""Prompt echo: the draft reproduces the prompt instead of answering it.

Two signs: a long stretch of the prompt's words (instructions, a few-shot example) that is not
part of the product's own data, and the prompt's scaffolding labels ("Product:", "Description:")
at the start of a line. Quoting the product title is not echo, because title n-grams are facts.
"""

from __future__ import annotations

import re

from .base import ERROR, CheckContext, CheckResult, Span
from .text import CJK_CHARS, excerpt, merge_spans, ngram_ranges, quote_list, token_spans, tokens

NAME = "prompt_echo"

_LABEL_RE = re.compile(
    rf"^[ \t]*(?:[-*#>]+[ \t]*)?(?P<label>[A-Za-z][A-Za-z &/'-]{{0,28}}[A-Za-z]|[A-Za-z]|[{CJK_CHARS}]{{1,8}})"
    r"[ \t]*[:\uff1a]",
    re.MULTILINE,
)
_MAX_LABEL_WORDS = 3  # "Here are three examples:" is a sentence, not a label

# Labels the expected output itself uses, so a draft may start lines with them.
OUTPUT_LABELS = {
    "description": frozenset(),
    "answer": frozenset(),
    "marketing": frozenset({"subject", "subject line", "headline", "cta", "call to action", "标题", "主题"}),
    "video_script": frozenset(
        {
            "scene",
            "shot",
            "shots",
            "voice over",
            "voiceover",
            "vo",
            "narration",
            "narrator",
            "visual",
            "visuals",
            "audio",
            "music",
            "sound",
            "on screen text",
            "text",
            "caption",
            "captions",
            "duration",
            "cta",
            "call to action",
            "镜头",
            "画面",
            "旁白",
            "场景",
            "字幕",
            "配音",
            "音乐",
            "时长",
        }
    ),
}


def _output_label_regex(content_type: str) -> re.Pattern[str] | None:
    labels = sorted(OUTPUT_LABELS[content_type], key=len, reverse=True)
    if not labels:
        return None
    alternatives = "|".join(r"[\s-]*".join(map(re.escape, label.split())) for label in labels)
    return re.compile(
        rf"^[ \t]*(?:[-*#>]+[ \t]*)?(?:{alternatives})(?:[ \t]*\d+[ \t]*[:\uff1a]?|[ \t]*[:\uff1a])",
        re.IGNORECASE | re.MULTILINE,
    )


_OUTPUT_LABEL_RES = {content_type: _output_label_regex(content_type) for content_type in OUTPUT_LABELS}


def mask_output_labels(text: str, content_type: str) -> str:
    """The text with the labels its format asks for ("Scene 2", "Voice-over:") blanked out, same length:
    a script says "Shot:" in every scene, and that is not repetition."""
    pattern = _OUTPUT_LABEL_RES[content_type]
    return pattern.sub(lambda m: " " * len(m.group()), text) if pattern else text


def _label_key(label: str) -> str:
    return " ".join(re.split(r"[\s\-]+", label.strip().lower()))


def scaffold_labels(prompt: str) -> set[str]:
    labels = set()
    for match in _LABEL_RE.finditer(prompt):
        key = _label_key(match.group("label"))
        if len(key.split()) <= _MAX_LABEL_WORDS:
            labels.add(key)
    return labels


def check_prompt_echo(text: str, ctx: CheckContext) -> CheckResult:
    if not ctx.prompt_text.strip():
        return CheckResult(NAME, True, "No prompt to compare with", (), ERROR)
    stretches = _echoed_stretches(text, ctx)
    label_spans, labels = _echoed_labels(text, ctx)
    if not stretches and not label_spans:
        return CheckResult(NAME, True, "Does not repeat the prompt", (), ERROR)

    parts = []
    if stretches:
        longest = max(stretches, key=lambda s: s.end - s.start)
        parts.append(f"copies the prompt word for word: '{excerpt(text[longest.start : longest.end])}'")
    if labels:
        parts.append(f"repeats the prompt's labels {quote_list([label + ':' for label in labels])}")
    message = "; ".join(parts)
    message = message[0].upper() + message[1:]
    spans = merge_spans([*stretches, *label_spans])
    details = {"stretches": len(stretches), "labels": labels}
    return CheckResult(NAME, False, message, spans, ERROR, details)


def _echoed_stretches(text: str, ctx: CheckContext) -> list[Span]:
    n = ctx.settings.echo_min_words if ctx.language == "en" else ctx.settings.echo_min_chars
    prompt_grams = {gram for gram, _ in ngram_ranges(tokens(ctx.prompt_text), n) if len(gram) == n}
    # The prompt carries the product's own data (title, attributes), however the template lays it
    # out: a stretch made only of the product's words is the data, not an echo.
    fact_words = {t.text for t in tokens(ctx.facts_text)}
    draft = tokens(text)
    ranges = [
        (i, i + n)
        for gram, i in ngram_ranges(draft, n)
        if len(gram) == n and gram in prompt_grams and not fact_words.issuperset(gram)
    ]
    return [Span(s.start, s.end, "copied from the prompt") for s in token_spans(draft, ranges, text)]


def _echoed_labels(text: str, ctx: CheckContext) -> tuple[list[Span], list[str]]:
    # An attribute name ("Material:") in a spec list is content, not scaffolding.
    allowed = OUTPUT_LABELS[ctx.content_type] | {_label_key(str(k)) for k in ctx.facts.attributes}
    labels = scaffold_labels(ctx.prompt_text) - allowed
    prompt_words = " ".join(t.text for t in tokens(ctx.prompt_text))
    spans: list[Span] = []
    found: list[str] = []
    for match in _LABEL_RE.finditer(text):
        key = _label_key(match.group("label"))
        if key not in labels:
            continue
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end == -1 else line_end
        rest = " ".join(t.text for t in tokens(text[match.end() : line_end]))
        # "Product: <the title as the prompt gave it>" is a scaffolding line: mark all of it.
        end = line_end if rest and f" {rest} " in f" {prompt_words} " else match.end()
        while end > match.start("label") and text[end - 1].isspace():
            end -= 1
        spans.append(Span(match.start("label"), end, "prompt scaffolding"))
        if match.group("label").strip() not in found:
            found.append(match.group("label").strip())
    return spans, found
