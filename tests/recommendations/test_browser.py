"""A merchant opens a shopper, turns "In stock only" off and sees the list
change in place (htmx), then back on."""

import pytest

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
    page.wait_for_function("document.querySelectorAll('#recommendations .badge.out-of-stock').length === 0")
    assert _titles(page) == in_stock
