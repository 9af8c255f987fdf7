"""An admin chooses the model the store writes with on the Models screen, then rolls back."""

import pytest
from playwright.sync_api import expect

from content.models import ModelVersion
from content.selectors.model_versions import active_model_version
from tests.catalog.factories import PASSWORD
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_chooses_a_tuned_version_and_rolls_back(page, live_server, admin_member):
    store = admin_member.store
    for number, name in ((1, "tuned on product copy"), (2, "retrained on approved drafts")):
        ModelVersion.objects.create(store=store, number=number, name=name, status=ModelVersion.Status.READY,
                                    base_model_id="gemma-3-270m-q4_k_m", adapter=f"store-{store.pk}/v{number}",
                                    sources=["corpus"], training_examples=640, loss_curve=[[1, 3.1], [2, 2.8]])

    login(page, live_server, admin_member.user.username, PASSWORD)
    page.click("nav >> text=Models")
    expect(page.locator("[data-active-model]")).to_have_text("Base model")
    page.click("[data-use-version='1']")
    expect(page.locator("[data-active-model]")).to_have_text("v1 tuned on product copy")
    page.click("[data-use-version='2']")
    expect(page.locator("[data-active-model]")).to_have_text("v2 retrained on approved drafts")
    page.click("[data-roll-back]")

    expect(page.locator("[data-active-model]")).to_have_text("v1 tuned on product copy")
    expect(page.locator(".messages")).to_contain_text("Rolled back: the store writes with v1")
    assert active_model_version(store=store).number == 1
