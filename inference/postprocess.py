"""Clean-up of raw model output. Pure functions over strings, applied to every result.

Model output is untrusted text: templates escape it when rendering, so nothing here
sanitises HTML for safety. Markup the model copies from web text it was trained on
("converts your signal from <b>USB</b>", "**Durable**", "&amp;") is taken out all the
same: a draft is plain text, and a reviewer would otherwise have to delete it by hand.
What this module guarantees is that odd input (lone surrogates, control characters,
half a multi-byte character at a cut) never raises.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

# A Western sentence ends with . ! ? or … (plus closing quotes or brackets) before
# whitespace or the end; requiring the whitespace keeps "3.5 kg" and "e.g.x" whole.
# A Chinese sentence ends with 。！？ and needs no space after it. A line break
# also ends a sentence, so headings and script lines ("Shot: close-up") survive.
_SENTENCE_END = re.compile(
    r"""(?:[.!?…]+["'”’»)\]]*(?=\s|$)|[。！？]+[”’」』）)"']*)[ \t]*|\n+""",
)
_LABEL_ENDINGS = (":", "：")
_MIN_ECHO_CHARS = 8
_MIN_REPEAT_WEIGHT = 6
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_NOT_WORD = re.compile(r"[\W_]+")
# HTML tags by name, so that "<5 mm" or "a <b> c" written as text stays (the tag needs its ">").
# Block tags part words; inline ones wrap them.
_BLOCK_TAGS = "br|p|div|li|ul|ol|h[1-6]|tr|td|table"
_INLINE_TAGS = "b|i|u|em|strong|span|font|small|big|sup|sub|a|mark"
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS})\b[^<>]*?/?>", re.IGNORECASE)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})\b[^<>]*?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{1,6}|#[xX][0-9A-Fa-f]{1,6});")
# Markdown emphasis around words: **word**, __word__ (single * and _ are left: "5 * 10").
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_SPACE_RUNS = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+(?=[.,;:!?])")


@dataclass(frozen=True)
class Segment:
    text: str
    complete: bool


def clean_completion(raw_text: str, *, prompt: str, stop: Iterable[str] = (), truncated: bool = False) -> str:
    """The text a reviewer sees: echo stripped, cut at a stop, repeats dropped.

    The unfinished last sentence is cut only when generation ran out of tokens
    (`truncated`): a completion that ended on EOS or a stop sequence is finished even
    when its last line has no full stop, e.g. a bullet or a video-script shot line.
    """
    text = sanitize_text(raw_text)
    text = strip_prompt_echo(text, prompt=sanitize_text(prompt))
    text = cut_at_stop(text, stop=stop)
    text = strip_markup(text)
    if truncated:
        text = cut_unfinished_sentence(text)
    text = drop_repeated_sentences(text)
    return trim_whitespace(text)


def sanitize_text(text: str) -> str:
    """Drop what cannot be stored or shown: lone surrogates, control characters, U+FFFD at the end.

    A token limit can cut a multi-byte character in half; the tokenizer then decodes
    the stump as U+FFFD, which belongs to nothing the model meant to write.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARS.sub("", text)
    return text.rstrip("\ufffd")


def strip_markup(text: str) -> str:
    """Plain text from text with HTML tags, HTML entities or Markdown emphasis in it.

    Only known tag names go, and only whole tags ("<b>", "</span>", "<br/>"); the words they
    wrap stay. Entities are decoded ("&amp;" is "&"). Text without markup comes back unchanged.
    """
    if "<" not in text and "&" not in text and "**" not in text and "__" not in text:
        return text
    stripped = _BLOCK_TAG.sub(" ", text)
    stripped = _INLINE_TAG.sub("", stripped)
    stripped = _ENTITY.sub(lambda match: html.unescape(match.group()), stripped)
    stripped = _MARKDOWN_EMPHASIS.sub(r"\2", stripped)
    if stripped == text:
        return text
    stripped = _SPACE_BEFORE_PUNCTUATION.sub("", _SPACE_RUNS.sub(" ", stripped.replace("\xa0", " ")))
    return stripped


def cut_at_stop(text: str, *, stop: Iterable[str]) -> str:
    """Cut at the earliest stop sequence; generation checks token by token, so text may run past it.

    Leading whitespace is not searched: a completion that opens with a blank line
    before its first word has not yet stopped.
    """
    start = len(text) - len(text.lstrip())
    positions = [text.find(sequence, start) for sequence in stop if sequence]
    hits = [position for position in positions if position >= 0]
    return text[: min(hits)] if hits else text


def strip_prompt_echo(text: str, *, prompt: str) -> str:
    """Remove a leading repeat of the prompt or of its last lines.

    Small base models often restart by copying the end of the prompt ("Product: ...\\n
    Description: ..."). The last echoed line may be a label that the completion then
    continues ("Description: A light shoe"), so a label may match as a prefix.
    """
    prompt_lines = [line.strip() for line in prompt.splitlines() if line.strip()]
    text_lines = _stripped_lines_with_offsets(text)
    for count in range(min(len(prompt_lines), len(text_lines)), 0, -1):
        cut = _echo_end(prompt_lines[-count:], text_lines[:count])
        if cut is not None:
            return text[cut:]
    return text


def split_sentences(text: str) -> list[Segment]:
    """Split into sentences whose concatenation is exactly `text`."""
    segments = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        segments.append(Segment(text[position : match.end()], complete=True))
        position = match.end()
    if position < len(text):
        segments.append(Segment(text[position:], complete=False))
    return segments


def cut_unfinished_sentence(text: str) -> str:
    """Drop a trailing sentence without an ending, unless it is all there is."""
    segments = split_sentences(text.rstrip())
    if len(segments) < 2 or segments[-1].complete:
        return text
    kept = "".join(segment.text for segment in segments[:-1])
    return kept if kept.strip() else text


def drop_repeated_sentences(text: str) -> str:
    """Keep the first occurrence of each sentence; compare case-, space- and punctuation-blind.

    Labels ("Voice-over:") and very short pieces ("Yes.") may repeat: scripts and
    answers use them on purpose.
    """
    seen: set[str] = set()
    kept = []
    for segment in split_sentences(text):
        key = _NOT_WORD.sub("", segment.text.casefold())
        is_label = segment.text.strip().endswith(_LABEL_ENDINGS)
        if not is_label and _weight(key) >= _MIN_REPEAT_WEIGHT:
            if key in seen:
                continue
            seen.add(key)
        kept.append(segment.text)
    return "".join(kept)


def trim_whitespace(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _weight(key: str) -> int:
    # A CJK character carries about as much as a short English word.
    return sum(2 if ord(character) >= 0x2E80 else 1 for character in key)


def _stripped_lines_with_offsets(text: str) -> list[tuple[str, int]]:
    """Non-blank lines, stripped, each with the offset where its content starts."""
    result = []
    offset = 0
    for line in text.splitlines(keepends=True):
        content = line.strip()
        if content:
            result.append((content, offset + len(line) - len(line.lstrip())))
        offset += len(line)
    return result


def _echo_end(prompt_tail: list[str], text_head: list[tuple[str, int]]) -> int | None:
    """Offset just after the echo if `text_head` repeats `prompt_tail`, else None."""
    for expected, (actual, _) in zip(prompt_tail[:-1], text_head[:-1], strict=True):
        if expected != actual:
            return None
    last_expected = prompt_tail[-1]
    last_actual, last_start = text_head[-1]
    echoed_chars = sum(len(line) for line in prompt_tail)
    if echoed_chars < _MIN_ECHO_CHARS:
        return None
    if last_actual == last_expected:
        return last_start + len(last_actual)
    # Only a label may be continued on the same line; "The best" followed by
    # "The best mouse ever" is the model writing, not echoing.
    if last_expected.endswith(_LABEL_ENDINGS) and last_actual.startswith(last_expected):
        return last_start + len(last_expected)
    return None
