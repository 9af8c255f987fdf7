import pytest

from content.checks import ERROR, CheckContext, ProductFacts, find_unsupported_claims
from content.checks.claims import check_unsupported_claims, without_questions


def marked(text, result):
    return [text[span.start : span.end] for span in result.spans]


def check(text, facts, **context):
    return check_unsupported_claims(text, CheckContext(facts=facts, **context))


# --- the cases measured with the default model ------------------------------------------------------


def test_made_in_italy_is_flagged_with_its_exact_span(gorilla_glue):
    text = "Gorilla Glue is a waterproof polyurethane glue. Made in Italy, it bonds wood and stone."

    result = check(text, gorilla_glue)

    assert result.passed is False
    assert result.severity == ERROR
    assert marked(text, result) == ["Made in Italy"]
    assert result.message == "Origin 'Made in Italy' is not in the product data, which names no origin"


def test_3000_dpi_is_flagged_with_its_exact_span(microscope_camera):
    text = "The AmScope camera captures 3.0 MP images at 3000 DPI and works with Windows, Mac OS X and Linux."

    result = check(text, microscope_camera)

    assert result.passed is False
    assert marked(text, result) == ["3000 DPI"]
    assert result.message == "Figure '3000 DPI' is not in the product data, which has no such figure"
    assert result.details["claims"] == [
        {"kind": "quantity", "key": "3000 DPI", "text": "3000 DPI", "severity": "error"}
    ]


def test_both_measured_claims_in_one_draft(microscope_camera):
    text = "Made in Italy, this microscope camera resolves 3000 DPI."

    result = check(text, microscope_camera)

    assert marked(text, result) == ["Made in Italy", "3000 DPI"]
    assert result.message == "2 claims not in the product data: 'Made in Italy' and '3000 DPI'"
    assert [span.note for span in result.spans] == [
        "Origin 'Made in Italy' is not in the product data, which names no origin",
        "Figure '3000 DPI' is not in the product data, which has no such figure",
    ]


# Drafts the default model (Gemma 3 270M, few-shot completion prompt) wrote for real products.


def test_model_draft_with_an_invented_load_range():
    facts = ProductFacts(title="SIMMONS MFG 1350 Torque Arrestor", brand="Simmons")
    text = (
        "Fits most electrical motors. Pinions are also available. Features include 1350 torque (torque breaker) "
        "rated to handle loads ranging from 9000 lbs. to 27000 lbs."
    )

    # "electrical motors": what it fits is a claim too.
    assert marked(text, check(text, facts)) == ["electrical motors", "9000 lbs", "27000 lbs"]


def test_model_draft_with_an_invented_award():
    facts = ProductFacts(title="Blunt Tip Dispensing Fill Needle 14ga x 2 Olive Green 50 pcs")
    text = (
        "Our newest cutting knife has been named the Best Tool in the Cutting Industry by All-American Tools Magazine."
    )

    assert marked(text, check(text, facts)) == ["named the Best", "Cutting Industry", "All-American Tools Magazine"]


def test_model_draft_without_claims_passes():
    facts = ProductFacts(title="uxcell 100 Pcs 10K Ohm 3% Temperature Measurement NTC Thermistors MF52-103")
    text = (
        "The 10K ohm temperature measurement NTC thermistor has built in safety features that are designed to "
        "prevent dangerous temperature changes from happening during electrical application. It also provides a "
        "high quality sensor output, which is ideal for applications requiring high power supply voltage, such as "
        "automotive testing or industrial applications."
    )

    assert check(text, facts).passed is True


# --- clean drafts built from real products pass ----------------------------------------------------


def test_realistic_sanding_roll_draft_passes(sanding_roll):
    text = (
        "The PORTER-CABLE 740000801 sanding roll gives you 10 yards of 80-grit abrasive on a 4.5-inch wide "
        "adhesive backing. Cut off what you need and stick it to your sanding block for fast stock removal on "
        "wood, metal and painted surfaces. Keep a roll in the shop for 2 or 3 projects at a time."
    )

    result = check(text, sanding_roll)

    assert result.passed is True
    assert result.spans == ()
    assert result.message == "Every claim is backed by the product data"


def test_realistic_grinding_wheel_draft_with_inch_marks_passes(grinding_wheel):
    text = (
        'Grind concrete, brick and block with the DEWALT DW4524. This 4-1/2" wheel is 1/4" thick with a 7/8" '
        "arbor that fits most angle grinders. Use it for cleaning up mortar joints and shaping masonry."
    )

    assert check(text, grinding_wheel).passed is True


def test_materials_named_as_what_the_glue_bonds_are_not_claims(gorilla_glue):
    text = (
        "Gorilla Glue is the tough, waterproof polyurethane glue for your hardest jobs. It bonds wood, stone, "
        "metal, ceramic and glass. The 8 oz bottle is easy to store."
    )

    assert check(text, gorilla_glue).passed is True


def test_a_glue_made_of_stainless_steel_is_a_claim(gorilla_glue):
    text = "This glue comes in a bottle made of stainless steel."

    result = check(text, gorilla_glue)

    assert marked(text, result) == ["stainless steel"]
    assert result.message == (
        "Material 'stainless steel' is not in the product data, which names 'Polyurethane' and 'Urethane'"
    )


def test_a_material_in_a_list_of_features_is_a_claim():
    # Written by the default model for "Oreck Commercial Upright Vacuum with 40ft Power Cord, U2000R1".
    facts = ProductFacts(title="Oreck Commercial Upright Vacuum with 40ft Power Cord, U2000R1", brand="Oreck")
    text = (
        "This Oreck Commercial vacuum cleaner has a 35 foot power cord. It has several features including a "
        "double-walled carbon fiber filter."
    )

    result = check(text, facts)

    assert marked(text, result) == ["35 foot", "double-walled", "carbon fiber"]
    assert result.spans[0].note == "Figure '35 foot' is not in the product data, which gives '40ft'"


def test_a_metal_the_product_is_mounted_under_is_not_a_claim():
    heater = ProductFacts(
        title="Signswise 200x200mm 12v 150w Silicone Rubber Heating Heater for 3d Printer Heated Beds",
        brand="Signswise",
    )
    text = (
        "The 200 x 200 mm pad runs on 12V and delivers 150W of even heat. The flexible silicone rubber body "
        "installs under an aluminum build plate in minutes."
    )

    assert check(text, heater).passed is True


# --- numbers and units ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts_title, draft",
    [
        ("Gorilla Glue, 8 ounce Bottle", "an 8 oz bottle"),
        ("Gorilla Glue, 8 ounce Bottle", "an 8-ounce bottle"),
        ("Gorilla Glue, 8 ounce Bottle", "227 g of glue"),
        ("Gorilla Glue, 8 ounce Bottle", "237 ml of glue"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "a 4.5 inch roll"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "a 4½-inch roll"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "a 114 mm roll"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "ten yards of paper"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "9.1 m of paper"),
        ("Sanding Roll 4 1/2-Inch x 10yd 80 Grit", "an 80-grit roll"),
        ("Filament 2.2 LBS (1.0KG)", "a 1 kg spool"),
        ("Filament 2.2 LBS (1.0KG)", "a 1000 g spool"),
        ("Heater 12v 150w", "runs on 12 volts and 150 watts"),
        ("Delta 50-723 1 hp Dust Collector", "a 746 W motor"),
        ("B&C Eagle Staples (5,000 per box)", "5000 staples per box"),
        ("Gloves, Large, Blue (Pack of 100)", "a 100-pack"),
        ("Gloves, Large, Blue (Pack of 100)", "100 pcs"),
        ("Wheel 7/8-Inch arbor", "a 0.875 in arbor"),
        ("Gauge 30HG/0PSI rated to 200°F", "works up to 93 °C"),
        ("Duct Tape, 1.88 x 35 yd", "35 yards long"),
        ("Stainless Steel Woven Mesh Sheet, 12 Width, 12 Length", "a 12-inch wide sheet"),
        ("Relay, 3-32V DC input", "accepts 3 to 32 volts"),
        ("Amazing GOOP 165012 RV Adhesive 3.7 fl", "a 3.7 fl. oz. tube"),
        ("Sealant, 10.1 oz", "a 10.1 fl oz cartridge"),
    ],
)
def test_numbers_with_units_are_supported_after_normalising(facts_title, draft):
    assert find_unsupported_claims(draft, facts_title) == []


@pytest.mark.parametrize(
    "facts_title, draft, flagged",
    [
        ("Gorilla Glue, 8 ounce Bottle", "a 12 oz bottle", "12 oz"),
        ("Gorilla Glue, 8 ounce Bottle", "250 g of glue", "250 g"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "a 5-inch roll", "5-inch"),
        ("Sanding Roll 4 1/2-Inch x 10yd", "20 yards of paper", "20 yards"),
        ("Sanding Roll 80 Grit", "a 120 grit roll", "120 grit"),
        ("Heater 12v 150w", "runs on 24V", "24V"),
        ("Heater 12v 150w", "a 5000 mAh battery", "5000 mAh"),
        ("Heater 12v 150w", "heats to 100°C", "100°C"),
        ("Gloves (Pack of 100)", "a pack of 50", "pack of 50"),
        ("Hose fitting", "holds 30 psi", "30 psi"),
        ("Wheel", "spins at 12,000 rpm", "12,000 rpm"),
        ("Wheel", "comes with a 2-year warranty", "2-year warranty"),
        ("Wheel", "backed by a two-year limited warranty", "two-year limited warranty"),
        ("Wheel", "cures in 24 hours", "24 hours"),
        ("Wheel", "gives 100% coverage", "100%"),
        ("Lamp", "a bright 800 lumens", "800 lumens"),
    ],
)
def test_numbers_with_units_not_in_the_data_are_flagged(facts_title, draft, flagged):
    claims = find_unsupported_claims(draft, facts_title)

    assert [c.text for c in claims] == [flagged]
    assert [draft[c.span.start : c.span.end] for c in claims] == [flagged]
    assert claims[0].severity == ERROR


@pytest.mark.parametrize(
    "draft",
    [
        "Apply 2 coats and wait a little.",
        "Step 1: clean the surface. Step 2: apply.",
        "It is the 3rd generation of the 740000801.",
        "A 3-in-1 tool for 2 or 3 projects.",
        "Works 24/7 in the shop.",
        "Comes as 1 pack.",
        "Founded in 2018, the brand is growing.",
    ],
)
def test_numbers_without_a_claimed_unit_stay_quiet(draft):
    assert find_unsupported_claims(draft, "PORTER-CABLE 740000801 Sanding Roll") == []


def test_a_number_with_any_word_as_its_unit_is_a_claim():
    text = "The light has 20 LED bulbs, rated 5 stars by 1,200 buyers, in 3 sizes."

    result = check(text, ProductFacts(title="HHIP Work Light on Magnetic Base"))

    assert result.passed is False
    assert result.severity == ERROR
    assert marked(text, result) == ["20 LED", "5 stars", "1,200 buyers", "3 sizes"]
    assert result.spans[0].note == "Figure '20 LED' is not in the product data, which has no such figure"


def test_counts_are_supported_by_a_count_in_any_words():
    facts = ProductFacts(title="BIC Round Stic Ballpoint Pen, Medium Point (1.2mm), Blue, 12-Count")

    for text in ("Twelve blue pens.", "A dozen pens.", "12 ballpoint pens in a pack of 12.", "12 pcs."):
        assert check(text, facts).passed is True, text
    assert marked("10 pens.", check("10 pens.", facts)) == ["10 pens"]


def test_an_unknown_unit_number_found_in_the_data_is_fine():
    facts = ProductFacts(title="HHIP 8401-0449 3W x 20 LED Waterproof Work Light on Magnetic Base")

    assert check("It carries 20 LED chips and is waterproof.", facts).passed is True


def test_flagged_quantity_message_names_what_the_data_gives(gorilla_glue):
    text = "A generous 16 oz bottle."

    result = check(text, gorilla_glue)

    assert result.message == "Figure '16 oz' is not in the product data, which gives '8 ounce'"


# --- materials, origins, certifications, features ---------------------------------------------------


def test_supported_origin_in_other_words(filament_made_in_usa):
    for text in ("Proudly made in the USA.", "American-made PLA filament.", "Made in America from PLA."):
        assert check(text, filament_made_in_usa).passed is True, text


def test_wrong_origin_names_the_one_in_the_data(filament_made_in_usa):
    text = "This PLA filament is German-engineered and imported from Germany."

    result = check(text, filament_made_in_usa)

    assert marked(text, result) == ["German-engineered", "imported from Germany"]
    assert result.spans[0].note == "Origin 'German-engineered' is not in the product data, which names USA"


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("It is FDA approved for food contact.", ["FDA approved"]),
        ("UL listed and CE certified.", ["UL listed", "CE certified"]),
        ("Built to ISO 9001 standards.", ["ISO 9001 standards"]),
        ("Fully RoHS compliant and BPA-free.", ["RoHS compliant", "BPA-free"]),
        ("Rated IP68 against dust.", ["IP68"]),
        ("NSF certified for kitchens.", ["NSF certified"]),
    ],
)
def test_certifications_not_in_the_data_are_flagged(sanding_roll, text, flagged):
    assert marked(text, check(text, sanding_roll)) == flagged


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("A rechargeable, wireless sanding roll.", ["rechargeable", "wireless"]),
        ("The roll is dishwasher safe and non-toxic.", ["dishwasher safe", "non-toxic"]),
        ("Food-grade, hypoallergenic paper.", ["Food-grade", "hypoallergenic"]),
        ("Backed by a lifetime warranty.", ["lifetime warranty"]),
        ("A patented, award-winning design.", ["patented", "award-winning"]),
    ],
)
def test_feature_words_not_in_the_data_are_flagged(sanding_roll, text, flagged):
    assert marked(text, check(text, sanding_roll)) == flagged


def test_waterproof_in_the_title_supports_waterproof_and_water_resistant(gorilla_glue):
    assert check("Water-resistant and fully waterproof once cured.", gorilla_glue).passed is True


def test_water_resistant_data_does_not_support_waterproof():
    facts = ProductFacts(title="Gardner Bender Electrical Tape, Water Resistant, 4 Oz")
    text = "This tape is waterproof."

    assert marked(text, check(text, facts)) == ["waterproof"]


def test_negated_claims_are_not_claims(sanding_roll):
    text = "This roll is not waterproof, and it is never rechargeable. It contains no PVC."

    assert check(text, sanding_roll).passed is True


def test_a_negation_ends_at_the_comma():
    facts = ProductFacts(title="3Doodler Create 3D Pen with 50 Plastic Strands, No Mess, Non-Toxic -", brand="3Doodler")

    assert check("A non-toxic 3D pen with 50 plastic strands.", facts).passed is True


def test_not_only_is_still_a_claim(sanding_roll):
    text = "It is not only waterproof but also tough."

    assert marked(text, check(text, sanding_roll)) == ["waterproof"]


def test_latex_free_in_the_data_does_not_support_latex(nitrile_gloves):
    text = "These gloves are made of natural latex."

    result = check(text, nitrile_gloves)

    assert marked(text, result) == ["natural latex"]


def test_latex_free_claim_is_supported_by_non_latex_data(nitrile_gloves):
    text = "Latex-free, powder-free nitrile exam gloves in a pack of 100."

    assert check(text, nitrile_gloves).passed is True


def test_attribute_values_support_claims():
    facts = ProductFacts(
        title="Kitchen Tongs",
        attributes={"Material": "Stainless Steel", "Country of origin": "Italy", "Dishwasher safe": True},
    )
    text = "Stainless steel tongs, made in Italy and dishwasher safe."

    assert check(text, facts).passed is True


def test_a_false_attribute_does_not_support_the_claim():
    facts = ProductFacts(title="Kitchen Tongs", attributes={"Waterproof": False, "Rechargeable": "no"})
    text = "Waterproof and rechargeable."

    assert marked(text, check(text, facts)) == ["Waterproof", "rechargeable"]


def test_the_shoppers_question_is_not_a_fact(sanding_roll):
    question = "Is this roll waterproof? I sand outdoors."
    text = "Yes, the roll is waterproof."

    result = check(text, sanding_roll, content_type="answer", extra_facts_text=question)

    assert marked(text, result) == ["waterproof"]


def test_published_copy_in_the_grounding_supports_an_answer(sanding_roll):
    grounding = "Is it waterproof?\nPublished copy: A waterproof backing keeps the roll usable in damp shops."

    result = check("Yes: the backing is waterproof.", sanding_roll, content_type="answer", extra_facts_text=grounding)

    assert result.passed is True


def test_without_questions_keeps_offsets():
    text = "Is it waterproof? It is 8 oz."

    assert without_questions(text) == " " * 17 + " It is 8 oz."


# --- Chinese ---------------------------------------------------------------------------------------


def test_chinese_claims_are_flagged_with_exact_spans(gorilla_glue):
    text = "Gorilla原装大猩猩胶是一款防水聚氨酯胶水，8盎司瓶装。意大利制造，采用不锈钢瓶身，3年质保，可充电。"

    result = check(text, gorilla_glue, language="zh")

    assert marked(text, result) == ["意大利制造", "不锈钢", "3年质保", "可充电"]


def test_chinese_claims_supported_by_english_data(sanding_roll):
    text = "PORTER-CABLE砂带卷，宽4-1/2英寸，长10码，80目，背胶设计。"

    assert check(text, sanding_roll, language="zh").passed is True


def test_chinese_materials_named_as_uses_are_not_claims(gorilla_glue):
    text = "防水配方，适用于不锈钢、铝和玻璃表面的粘接。"

    assert check(text, gorilla_glue, language="zh").passed is True


def test_chinese_negation(gorilla_glue):
    text = "本品不可充电，不含不锈钢部件。"

    assert check(text, gorilla_glue, language="zh").passed is True


def test_chinese_waterproof_is_supported_by_english_waterproof(gorilla_glue):
    assert check("这款胶水防水，8盎司。", gorilla_glue, language="zh").passed is True
