"""A merchant opens a shopper, turns "In stock only" off and sees the list
change in place (htmx), then back on."""

import re

import pytest
from playwright.sync_api import expect

from tests.catalog.factories import PASSWORD
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _titles(page):
    return page.locator("#recommendations .rec-title").all_inner_texts()


def test_toggling_in_stock_only_changes_the_recommendations_in_place(page, live_server, viewer_member, behaviour):
    login(page, live_server, viewer_member.user.username, PASSWORD)
    page.click("nav >> text=Shoppers")
    page.fill("input[name=q]", "s-sander")
    page.click("a.mono:has-text('s-sander')")

    page.wait_for_selector("#recommendations .rec-item")
    in_stock = _titles(page)
    assert len(in_stock) == 10
    assert page.locator("#recommendations .badge.out-of-stock").count() == 0
    url_before = page.url

    page.uncheck("label:has-text('In stock only') input[type=checkbox]")
    page.wait_for_selector("#recommendations .badge.out-of-stock")

    everything = _titles(page)
    assert len(everything) == 10 and everything != in_stock
    assert page.locator("[data-timeline]").count() == 1  # the page stayed: only the list was swapped
    assert "in_stock=0" in page.url and page.url != url_before

    page.check("label:has-text('In stock only') input[type=checkbox]")
    # Not wait_for_function: Playwright evaluates its string with eval, which the page's policy refuses.
    expect(page.locator("#recommendations .badge.out-of-stock")).to_have_count(0)
    assert _titles(page) == in_stock


def _metrics(recall: float) -> dict:
    return {"recall@10": recall, "ndcg@10": recall / 2, "coverage@10": 0.3, "fit_seconds": 0.1, "rank_seconds": 0.1}


def test_the_evaluation_chart_draws_under_the_content_security_policy(page, live_server, viewer_member):
    from recommendations.models import EvaluationRun

    for recall in (0.2, 0.3):  # two finished runs, as the evaluation job leaves them
        EvaluationRun.objects.create(store=viewer_member.store, params={"k": 10}, result={"methods": {
            name: {"normal": _metrics(recall), "cold": _metrics(recall / 3)} for name in ("popularity", "hybrid")}})
    login(page, live_server, viewer_member.user.username, PASSWORD)

    page.goto(f"{live_server.url}/s/{viewer_member.store.slug}/recommendations/evaluation/")

    # Chart.js sizes the canvas once it has drawn on it.
    expect(page.locator("#evaluation-chart")).to_have_attribute("style", re.compile("box-sizing: border-box"))
    assert page.evaluate("Chart.getChart(document.getElementById('evaluation-chart')).data.datasets.length") == 2
