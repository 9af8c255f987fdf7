"""Prompt text: which placeholders a version may use, checking a version's
text, and rendering (and, when too long, trimming) the prompt for one product.

Plain Python, no database: the generation service gathers the values.

Rules a template author can rely on (shown on the "new version" form):

- Placeholders are `{name}`; literal braces are written `{{` and `}}`. A
  placeholder takes no format spec or conversion (`{title:>9}`, `{title!r}`):
  a spec such as `{title:>1000000000}` would build a gigabyte-long prompt.
- A line whose placeholders all render empty is left out, so "Brand: {brand}"
  disappears for a product without a brand and "Note: {instruction}" for a job
  without an instruction.
- `{examples}` renders the few-shot examples, one block per example, blocks
  separated by a blank line. An example is its input followed by its output:
  on the same line when the input ends with a colon ("Description:" or
  "描述："), else on the next line ("Script:" followed by a line break). The text after `{examples}` is the pattern
  each example follows; approved copy of similar products is rendered with it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

PLACEHOLDERS: dict[str, str] = {
    "title": "the product's title",
    "sku": "the product's SKU",
    "brand": "the product's brand",
    "category": "the product's category path",
    "attributes": "the product's attributes, 'key: value; key: value'",
    "description": "the merchant's own description of the product, on one line (shortened to fit)",
    "store": "the store's name",
    "examples": "the few-shot examples, then approved copy of similar products",
    "question": "the shopper's question (answers)",
    "goal": "the campaign goal, e.g. 'Black Friday, 20% off' (marketing copy)",
    "tone": "the tone of voice (brand voice, or the job's choice)",
    "language": "the language name: English or Chinese",
    "published_copy": "the product's published description (answers are grounded in it)",
    "instruction": "an instruction given on regenerate, such as 'shorter'",
}

LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}
# Bounds on what a version may hold and on what rendering may build, so that
# rendering (also in a web request: the Playground) is bounded in time and memory.
MAX_TEXT_CHARS = 20_000
MAX_EXAMPLES = 20
MAX_EXAMPLE_CHARS = 4_000
# Far beyond any context the app's models take (Gemma 3's 32k tokens are about
# 130,000 characters); trimming to the model's budget happens after rendering.
MAX_PROMPT_CHARS = 200_000
# What a prompt over its budget keeps of a long product description before anything else goes:
# about 150 words, where sellers put what the product is.
DESCRIPTION_KEPT_CHARS = 900
EXAMPLE_SEPARATOR = "\n\n"
_FORMATTER = string.Formatter()
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


class PromptTemplateError(ValueError):
    """A version's text that cannot be used; the message says why."""


class PromptRenderError(ValueError):
    """A prompt that cannot be rendered for one product (a failure of that
    product, not of the job)."""


class PromptTooLong(PromptRenderError):
    pass


# --------------------------------------------------------------------------- checking a version


def placeholders_in(text: str) -> list[str]:
    """The placeholder names a text uses, in order of first use. Raises
    PromptTemplateError for braces that do not pair up."""
    names: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise PromptTemplateError(
            f"The braces do not pair up ({exc}). Write {{{{ and }}}} for a literal brace."
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise PromptTemplateError("A placeholder needs a name, such as {title}; write {{ }} for literal braces.")
        if spec or conversion:
            raise PromptTemplateError(_format_refused(name, spec, conversion))
        if name not in names:
            names.append(name)
    return names


def _format_refused(name: str, spec: str, conversion: str | None) -> str:
    written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    shown = written if len(written) <= 40 else written[:37] + "…"
    return (f"Write {{{name}}} without a format or conversion (found {shown}): a placeholder is replaced by "
            "its text as it is.")


def validate_template_text(text: str, *, examples: Sequence[dict] = ()) -> list[str]:
    """The placeholders of a version's text; PromptTemplateError naming any
    unknown ones, or examples that the text has nowhere to put."""
    if not text.strip():
        raise PromptTemplateError("The prompt text is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise PromptTemplateError(f"The prompt text has {len(text):,} characters; at most {MAX_TEXT_CHARS:,} "
                                  "characters are allowed.")
    names = placeholders_in(text)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        noun = "placeholder" if len(unknown) == 1 else "placeholders"
        raise PromptTemplateError(f"Unknown {noun} {listed}. Known placeholders: {known}.")
    if examples and "examples" not in names:
        raise PromptTemplateError("The version has examples but its text has no {examples} placeholder for them.")
    pattern = example_pattern(text)
    if pattern is not None and "examples" in placeholders_in(pattern):
        raise PromptTemplateError("{examples} may appear only once.")
    return names


def validate_examples(examples: Any) -> list[dict[str, str]]:
    """Few-shot examples as a list of {"input": str, "output": str}."""
    if examples in (None, ""):
        return []
    if not isinstance(examples, list):
        raise PromptTemplateError("Examples must be a list of {\"input\": ..., \"output\": ...} objects.")
    if len(examples) > MAX_EXAMPLES:
        raise PromptTemplateError(f"At most {MAX_EXAMPLES} examples; similar products' approved copy is added "
                                  "as examples when generating.")
    cleaned = []
    for number, example in enumerate(examples, start=1):
        if not isinstance(example, dict) or set(example) - {"input", "output"}:
            raise PromptTemplateError(f"Example {number} must be an object with \"input\" and \"output\" only.")
        given_input, output = example.get("input"), example.get("output")
        if not isinstance(given_input, str) or not isinstance(output, str) or not given_input.strip() \
                or not output.strip():
            raise PromptTemplateError(f"Example {number} needs a non-empty \"input\" and \"output\" text.")
        if len(given_input) + len(output) > MAX_EXAMPLE_CHARS:
            raise PromptTemplateError(f"Example {number} is longer than {MAX_EXAMPLE_CHARS:,} characters.")
        cleaned.append({"input": given_input.lstrip("\n"), "output": output.strip()})
    return cleaned


def example_pattern(text: str) -> str | None:
    """The part of the text after {examples}: what each example looks like."""
    marker = "{examples}"
    # A literal "{{examples}}" is not the placeholder.
    position = 0
    while True:
        index = text.find(marker, position)
        if index < 0:
            return None
        preceding_braces = len(text[:index]) - len(text[:index].rstrip("{"))
        if preceding_braces % 2 == 0:
            return text[index + len(marker):].lstrip("\n")
        position = index + len(marker)


# --------------------------------------------------------------------------- values


@dataclass
class PromptValues:
    """What one prompt is made of. Lists stay lists so trimming can drop items."""

    title: str = ""
    sku: str = ""
    brand: str = ""
    category: str = ""
    attributes: list[tuple[str, str]] = field(default_factory=list)
    description: str = ""  # the merchant's own (an import's description column)
    store: str = ""
    examples: list[dict[str, str]] = field(default_factory=list)  # the version's, {input, output}
    similar: list[PromptValues] = field(default_factory=list)  # similar products with their approved `copy`
    copy: str = ""  # for a similar product: its approved text
    question: str = ""
    goal: str = ""
    tone: str = ""
    language: str = "en"
    published_copy: str = ""
    instruction: str = ""

    def as_mapping(self, text: str) -> dict[str, str]:
        chinese = self.language == "zh"
        attributes = ("；" if chinese else "; ").join(
            f"{key}{'：' if chinese else ': '}{value}" for key, value in self.attributes
        )
        return {
            "title": self.title,
            "sku": self.sku,
            "brand": self.brand,
            "category": self.category,
            "attributes": attributes,
            "description": " ".join(self.description.split()),
            "store": self.store,
            "examples": self._examples_block(text),
            "question": self.question,
            "goal": self.goal,
            "tone": self.tone,
            "language": LANGUAGE_NAMES.get(self.language, self.language),
            "published_copy": self.published_copy,
            "instruction": self.instruction,
        }

    def _examples_block(self, text: str) -> str:
        blocks = [join_example(example["input"], example["output"]) for example in self.examples]
        pattern = example_pattern(text)
        if pattern:
            for other in self.similar:
                shot = fill(pattern, replace(other, similar=[], examples=[], instruction="").as_mapping(pattern))
                blocks.append(join_example(shot, other.copy))
        return EXAMPLE_SEPARATOR.join(block.strip("\n") for block in blocks)


def attribute_pairs(attributes: dict) -> list[tuple[str, str]]:
    """A product's attributes as (key, value) text, leaving out empty and
    negative values ("waterproof: false" must not read as a feature)."""
    pairs = []
    for key, value in (attributes or {}).items():
        if value is None or value is False:
            continue
        if isinstance(value, dict):
            pairs += [(f"{key} {sub_key}", sub_value) for sub_key, sub_value in attribute_pairs(value)]
            continue
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(item) for item in value)
        text = str(key) if value is True else str(value).strip()
        if text.lower() in {"", "no", "false", "none", "n/a", "-", "否", "无"}:
            continue
        pairs.append((str(key), text if value is not True else "yes"))
    return pairs


def join_example(given_input: str, output: str) -> str:
    """The input, then the output: on the same line after a colon, on the next
    line after a line break ("Script:\n") or any other ending."""
    output = output.strip()
    if given_input.endswith("\n"):
        return given_input + output
    given_input = given_input.rstrip(" \t")
    if given_input.endswith("："):
        return given_input + output
    if given_input.endswith(":"):
        return f"{given_input} {output}"
    return f"{given_input}\n{output}"


# --------------------------------------------------------------------------- rendering


def fill(text: str, mapping: dict[str, str]) -> str:
    """Substitute placeholders line by line, leaving out a line whose
    placeholders all rendered empty. KeyError for a name the mapping lacks;
    PromptRenderError for a format spec or conversion (a version saved before
    they were refused) and PromptTooLong past MAX_PROMPT_CHARS, raised before
    a longer text is built."""
    lines, size = [], 0
    for line in text.split("\n"):
        parts, used, filled = [], 0, 0
        for literal, name, spec, conversion in _FORMATTER.parse(line):
            parts.append(literal)
            size += len(literal)
            if name is None:
                continue
            if spec or conversion:
                raise PromptRenderError(_format_refused(name, spec, conversion))
            value = str(mapping[name])
            size += len(value)
            if size > MAX_PROMPT_CHARS:
                raise PromptTooLong(f"The prompt would be longer than {MAX_PROMPT_CHARS:,} characters.")
            used += 1
            filled += bool(value.strip())
            parts.append(value)
        if used and not filled:
            continue
        lines.append("".join(parts))
        size += 1
    return "\n".join(lines)


def render(text: str, values: PromptValues) -> str:
    # Lines left out (no examples, no brand) must not leave a gap of blank lines.
    return _BLANK_RUNS.sub("\n\n", fill(text, values.as_mapping(text))).lstrip("\n")


@dataclass
class RenderedPrompt:
    text: str
    tokens: int
    trimmed: bool
    dropped: list[str] = field(default_factory=list)  # what trimming left out, for the log


def render_within(
    text: str, values: PromptValues, *, count_tokens: Callable[[str], int], budget: int | None
) -> RenderedPrompt:
    """Render, and while the prompt is longer than `budget` tokens leave out
    what matters least: a long product description is shortened first (to
    DESCRIPTION_KEPT_CHARS), then attributes go (from the last), then examples
    (from the last), then the published copy and the description are halved.
    PromptTooLong when even the shortest form does not fit."""
    prompt = render(text, values)
    tokens = count_tokens(prompt)
    if budget is None or tokens <= budget:
        return RenderedPrompt(prompt, tokens, trimmed=False)
    values = replace(values, attributes=list(values.attributes), examples=list(values.examples),
                     similar=list(values.similar))
    dropped: list[str] = []
    while tokens > budget:
        if len(values.description) > DESCRIPTION_KEPT_CHARS:
            values.description = _shorten(values.description, DESCRIPTION_KEPT_CHARS)
            dropped.append("the end of the description")
        elif values.attributes:
            key, _ = values.attributes.pop()
            dropped.append(f"attribute {key}")
        elif values.similar:
            values.similar.pop()
            dropped.append("similar product example")
        elif values.examples:
            values.examples.pop()
            dropped.append("example")
        elif len(values.published_copy) > 80:
            values.published_copy = _shorten(values.published_copy, len(values.published_copy) // 2)
            dropped.append("half of the published copy")
        elif len(values.description) > 80:
            values.description = _shorten(values.description, len(values.description) // 2)
            dropped.append("half of the description")
        else:
            raise PromptTooLong(
                f"The prompt needs {tokens} tokens even without attributes and examples; "
                f"the model leaves {budget} for it."
            )
        prompt = render(text, values)
        tokens = count_tokens(prompt)
    return RenderedPrompt(prompt, tokens, trimmed=True, dropped=dropped)


def _shorten(text: str, limit: int) -> str:
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
