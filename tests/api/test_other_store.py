"""Another store's key: every endpoint answers 404 for this store's objects (as
for objects that do not exist) and nothing changes in either store."""

from __future__ import annotations

import pytest

from content.models import Campaign, CampaignServe, ShopperQuestion
from recommendations.models import Event, Shopper

pytestmark = pytest.mark.django_db

READS = [
    "/shoppers/s-sander/recommendations",
    "/shoppers/s-sander/campaign",
    "/products/GL-1/similar",
    "/products/GL-1/copy",
    "/products/GL-1/questions",
]


def _state(store):
    return (Event.objects.filter(store=store).count(), Shopper.objects.filter(store=store).count(),
            ShopperQuestion.objects.filter(store=store).count(), Campaign.objects.filter(store=store).count(),
            CampaignServe.objects.count())


def test_another_stores_key_gets_404_and_changes_nothing(api, key, other_key, store, other_store, behaviour):
    question = api("post", "/products/GL-1/questions", key, json={"text": "Is it sterile?"}).json()
    before = (_state(store), _state(other_store))

    for path in READS:
        own = api("get", path, key)
        response = api("get", path, other_key)
        assert own.status_code == 200, path
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] in ("shopper_not_found", "product_not_found"), path
    detail = api("get", f"/products/GL-1/questions/{question['id']}", other_key)
    asked = api("post", "/products/GL-1/questions", other_key, json={"text": "Sterile?", "generate_answer": True})
    category = api("get", "/shoppers/s-sander/recommendations", other_key, category="Safety")
    search = api("get", "/search", other_key, q="nitrile gloves")
    sent = api("post", "/events", other_key, json={"events": [{"shopper": "s-sander", "type": "view",
                                                                "sku": "GL-1", "key": "x-1"}]})

    assert detail.status_code == 404 and asked.status_code == 404
    assert category.status_code == 404
    assert search.status_code == 200 and search.json()["items"] == []  # none of this store's products
    assert sent.json()["results"] == [{"index": 0, "status": "rejected", "reason": "unknown product 'GL-1'"}]
    assert (_state(store), _state(other_store)) == before
