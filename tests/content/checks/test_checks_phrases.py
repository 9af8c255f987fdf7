from content.checks import CheckContext
from content.checks.phrases import check_banned_words, check_required_phrases


def marked(text, result):
    return [text[span.start : span.end] for span in result.spans]


def test_banned_words_every_occurrence_whole_words_any_case(gorilla_glue):
    text = "Cheap glue? Not cheap at all: this is the best-in-class glue, not a cheapskate's choice. CHEAP!"
    ctx = CheckContext(facts=gorilla_glue, banned_words=["cheap", "best in class"])

    result = check_banned_words(text, ctx)

    assert result.passed is False
    assert marked(text, result) == ["Cheap", "cheap", "best-in-class", "CHEAP"]
    assert result.message == "Uses banned words 'cheap (3\u00d7)' and 'best in class'"
    assert result.details == {"found": {"cheap": 3, "best in class": 1}}
    assert result.spans[0].note == "banned word 'cheap'"


def test_banned_phrase_and_a_word_inside_it_mark_the_stretch_once(gorilla_glue):
    text = "A world class glue."
    ctx = CheckContext(facts=gorilla_glue, banned_words=["world class", "class"])

    assert marked(text, check_banned_words(text, ctx)) == ["world class"]


def test_banned_words_apostrophes_and_chinese(gorilla_glue):
    text = "It's the world’s best. 这款胶水是最好的，很cheap。"
    ctx = CheckContext(facts=gorilla_glue, language="zh", banned_words=["world's best", "最好", "cheap"])

    assert marked(text, check_banned_words(text, ctx)) == ["world’s best", "最好", "cheap"]


def test_no_banned_words_passes(gorilla_glue):
    ctx = CheckContext(facts=gorilla_glue, banned_words=["cheap", "", "  "])

    result = check_banned_words("A strong, waterproof glue.", ctx)

    assert (result.passed, result.message, result.spans) == (True, "No banned words", ())


def test_required_phrases_missing_are_listed_without_spans(gorilla_glue):
    ctx = CheckContext(facts=gorilla_glue, required_phrases=["Gorilla Tough", "free shipping", "Gorilla Tough"])

    result = check_required_phrases("A strong glue with free   shipping.", ctx)

    assert result.passed is False
    assert result.spans == ()
    assert result.message == "Missing required phrase 'Gorilla Tough'"
    assert result.details == {"missing": ["Gorilla Tough"]}


def test_required_phrases_present_in_any_case_pass(gorilla_glue):
    ctx = CheckContext(facts=gorilla_glue, required_phrases=["Gorilla Tough", "大猩猩"])

    result = check_required_phrases("GORILLA TOUGH glue. 大猩猩胶水。", ctx)

    assert (result.passed, result.message) == (True, "All required phrases present")


def test_no_required_phrases_set(gorilla_glue):
    result = check_required_phrases("Anything.", CheckContext(facts=gorilla_glue))

    assert (result.passed, result.message) == (True, "No required phrases set")


def test_swear_words_are_banned_in_every_store_spelled_with_symbols_too(sanding_roll):
    # The tuned model's words on the copy yardstick (2026-12-01), then other spellings.
    text = "For use with sand, sh!t, and sanding pads. Holy SHIT, it f*cking works. 这他妈的好用。"
    ctx = CheckContext(facts=sanding_roll, banned_words=[])

    result = check_banned_words(text, ctx)

    assert result.passed is False
    assert result.flags_draft
    assert marked(text, result) == ["sh!t", "SHIT", "f*cking", "他妈的"]
    assert result.spans[0].note == "swear word 'sh!t'"


def test_catalog_words_and_the_products_own_words_are_not_swear_words():
    from content.checks import ProductFacts

    valve = ProductFacts(title="Brass Ball Cock Valve and Bastard Cut File, Damn Good Tools", brand="", category="")
    text = "A brass stopcock, a bastard file, a shitake-free kitchen, the Damn Good Tools range and Scunthorpe steel."

    assert check_banned_words(text, CheckContext(facts=valve)).passed
