"""Fit a rendered prompt into the model's context by trimming named sections.

The content app renders a template from values such as title, attributes and
examples. When the result is too long, it trims the values it can afford to lose
(attributes first, then examples) and records on the draft that it did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .errors import PromptTooLong

Render = Callable[[Mapping[str, str]], str]
CountTokens = Callable[[str], int]

# Where a trimmed value may end, best first: a line break, a list separator, a space.
_BREAK_POINTS = (re.compile(r"\n"), re.compile(r"[,;，；、]"), re.compile(r"\s"))


@dataclass(frozen=True)
class FittedPrompt:
    text: str
    prompt_tokens: int
    trimmed: bool
    trimmed_sections: tuple[str, ...]
    values: Mapping[str, str]


def fit_prompt(
    *,
    render: Render,
    values: Mapping[str, str],
    trim_order: Sequence[str],
    count_tokens: CountTokens,
    max_prompt_tokens: int,
) -> FittedPrompt:
    """Render `values`; if too long, shorten the sections in `trim_order` one by one.

    Each section keeps its longest prefix that fits, cut at a line break, a list
    separator or a space when one is near, so "attributes" loses its last lines
    first. Raises PromptTooLong when the prompt is too long even with every
    trimmable section emptied.
    """
    unknown = [name for name in trim_order if name not in values]
    if unknown:
        raise KeyError(f"trim_order names sections that are not in values: {', '.join(unknown)}")
    current = dict(values)
    text = render(current)
    tokens = count_tokens(text)
    trimmed: list[str] = []
    for name in trim_order:
        if tokens <= max_prompt_tokens:
            break
        current[name] = _longest_fitting_prefix(name, current, render, count_tokens, max_prompt_tokens)
        trimmed.append(name)
        text = render(current)
        tokens = count_tokens(text)
    if tokens > max_prompt_tokens:
        raise PromptTooLong(
            f"the prompt has {tokens} tokens after trimming {', '.join(trimmed) or 'nothing'}; "
            f"the model allows {max_prompt_tokens}",
            prompt_tokens=tokens,
            budget=max_prompt_tokens,
        )
    return FittedPrompt(
        text=text,
        prompt_tokens=tokens,
        trimmed=bool(trimmed),
        trimmed_sections=tuple(trimmed),
        values=current,
    )


def _longest_fitting_prefix(
    name: str, values: dict[str, str], render: Render, count_tokens: CountTokens, budget: int
) -> str:
    original = values[name]

    def fits(length: int) -> bool:
        return count_tokens(render({**values, name: original[:length].rstrip()})) <= budget

    # Token counts grow with the prefix length, so a binary search finds the longest
    # prefix in O(log n) tokenizations.
    low, high = 0, len(original)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    if low == len(original):
        return original
    prefix = _cut_at_break_point(original[:low])
    return prefix if fits(len(prefix)) else ""


def _cut_at_break_point(prefix: str) -> str:
    """Back off to a natural break in the last third of the prefix, so no word is cut in half."""
    floor = len(prefix) * 2 // 3
    for pattern in _BREAK_POINTS:
        matches = [match.start() for match in pattern.finditer(prefix) if match.start() >= floor]
        if matches:
            return prefix[: matches[-1]].rstrip()
    return prefix.rstrip()
