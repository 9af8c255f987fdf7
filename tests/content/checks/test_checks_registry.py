import pytest

from content.checks import (
    CHECK_CHOICES,
    CHECK_LABELS,
    CHECKS,
    CheckContext,
    Segment,
    has_errors,
    highlight_segments,
    results_from_json,
    results_to_json,
    run_checks,
)

ORDER = [
    "length",
    "banned_words",
    "required_phrases",
    "repetition",
    "prompt_echo",
    "language",
    "near_duplicate",
    "unsupported_claims",
]
PROMPT = """Write a product description for an online store. Use only the facts given.

Product: {title}
Brand: {brand}
Description:"""
SIBLING = (
    "Gorilla Original Gorilla Glue in the 2 ounce bottle is the handy size for small fixes. It bonds wood, "
    "stone, metal, ceramic and glass, and it is waterproof once cured."
)

ITALY_NOTE = "Origin 'Made in Italy' is not in the product data, which names no origin"


def context(facts, **overrides):
    settings = dict(
        facts=facts,
        target_length=(30, 90),
        banned_words=["cheap", "best ever"],
        required_phrases=[facts.brand],
        prompt_text=PROMPT.format(title=facts.title, brand=facts.brand),
        other_texts=[("Gorilla Glue 2 ounce", SIBLING)],
    )
    settings.update(overrides)
    return CheckContext(**settings)


@pytest.mark.parametrize(
    "fixture, draft",
    [
        (
            "sanding_roll",
            "The PORTER-CABLE 740000801 sanding roll gives you 10 yards of 80-grit abrasive on a 4 1/2-inch wide "
            "adhesive backing. Cut off what you need and stick it to your sanding block for fast stock removal on "
            "wood, metal and painted surfaces. The coarse grit levels rough boards quickly.",
        ),
        (
            "gorilla_glue",
            "Gorilla Original Gorilla Glue is the tough, waterproof polyurethane glue for your hardest jobs. It "
            "bonds wood, stone, metal, ceramic, foam and glass. The 8 oz bottle keeps the brown glue fresh "
            "between projects, so it is ready for the next repair.",
        ),
        (
            "grinding_wheel",
            "Grind concrete, brick and block with the DEWALT DW4524. This 4-1/2 inch wheel is 1/4 inch thick with "
            "a 7/8 inch arbor that fits most angle grinders. Use it for cleaning up mortar joints, smoothing "
            "concrete edges and shaping masonry on the job site.",
        ),
        (
            "microscope_camera",
            "Turn your microscope into a digital imaging station with the AmScope 3.0 MP camera. It connects over "
            "USB2.0, comes with software, and works with Windows XP, Vista, 7, 8 and 10, Mac OS X and Linux, so "
            "you can capture and share what you see.",
        ),
    ],
)
def test_clean_drafts_of_real_products_pass_every_check(request, fixture, draft):
    facts = request.getfixturevalue(fixture)

    results = run_checks(draft, context(facts))

    assert [r.name for r in results] == ORDER
    assert [(r.name, r.message) for r in results if not r.passed] == []
    assert has_errors(results) is False


def test_a_faulty_draft_fails_the_right_checks(microscope_camera):
    draft = (
        "Product: AmScope camera. This cheap camera is made in Italy and resolves 3000 DPI. "
        "This cheap camera is made in Italy and resolves 3000 DPI."
    )

    results = run_checks(draft, context(microscope_camera))

    assert {r.name: r.passed for r in results} == {
        "length": False,
        "banned_words": False,
        "required_phrases": True,
        "repetition": False,
        "prompt_echo": False,
        "language": True,
        "near_duplicate": True,
        "unsupported_claims": False,
    }
    by_name = {r.name: r for r in results}
    assert by_name["unsupported_claims"].message == ("2 claims not in the product data: 'made in Italy' and '3000 DPI'")
    assert [draft[s.start : s.end] for s in by_name["unsupported_claims"].spans] == [
        "made in Italy",
        "3000 DPI",
        "made in Italy",
        "3000 DPI",
    ]
    assert [draft[s.start : s.end] for s in by_name["banned_words"].spans] == ["cheap", "cheap"]
    assert [draft[s.start : s.end] for s in by_name["prompt_echo"].spans] == ["Product:"]
    assert has_errors(results) is True


def test_results_survive_storage_and_keep_their_order(microscope_camera):
    results = run_checks("Made in Italy, 3000 DPI.", context(microscope_camera))

    assert results_from_json(results_to_json(results)) == results


def test_run_only_some_checks_in_registry_order(gorilla_glue):
    results = run_checks("Gorilla glue.", context(gorilla_glue), only=["unsupported_claims", "length"])

    assert [r.name for r in results] == ["length", "unsupported_claims"]
    with pytest.raises(KeyError):
        run_checks("x", context(gorilla_glue), only=["spelling"])


def test_registry_names_and_labels():
    assert list(CHECKS) == ORDER
    assert list(CHECK_LABELS) == ORDER
    assert CHECK_LABELS["unsupported_claims"] == "Unsupported claims"
    assert dict(CHECK_CHOICES)["language"] == "Wrong language"


def test_highlight_segments_rejoin_the_text_and_name_their_checks(microscope_camera):
    draft = "Made in Italy, a cheap camera."
    results = run_checks(draft, context(microscope_camera))

    segments = highlight_segments(draft, results)

    assert "".join(s.text for s in segments) == draft
    assert [s for s in segments if s.marked] == [
        Segment(
            "Made in Italy", ("unsupported_claims",), (ITALY_NOTE,)
        ),
        Segment("cheap", ("banned_words",), ("banned word 'cheap'",)),
    ]


def test_highlight_segments_clip_spans_of_an_older_text(microscope_camera):
    results = run_checks("Made in Italy, a cheap camera.", context(microscope_camera))

    segments = highlight_segments("Made in", results)

    assert segments == [
        Segment("Made in", ("unsupported_claims",), (ITALY_NOTE,))
    ]


def test_an_empty_draft_fails_only_on_length(gorilla_glue):
    results = run_checks("", context(gorilla_glue, required_phrases=[]))

    assert [r.name for r in results if not r.passed] == ["length"]
