"""Prompt text: placeholder validation, rendering, and trimming to the budget."""

import pytest

from content.defaults import DEFAULT_TEMPLATES, EN_DESCRIPTION, EN_VIDEO
from content.prompt_text import (
    PromptRenderError,
    PromptTemplateError,
    PromptTooLong,
    PromptValues,
    attribute_pairs,
    join_example,
    render,
    render_within,
    validate_examples,
    validate_template_text,
)


def words(text: str) -> int:
    return len(text.split())


# --------------------------------------------------------------------------- validation


def test_unknown_placeholders_are_refused_by_name():
    with pytest.raises(PromptTemplateError) as caught:
        validate_template_text("Product: {title}\nColour: {colour}\nSize: {size}\nDescription:")

    message = str(caught.value)
    assert message.startswith("Unknown placeholders {colour}, {size}.")
    assert "{title}" in message  # the known ones are listed to help


def test_one_unknown_placeholder_reads_in_the_singular():
    with pytest.raises(PromptTemplateError, match=r"^Unknown placeholder \{colour\}\."):
        validate_template_text("{title} {colour}")


@pytest.mark.parametrize("text", ["Product: {title", "Product: title}", "Product: {}", "Product: {0}"])
def test_broken_or_nameless_braces_are_refused(text):
    with pytest.raises(PromptTemplateError):
        validate_template_text(text)


def test_doubled_braces_are_literal_and_not_placeholders():
    assert validate_template_text('JSON: {{"title": "{title}"}}') == ["title"]


def test_examples_need_a_place_in_the_text():
    examples = [{"input": "Product: A\nDescription:", "output": "Good."}]

    with pytest.raises(PromptTemplateError, match="no {examples} placeholder"):
        validate_template_text("Product: {title}\nDescription:", examples=examples)


@pytest.mark.parametrize(
    "examples",
    [{"input": "a", "output": "b"}, [{"input": "a"}], [{"input": "a", "output": " "}], [{"input": "a", "output": "b",
                                                                                          "extra": 1}], ["text"]],
)
def test_malformed_examples_are_refused(examples):
    with pytest.raises(PromptTemplateError):
        validate_examples(examples)


@pytest.mark.parametrize("placeholder", ["{title:>1000000000}", "{title!r}", "{title!s:^50}", "{title:{sku}}",
                                         "{title:,}"])
def test_format_specs_and_conversions_are_refused_naming_the_placeholder(placeholder):
    with pytest.raises(PromptTemplateError, match=r"Write \{title\} without"):
        validate_template_text(f"Product: {placeholder}\nDescription:")


def test_a_text_longer_than_the_limit_is_refused():
    with pytest.raises(PromptTemplateError, match="at most 20,000 characters"):
        validate_template_text("Product: {title}\n" + "x" * 20_000)


def test_too_many_or_too_long_examples_are_refused():
    with pytest.raises(PromptTemplateError, match="At most 20 examples"):
        validate_examples([{"input": "a", "output": "b"}] * 21)
    with pytest.raises(PromptTemplateError, match="Example 1 is longer than 4,000 characters"):
        validate_examples([{"input": "a", "output": "b" * 4001}])


def test_every_default_template_is_valid():
    for default in DEFAULT_TEMPLATES:
        examples = validate_examples(default.examples)
        assert "examples" in validate_template_text(default.text, examples=examples)
        assert len(examples) == 2


# --------------------------------------------------------------------------- rendering


def test_an_example_output_follows_a_colon_on_the_same_line_and_a_line_break_on_the_next():
    assert join_example("Description:", " Sharp. ") == "Description: Sharp."
    assert join_example("描述：", "锋利。") == "描述：锋利。"
    assert join_example("Script:\n", "Scene 1.") == "Script:\nScene 1."
    assert join_example("Question: why", "Because.") == "Question: why\nBecause."


def test_lines_whose_placeholders_are_all_empty_are_left_out():
    text = "Product: {title}\nBrand: {brand}\nNote: {instruction}\nDescription:"

    prompt = render(text, PromptValues(title="Caliper", brand=""))

    assert prompt == "Product: Caliper\nDescription:"


def test_the_default_description_prompt_ends_with_the_product_in_the_examples_pattern():
    values = PromptValues(
        title="Sanding Roll 80 Grit", brand="PORTER-CABLE", category="Abrasives > Sanding Rolls",
        attributes=[("grit", "80 grit"), ("size", "4 1/2 in x 10 yd")], store="Bench Supply",
        examples=EN_DESCRIPTION.examples, tone="plain",
    )

    prompt = render(EN_DESCRIPTION.text, values)

    assert prompt.startswith("Product descriptions from Bench Supply,")
    assert "Tone: plain\n\nProduct: Digital Caliper 6 Inch, Stainless Steel\n" in prompt
    assert "Description: Measure outside" in prompt
    assert prompt.endswith(
        "\n\nProduct: Sanding Roll 80 Grit\nBrand: PORTER-CABLE\nCategory: Abrasives > Sanding Rolls\n"
        "Features: grit: 80 grit; size: 4 1/2 in x 10 yd\nDescription:"
    )
    assert "\n\n\n" not in prompt and "Note:" not in prompt


def test_the_merchants_own_description_is_in_the_prompt_on_one_line():
    values = PromptValues(title="AMMEX Nitrile Exam Gloves, Black, Box of 100", store="Bench Supply",
                          description="Three times more puncture resistant than latex.\n\nFDA approved for use.")

    prompt = render(EN_DESCRIPTION.text, values)

    assert prompt.endswith("\nDetails: Three times more puncture resistant than latex. FDA approved for use."
                           "\nDescription:")
    assert "Details:" not in render(EN_DESCRIPTION.text, PromptValues(title="Gloves"))  # none given: no line


def test_approved_copy_of_similar_products_is_rendered_in_the_examples_pattern():
    neighbour = PromptValues(title="Sanding Roll 120 Grit", brand="PORTER-CABLE", attributes=[("grit", "120 grit")],
                             copy="A finer roll for the final pass.")
    values = PromptValues(title="Sanding Roll 80 Grit", examples=[], similar=[neighbour])

    prompt = render(EN_DESCRIPTION.text, values)

    assert ("Product: Sanding Roll 120 Grit\nBrand: PORTER-CABLE\nFeatures: grit: 120 grit\n"
            "Description: A finer roll for the final pass.\n\nProduct: Sanding Roll 80 Grit\nDescription:") in prompt


def test_a_video_script_prompt_ends_on_a_new_line_after_the_label():
    prompt = render(EN_VIDEO.text, PromptValues(title="Caliper", examples=EN_VIDEO.examples))

    assert prompt.endswith("Product: Caliper\nScript:\n")
    assert "Script:\nScene 1. Shot: close-up" in prompt


def test_chinese_attributes_use_chinese_punctuation():
    assert PromptValues(language="zh", attributes=[("grit", "80"), ("size", "5 in")]).as_mapping("")[
        "attributes"] == "grit：80；size：5 in"


def test_attribute_pairs_leave_out_negative_and_empty_values():
    attributes = {"material": "nitrile", "waterproof": False, "latex": "no", "sterile": True, "sizes": ["S", "M"],
                  "note": "", "origin": None}

    assert attribute_pairs(attributes) == [("material", "nitrile"), ("sterile", "yes"), ("sizes", "S, M")]


# --------------------------------------------------------------------------- trimming


@pytest.mark.timeout(60)  # "{title:>1000000000}" alone builds a string of about 1 GB
@pytest.mark.parametrize("text", ["Product: {title:>1000000000}\nDescription:", "Product: {title!r}"])
def test_rendering_refuses_a_format_spec_that_an_older_version_may_hold(text):
    with pytest.raises(PromptRenderError, match=r"Write \{title\} without"):
        render(text, PromptValues(title="Gloves"))


@pytest.mark.timeout(60)
def test_rendering_stops_at_the_size_limit_before_building_a_huge_prompt():
    text = "{attributes}" * 1600  # a valid version: 19,200 characters
    values = PromptValues(attributes=[("note", "x" * 10_000)])
    validate_template_text(text)

    with pytest.raises(PromptTooLong, match="longer than 200,000 characters"):
        render(text, values)


def test_a_prompt_within_budget_is_untouched():
    values = PromptValues(title="Caliper", attributes=[("size", "6 in")])

    rendered = render_within("Product: {title}\nFeatures: {attributes}", values, count_tokens=words, budget=100)

    assert (rendered.text, rendered.trimmed) == ("Product: Caliper\nFeatures: size: 6 in", False)


def test_attributes_are_trimmed_first_then_examples():
    text = "{examples}\n\nProduct: {title}\nFeatures: {attributes}\nDescription:"
    values = PromptValues(
        title="Caliper",
        attributes=[("material", "stainless steel"), ("size", "6 in"), ("resolution", "0.01 mm")],
        examples=[{"input": "Product: A\nDescription:", "output": "one two three"},
                  {"input": "Product: B\nDescription:", "output": "four five six"}],
    )
    full = words(render(text, values))

    rendered = render_within(text, values, count_tokens=words, budget=full - 5)

    assert rendered.trimmed
    assert rendered.dropped == ["attribute resolution", "attribute size"]
    assert "material: stainless steel" in rendered.text and "six" in rendered.text
    assert rendered.tokens <= full - 5

    rendered = render_within(text, values, count_tokens=words, budget=full - 14)

    assert rendered.dropped[:3] == ["attribute resolution", "attribute size", "attribute material"]
    assert rendered.dropped[3:] == ["example"]
    assert "Features" not in rendered.text and "four five six" not in rendered.text and "one two three" in rendered.text


def test_a_long_description_is_shortened_before_anything_else_goes():
    from content.prompt_text import DESCRIPTION_KEPT_CHARS

    text = "Product: {title}\nFeatures: {attributes}\nDetails: {description}\nDescription:"
    long = " ".join(f"word{n}" for n in range(400))  # about 3,000 characters
    values = PromptValues(title="Caliper", attributes=[("size", "6 in")], description=long)

    rendered = render_within(text, values, count_tokens=words, budget=300)

    assert rendered.dropped == ["the end of the description"]
    assert "size: 6 in" in rendered.text and "word0 word1" in rendered.text and "word399" not in rendered.text
    assert len(rendered.text.split("Details: ")[1]) < DESCRIPTION_KEPT_CHARS + 20


def test_a_prompt_that_cannot_fit_raises_prompt_too_long():
    with pytest.raises(PromptTooLong, match="needs 6 tokens"):
        render_within("Product: {title}", PromptValues(title="a very long product title"), count_tokens=words,
                      budget=3)
