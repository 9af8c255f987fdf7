import pytest

from content.checks import CheckContext, guess_language
from content.checks.language import check_language


def marked(text, result):
    return [text[span.start : span.end] for span in result.spans]


def test_english_copy_passes(gorilla_glue):
    text = "Gorilla Glue is the tough, waterproof glue for your hardest jobs. It bonds wood, stone and metal."

    result = check_language(text, CheckContext(facts=gorilla_glue))

    assert (result.passed, result.message) == (True, "English")


def test_a_spanish_sentence_in_english_copy_is_marked(gorilla_glue):
    text = (
        "Gorilla Glue is the tough, waterproof glue for your hardest jobs around the house and in the workshop. "
        "El pegamento es muy resistente y se seca en pocas horas."
    )

    result = check_language(text, CheckContext(facts=gorilla_glue))

    assert result.passed is False
    assert marked(text, result) == ["El pegamento es muy resistente y se seca en pocas horas."]
    assert result.message == (
        "Expected English, but a sentence reads as Spanish: 'El pegamento es muy resistente y se seca en pocas horas.'"
    )


@pytest.mark.parametrize(
    "text, language",
    [
        ("Gorilla Glue est une colle très forte pour tous vos projets. Elle est imperméable.", "French"),
        ("Der Kleber ist wasserfest und sehr stark. Er klebt Holz, Stein und Metall.", "German"),
        ("La colla Gorilla è molto forte e resistente all'acqua per tutti i lavori.", "Italian"),
    ],
)
def test_a_whole_draft_in_another_latin_language(gorilla_glue, text, language):
    result = check_language(text, CheckContext(facts=gorilla_glue))

    assert result.passed is False
    assert result.message == f"Expected English, but the text reads as {language}"


def test_brand_words_that_look_foreign_are_not_evidence():
    from content.checks import ProductFacts

    facts = ProductFacts(title="SE 612FS 12 Stainless Steel Self-Locking Straight Forceps", brand="SE")
    text = "SE 612FS forceps lock in place. SE makes them from stainless steel for the lab."

    assert check_language(text, CheckContext(facts=facts)).passed is True


def test_english_copy_with_foreign_looking_words_passes(gorilla_glue):
    text = "Perfect for die-cast models, O-rings and la crosse sticks, this glue bonds it all."

    assert check_language(text, CheckContext(facts=gorilla_glue)).passed is True


def test_chinese_in_english_copy(gorilla_glue):
    text = "Gorilla Glue is tough and waterproof for all your repairs around the house. 这款胶水非常好用。"

    result = check_language(text, CheckContext(facts=gorilla_glue))

    assert marked(text, result) == ["这款胶水非常好用"]
    assert result.message == "Expected English, but it contains Chinese text: '这款胶水非常好用'"


def test_chinese_copy_passes_with_brand_and_model_in_latin_script(sanding_roll):
    text = "这款PORTER-CABLE 740000801砂带卷宽4-1/2英寸，长10码，80目，背胶设计，使用方便。"

    result = check_language(text, CheckContext(facts=sanding_roll, language="zh"))

    assert result.passed is True
    assert result.message == "Chinese"
    assert result.details == {"cjk_share": 1.0}  # the brand and model number are the product's own words


def test_chinese_copy_may_quote_the_english_title(sanding_roll):
    text = "本品为 PORTER-CABLE 740000801 4 1/2-Inch x 10yd 80 Grit Adhesive-Backed Sanding Roll，适合打磨木材。"

    assert check_language(text, CheckContext(facts=sanding_roll, language="zh")).passed is True


def test_an_english_passage_in_chinese_copy_is_marked(gorilla_glue):
    text = "这款胶水非常好用。This glue is great for all your projects and repairs around the house. 防水性能出色。"

    result = check_language(text, CheckContext(facts=gorilla_glue, language="zh"))

    assert result.passed is False
    assert marked(text, result) == ["This glue is great for all your projects and repairs around the house"]


def test_english_copy_when_chinese_was_expected(gorilla_glue):
    text = "Gorilla Glue is a waterproof polyurethane glue in an 8 ounce bottle."

    result = check_language(text, CheckContext(facts=gorilla_glue, language="zh"))

    assert result.passed is False
    assert result.message == "Expected Chinese, but only 0% of the text is Chinese; it reads as English"
    assert marked(text, result) == ["Gorilla Glue is a waterproof polyurethane glue in an 8 ounce bottle"]


def test_chinese_copy_when_english_was_expected(gorilla_glue):
    text = "这款胶水非常好用，防水性能出色，适合各种维修。"

    result = check_language(text, CheckContext(facts=gorilla_glue))

    assert result.message == "Expected English, but the text is mostly Chinese"
    assert marked(text, result) == ["这款胶水非常好用，防水性能出色，适合各种维修"]


def test_too_short_to_tell(gorilla_glue):
    assert check_language("OK", CheckContext(facts=gorilla_glue)).message == "Too short to tell the language"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The glue is strong and it is waterproof.", "en"),
        ("这款胶水非常好用。", "zh"),
        ("El pegamento es muy resistente y se seca rápido.", "es"),
        ("Glue.", None),
    ],
)
def test_guess_language(text, expected):
    assert guess_language(text) == expected
