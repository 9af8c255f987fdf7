import pytest

from content.checks import CheckContext, ProductFacts
from content.checks.echo import check_prompt_echo, scaffold_labels

TITLE = "PORTER-CABLE 740000801 4 1/2-Inch x 10yd 80 Grit Adhesive-Backed Sanding Roll"
PROMPT = f"""Write a product description for an online store. Use only the facts given and do not invent materials, \
origins or certifications.

Product: Gorilla Original Gorilla Glue, Waterproof Polyurethane Glue, 8 ounce Bottle, Brown
Brand: Gorilla
Features: Waterproof; Polyurethane; 8 ounce
Description: Gorilla Glue is the tough, waterproof glue for your hardest jobs around the house and the workshop.

Product: {TITLE}
Brand: PORTER-CABLE
Features: Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Sanding Rolls
Description:"""


def marked(text, result):
    return [text[span.start : span.end] for span in result.spans]


def echo(text, facts, **context):
    return check_prompt_echo(text, CheckContext(facts=facts, prompt_text=PROMPT, **context))


def test_echoed_instructions_are_marked(sanding_roll):
    text = "Use only the facts given and do not invent materials, origins or certifications. A handy roll."

    result = echo(text, sanding_roll)

    assert result.passed is False
    assert marked(text, result) == ["Use only the facts given and do not invent materials, origins or certifications"]
    assert result.message == (
        "Copies the prompt word for word: 'Use only the facts given and do not invent materials, origi\u2026'"
    )


def test_copied_few_shot_example_is_marked(sanding_roll):
    text = "This sanding roll is the tough, waterproof glue for your hardest jobs around the house and the workshop."

    result = echo(text, sanding_roll)

    assert marked(text, result) == [
        "is the tough, waterproof glue for your hardest jobs around the house and the workshop"
    ]


def test_a_scaffolding_label_at_the_start_is_marked(sanding_roll):
    text = "Description: The PORTER-CABLE roll gives you 10 yards of 80 grit paper."

    result = echo(text, sanding_roll)

    assert marked(text, result) == ["Description:"]
    assert result.message == "Repeats the prompt's labels 'Description:'"


def test_scaffolding_lines_are_marked_whole(sanding_roll):
    text = f"Product: {TITLE}\nBrand: PORTER-CABLE\nA handy roll."

    result = echo(text, sanding_roll)

    assert marked(text, result) == [f"Product: {TITLE}\nBrand: PORTER-CABLE"]
    assert result.details["labels"] == ["Product", "Brand"]


def test_quoting_the_product_title_is_not_echo(sanding_roll):
    text = f"The {TITLE} is a handy roll of coarse paper."

    result = echo(text, sanding_roll)

    assert result.passed is True
    assert result.message == "Does not repeat the prompt"


def test_an_attribute_name_in_a_spec_list_is_not_scaffolding():
    facts = ProductFacts(title="Kitchen Tongs", attributes={"Material": "Stainless Steel"})
    prompt = "Product: Kitchen Tongs\nMaterial: Stainless Steel\nDescription:"

    result = check_prompt_echo(
        "Sturdy tongs.\nMaterial: stainless steel", CheckContext(facts=facts, prompt_text=prompt)
    )

    assert result.passed is True


@pytest.mark.parametrize("content_type, passed", [("video_script", True), ("description", False)])
def test_a_video_script_may_use_its_own_labels(sanding_roll, content_type, passed):
    prompt = "Write a video script.\nScene 1\nShot: close-up of the product\nVoice-over: Meet the roll.\nProduct: X"
    text = "Shot: the roll on a bench\nVoice-over: Ten yards of 80 grit."

    result = check_prompt_echo(text, CheckContext(facts=sanding_roll, prompt_text=prompt, content_type=content_type))

    assert result.passed is passed


def test_no_prompt_passes(sanding_roll):
    result = check_prompt_echo("Anything at all.", CheckContext(facts=sanding_roll))

    assert (result.passed, result.message) == (True, "No prompt to compare with")


def test_chinese_echo(gorilla_glue):
    prompt = "请根据以下商品信息写一段商品描述，只使用给出的事实，不要编造材料或产地。\n商品：大猩猩胶水\n描述："
    text = "描述：只使用给出的事实，不要编造材料或产地。这款胶水防水。"

    result = check_prompt_echo(text, CheckContext(facts=gorilla_glue, language="zh", prompt_text=prompt))

    assert marked(text, result) == ["描述：只使用给出的事实，不要编造材料或产地"]


def test_scaffold_labels():
    assert scaffold_labels(PROMPT) == {"product", "brand", "features", "description"}


def test_the_products_own_data_copied_from_the_prompt_is_not_echo():
    facts = ProductFacts(
        title="Kitchen Tongs", attributes={"material": "Stainless Steel", "length": "12 inch", "dishwasher safe": True}
    )
    prompt = (
        "Product: Kitchen Tongs\nAttributes: Stainless Steel material, 12 inch length, dishwasher safe\nDescription:"
    )
    text = "Kitchen Tongs in Stainless Steel material, 12 inch length, dishwasher safe, for everyday cooking."

    assert check_prompt_echo(text, CheckContext(facts=facts, prompt_text=prompt)).passed is True
