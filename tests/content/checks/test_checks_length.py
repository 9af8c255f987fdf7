from content.checks import ERROR, WARNING, CheckContext
from content.checks.length import check_length


def test_within_target_passes(sanding_roll):
    text = "The PORTER-CABLE 740000801 roll gives you 10 yards of 80-grit paper."

    result = check_length(text, CheckContext(facts=sanding_roll, target_length=(10, 20)))

    assert result.passed is True
    assert result.message == "11 words, within the target of 10\u201320"
    assert result.details == {"count": 11, "unit": "words", "target": [10, 20]}


def test_too_short_gives_the_counts(sanding_roll):
    result = check_length("An 80 grit roll.", CheckContext(facts=sanding_roll, target_length=(50, 120)))

    assert result.passed is False
    assert result.severity == ERROR
    assert result.message == "Too short: 4 words, the target is 50\u2013120"
    assert result.spans == ()


def test_too_long_marks_the_words_past_the_limit(sanding_roll):
    text = "one two three four five six seven eight nine ten eleven twelve"

    result = check_length(text, CheckContext(facts=sanding_roll, target_length=(2, 8)))

    assert result.passed is False
    assert result.severity == ERROR
    assert result.message == "Too long: 12 words, the target is 2\u20138"
    assert [text[s.start : s.end] for s in result.spans] == ["nine ten eleven twelve"]
    assert result.spans[0].note == "past the 8-word limit"


def test_a_few_words_off_is_a_warning(sanding_roll):
    eleven = "one two three four five six seven eight nine ten eleven"

    over = check_length(eleven, CheckContext(facts=sanding_roll, target_length=(5, 10)))
    under = check_length(eleven, CheckContext(facts=sanding_roll, target_length=(12, 20)))

    assert (over.passed, over.severity) == (False, WARNING)
    assert (under.passed, under.severity) == (False, WARNING)


def test_no_target_passes(sanding_roll):
    result = check_length("Short.", CheckContext(facts=sanding_roll))

    assert result.passed is True
    assert result.message == "1 word; no target length set"


def test_chinese_counts_characters_and_latin_words_once(sanding_roll):
    text = "PORTER-CABLE砂带卷，宽4-1/2英寸，长10码。"

    result = check_length(text, CheckContext(facts=sanding_roll, language="zh", target_length=(5, 10)))

    # 砂带卷 宽 英寸 长 码 = 8 characters, plus PORTER-CABLE, 4-1/2 and 10
    assert result.details["count"] == 11
    assert result.message == "Too long: 11 characters, the target is 5\u201310"
    assert [text[s.start : s.end] for s in result.spans] == ["码"]
