from content.checks import CheckContext
from content.checks.repetition import check_repetition


def marked(text, result):
    return [text[span.start : span.end] for span in result.spans]


CLEAN_EN = (
    "The DEWALT DW4524 grinds concrete, brick and block. This 4-1/2 inch wheel is 1/4 inch thick with a 7/8 inch "
    "arbor that fits most 4-1/2 inch angle grinders. The DEWALT DW4524 removes material fast, so you spend less "
    "time on each cut. Use the wheel for cleaning up mortar joints, smoothing concrete edges and shaping masonry. "
    "With the DEWALT DW4524 on your grinder, you can tackle the toughest masonry jobs on the site."
)


def test_natural_copy_that_repeats_the_product_name_passes(grinding_wheel):
    result = check_repetition(CLEAN_EN, CheckContext(facts=grinding_wheel))

    assert result.passed is True
    assert result.details["share"] < 0.25


def test_a_looping_draft_fails_with_spans_on_the_repeats(gorilla_glue):
    text = (
        "Gorilla Glue is strong and waterproof. Gorilla Glue is strong and waterproof and easy to use. "
        "Gorilla Glue is strong and waterproof and easy to use for all your projects."
    )

    result = check_repetition(text, CheckContext(facts=gorilla_glue))

    assert result.passed is False
    assert result.details["share"] == 0.533  # 16 of 30 words
    assert result.message == "Repeats itself: 53% of the text repeats earlier phrases (limit 25%)"
    assert marked(text, result) == [
        "Gorilla Glue is strong and waterproof",
        "Gorilla Glue is strong and waterproof and easy to use",
    ]


def test_a_sentence_said_twice_fails_even_when_the_share_is_low(sanding_roll):
    text = (
        "The PORTER-CABLE roll gives you ten yards of coarse paper for shaping rough boards in the shop. "
        "Stick it to any sanding block. It cuts quickly through old paint and varnish on doors and trim. "
        "Stick it to any sanding block."
    )

    result = check_repetition(text, CheckContext(facts=sanding_roll))

    assert result.passed is False
    assert marked(text, result) == ["Stick it to any sanding block."]
    assert result.message == "Repeats itself: a sentence appears twice: 'Stick it to any sanding block.'"


def test_short_repeated_sentences_are_ignored(sanding_roll):
    text = "Great value. The PORTER-CABLE roll sands fast and stays put on the block. Great value."

    assert check_repetition(text, CheckContext(facts=sanding_roll)).passed is True


def test_chinese_repetition(gorilla_glue):
    loop = (
        "这款胶水非常好用，防水性能好。这款胶水非常好用，防水性能好，粘合力强。"
        "这款胶水非常好用，防水性能好，粘合力强，价格实惠。"
    )
    clean = (
        "大猩猩原装胶水采用防水聚氨酯配方，8盎司瓶装。它能牢固粘合木材、石材、金属和陶瓷，固化后可在室内外长期使用。"
    )

    looping = check_repetition(loop, CheckContext(facts=gorilla_glue, language="zh"))
    fine = check_repetition(clean, CheckContext(facts=gorilla_glue, language="zh"))

    assert looping.passed is False
    assert marked(loop, looping)[0] == "这款胶水非常好用，防水性能好"
    assert fine.passed is True


def test_a_video_scripts_own_labels_are_not_repetition(sanding_roll):
    scenes = [
        ("the sanding roll on a workbench", "Meet the PORTER-CABLE 80 grit sanding roll."),
        ("hands cutting a strip from the roll", "Cut a strip to the length of your sanding block."),
        ("the strip pressed onto a block", "The adhesive back holds the strip in place."),
        ("the block sanding a rough board", "Ten yards of 80 grit paper for your next project."),
        ("the finished board", "Smooth boards, fast."),
        ("the roll back on the shelf", "Keep a roll in the shop."),
    ]
    text = "\n".join(
        f"Scene {i}\nShot: Close-up of {shot}.\nVoice-over: {line}" for i, (shot, line) in enumerate(scenes, 1)
    )

    as_script = check_repetition(text, CheckContext(facts=sanding_roll, content_type="video_script"))
    as_description = check_repetition(text, CheckContext(facts=sanding_roll, content_type="description"))

    assert as_script.passed is True
    assert as_script.details["share"] < as_description.details["share"]
