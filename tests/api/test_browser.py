"""An admin makes an API key on the dashboard, the storefront sends events with
it over HTTP (as curl would), and the shopper's page shows recommendations that
follow the new events."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.catalog.factories import PASSWORD
from tests.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post(url: str, key: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _titles(page) -> list[str]:
    return page.locator("#recommendations .rec-title").all_inner_texts()


def test_a_key_made_on_the_dashboard_sends_events_that_change_the_shoppers_recommendations(
        page, live_server, admin_member, behaviour):
    login(page, live_server, admin_member.user.username, PASSWORD)
    page.click("nav >> text=API keys")
    page.fill("input[name=name]", "Test storefront")
    page.click("#api-key-form button[type=submit]")
    key = page.locator("[data-key-value]").inner_text().strip()
    assert page.locator("[data-key-row='Test storefront']").count() == 1

    page.click("nav >> text=Shoppers")
    page.fill("input[name=q]", "s-sander")
    page.click("a.mono:has-text('s-sander')")
    page.wait_for_selector("#recommendations .rec-item")
    before = _titles(page)
    assert not any("Beaker" in title or "Flask" in title for title in before[:3])

    # The shopper turns to lab glassware: views and a purchase, sent through the API.
    events = [{"shopper": "s-sander", "type": event_type, "sku": sku, "key": f"glass-{n}"}
              for n, (event_type, sku) in enumerate([("view", "BK-1"), ("view", "BK-6"), ("view", "BK-2"),
                                                      ("purchase", "BK-1")])]
    result = _post(f"{live_server.url}/api/v1/events", key, {"events": events})
    assert (result["accepted"], result["rejected"]) == (4, 0)

    page.reload()
    page.wait_for_selector("#recommendations .rec-item")
    after = _titles(page)
    assert after != before
    assert page.locator("#recommendations [data-reason]", has_text="Beaker").count() >= 1
    assert page.locator("[data-timeline]", has_text="Borosilicate Glass Beaker Set").count() == 1

    page.click("nav >> text=API keys")
    assert page.locator("[data-key-row='Test storefront'] [data-last-used]").inner_text() != "never"


def test_the_reference_page_renders_the_openapi_document(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs/")

    page.wait_for_selector(".swagger-ui .opblock-summary-path")
    paths = page.locator(".swagger-ui .opblock-summary-path").all_inner_texts()
    assert "/api/v1/shoppers/{shopper_id}/recommendations" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".swagger-ui .info .title", has_text="Commerce Studio storefront API").count() == 1
