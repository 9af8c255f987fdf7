import pytest

from inference.errors import PromptTooLong
from inference.prompt_fit import fit_prompt

TEMPLATE = "Product: {title}\nFeatures:\n{attributes}\nExamples:\n{examples}\nDescription:"


def render(values):
    return TEMPLATE.format_map(values)


def count_words(text):
    # A stand-in tokenizer for the trimming algorithm: one token per word.
    return len(text.split())


ATTRIBUTES = "\n".join(f"attribute{number}: value {number}" for number in range(1, 21))
VALUES = {"title": "Trail shoe", "attributes": ATTRIBUTES, "examples": "one two three"}


def test_a_prompt_that_fits_is_not_trimmed():
    fitted = fit_prompt(
        render=render, values=VALUES, trim_order=["attributes"], count_tokens=count_words, max_prompt_tokens=1000
    )

    assert fitted.trimmed is False
    assert fitted.trimmed_sections == ()
    assert fitted.text == render(VALUES)
    assert fitted.prompt_tokens == count_words(render(VALUES))


def test_attributes_lose_their_last_lines_first():
    budget = count_words(render({**VALUES, "attributes": ""})) + 3 * 3  # room for three attribute lines

    fitted = fit_prompt(
        render=render,
        values=VALUES,
        trim_order=["attributes", "examples"],
        count_tokens=count_words,
        max_prompt_tokens=budget,
    )

    assert fitted.trimmed is True
    assert fitted.trimmed_sections == ("attributes",)
    assert fitted.values["attributes"] == "attribute1: value 1\nattribute2: value 2\nattribute3: value 3"
    assert fitted.values["examples"] == "one two three"
    assert fitted.prompt_tokens <= budget


def test_next_section_is_trimmed_when_the_first_is_not_enough():
    budget = count_words(render({**VALUES, "attributes": "", "examples": ""})) + 1

    fitted = fit_prompt(
        render=render,
        values=VALUES,
        trim_order=["attributes", "examples"],
        count_tokens=count_words,
        max_prompt_tokens=budget,
    )

    assert fitted.trimmed_sections == ("attributes", "examples")
    assert fitted.values["attributes"] == ""
    assert fitted.values["examples"] == "one"


def test_too_long_even_when_trimmed_raises_with_counts():
    with pytest.raises(PromptTooLong, match="after trimming attributes") as caught:
        fit_prompt(
            render=render, values=VALUES, trim_order=["attributes"], count_tokens=count_words, max_prompt_tokens=3
        )

    assert caught.value.budget == 3
    assert caught.value.prompt_tokens > 3


def test_chinese_text_without_spaces_is_cut_by_characters():
    values = {"title": "杯子", "attributes": "材质：陶瓷，容量：350毫升，产地：景德镇，可用洗碗机清洗", "examples": ""}

    def count_characters(text):
        return len(text)

    budget = len(render({**values, "attributes": ""})) + 15

    fitted = fit_prompt(
        render=render,
        values=values,
        trim_order=["attributes"],
        count_tokens=count_characters,
        max_prompt_tokens=budget,
    )

    assert fitted.trimmed
    assert fitted.values["attributes"] == "材质：陶瓷，容量：350毫升"


def test_unknown_section_in_trim_order_is_refused():
    with pytest.raises(KeyError, match="brand"):
        fit_prompt(render=render, values=VALUES, trim_order=["brand"], count_tokens=count_words, max_prompt_tokens=5)
