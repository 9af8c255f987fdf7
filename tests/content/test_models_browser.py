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


def test_a_reader_judges_the_yardsticks_drafts_on_its_page(page, live_server, editor_member):
    from content.models import CopyEvaluation, CopyEvaluationDraft

    evaluation = CopyEvaluation.objects.create(store=editor_member.store, candidates=4, results={})
    for n, text in enumerate(("A glass beaker for the lab bench.", "A beaker for cooking, medicine and space.")):
        CopyEvaluationDraft.objects.create(evaluation=evaluation, subset="store", item_key=f"SKU-{n}", position=n,
                                           language="en", title=f"Glass beaker {n}", text=text, passed=True)

    login(page, live_server, editor_member.user.username, PASSWORD)
    page.goto(f"{live_server.url}{evaluation.get_absolute_url()}")
    expect(page.locator("#reader-figures")).to_contain_text("No draft judged yet")
    page.locator("[data-verdict-for='SKU-0'] [data-verdict='as_is']").click()
    expect(page.locator("[data-verdict-for='SKU-0'] [data-verdict-current]")).to_have_text(
        "Reader: approve as it stands")
    page.locator("[data-verdict-for='SKU-1'] [data-verdict='reject']").click()

    # The figures above follow each verdict, without a reload.
    expect(page.locator("#reader-figures")).to_contain_text(
        "1 of 2 judged drafts approved as it stands, 0 after an edit, 1 rejected.")
    assert list(CopyEvaluationDraft.objects.order_by("position").values_list("verdict", flat=True)) == [
        "as_is", "reject"]
