"""Checks on a draft's text (content/services/drafts.py): what generation runs
on every new draft and the review workflow runs again after an edit."""

import pytest

from content.models import Draft
from content.services import brand_voice_for, draft_run_checks
from content.services.drafts import Signature
from tests.catalog.factories import ProductFactory
from tests.content.factories import DraftFactory

pytestmark = pytest.mark.django_db

COPY = ("Powder-free nitrile exam gloves for lab work, cleaning and assembly, with textured fingertips for a sure "
        "grip on wet glassware and small parts at the bench.")


def stored(store, product, text, **kwargs):
    signature = Signature.of(text, "en")
    return DraftFactory(store=store, product=product, current_text=text, generated_text=text,
                        signature=signature.values, band_keys=signature.keys, **kwargs)


def test_checks_set_the_results_failed_names_and_signature_without_saving(store):
    voice = brand_voice_for(store=store)
    voice.banned_words = ["miracle"]
    voice.save()
    product = ProductFactory(store=store, title="Nitrile Exam Gloves, Box of 100", attributes={"material": "nitrile"})
    draft = DraftFactory(store=store, product=product, current_text="A miracle glove, made in Italy.")

    results = draft_run_checks(draft=draft)

    by_name = {result.name: result for result in results}
    assert not by_name["banned_words"].passed and not by_name["unsupported_claims"].passed
    assert {"banned_words", "unsupported_claims"} <= set(draft.failed_checks)
    assert [item["name"] for item in draft.checks] == [result.name for result in results]
    assert len(draft.signature) == 64 and len(draft.band_keys) == 32
    assert Draft.objects.get(pk=draft.pk).checks == []  # the caller saves


def test_another_products_copy_with_the_same_text_is_found_as_a_near_duplicate(store):
    first, second = ProductFactory(store=store, title="Gloves S"), ProductFactory(store=store, title="Gloves M")
    stored(store, first, COPY)
    unrelated = stored(store, ProductFactory(store=store), "A six inch stainless steel caliper with a clear display.")
    draft = DraftFactory(store=store, product=second, current_text=COPY + " Sold by the box.")

    draft_run_checks(draft=draft)

    duplicate = next(item for item in draft.checks if item["name"] == "near_duplicate")
    assert not duplicate["passed"]
    assert duplicate["details"]["matches"][0]["label"].endswith("Gloves S")
    assert unrelated.product.title not in duplicate["message"]


def test_the_same_products_other_drafts_are_not_duplicates(store):
    product = ProductFactory(store=store, title="Gloves S")
    stored(store, product, COPY, variant=1)
    draft = DraftFactory(store=store, product=product, current_text=COPY, variant=2)

    draft_run_checks(draft=draft)

    assert "near_duplicate" not in draft.failed_checks
