import json

import pytest

from content.checks import (
    ERROR,
    WARNING,
    CheckContext,
    CheckResult,
    ProductFacts,
    Span,
    failed_names,
    has_errors,
    results_from_json,
    results_to_json,
)


def test_result_round_trips_through_json():
    result = CheckResult(
        "unsupported_claims",
        False,
        "Says 'Made in Italy' but the product data names no origin",
        (Span(10, 23, "Says 'Made in Italy' but the product data names no origin"),),
        ERROR,
        {"claims": [{"kind": "origin", "key": "Italy", "text": "Made in Italy", "severity": "error"}]},
    )

    stored = json.loads(json.dumps(results_to_json([result])))

    assert stored == [
        {
            "name": "unsupported_claims",
            "passed": False,
            "message": "Says 'Made in Italy' but the product data names no origin",
            "spans": [{"start": 10, "end": 23, "note": "Says 'Made in Italy' but the product data names no origin"}],
            "severity": "error",
            "details": {"claims": [{"kind": "origin", "key": "Italy", "text": "Made in Italy", "severity": "error"}]},
        }
    ]
    assert results_from_json(stored) == [result]
    assert results_from_json(stored)[0].details == result.details


def test_from_dict_tolerates_rows_stored_before_a_key_existed():
    result = CheckResult.from_dict({"name": "length", "passed": True, "spans": [{"start": 0, "end": 3}]})

    assert result == CheckResult("length", True, "", (Span(0, 3),), ERROR)
    assert results_from_json(None) == []


def test_severity_and_span_are_validated():
    with pytest.raises(ValueError):
        CheckResult("length", False, "x", (), "fatal")
    with pytest.raises(ValueError):
        Span(5, 2)


def test_errors_flag_a_draft_warnings_do_not():
    warning = CheckResult("near_duplicate", False, "close", (), WARNING)
    error = CheckResult("length", False, "long", (), ERROR)
    passed = CheckResult("language", True, "English", (), ERROR)

    assert has_errors([warning, passed]) is False
    assert has_errors([warning, error]) is True
    assert failed_names([warning, error, passed]) == ["near_duplicate", "length"]


def test_product_facts_text_drops_negative_attributes():
    facts = ProductFacts(
        title="Kitchen Tongs",
        brand="Acme",
        attributes={
            "Material": "Stainless Steel",
            "Waterproof": False,
            "Rechargeable": "No",
            "Dishwasher safe": True,
            "Sizes": ["9 in", "12 in"],
            "Box": {"count": 2},
        },
        description="Sturdy tongs.",
    )

    assert facts.text() == (
        "Kitchen Tongs\nAcme\nMaterial: Stainless Steel\nDishwasher safe\nSizes: 9 in, 12 in\nBox count: 2\n"
        "Sturdy tongs."
    )


def test_context_validates_and_freezes_its_inputs(gorilla_glue):
    ctx = CheckContext(facts=gorilla_glue, banned_words=["cheap"], other_texts=[["a", "b"]], target_length=[10, 20])

    assert ctx.banned_words == ("cheap",)
    assert ctx.other_texts == (("a", "b"),)
    assert ctx.target_length == (10, 20)
    with pytest.raises(ValueError):
        CheckContext(facts=gorilla_glue, language="fr")
    with pytest.raises(ValueError):
        CheckContext(facts=gorilla_glue, content_type="tweet")
    with pytest.raises(ValueError):
        CheckContext(facts=gorilla_glue, target_length=(20, 10))


def test_facts_text_adds_the_grounding(gorilla_glue):
    ctx = CheckContext(facts=ProductFacts(title="Glue"), extra_facts_text="Q: is it waterproof?")

    assert ctx.facts_text == "Glue\nQ: is it waterproof?"
