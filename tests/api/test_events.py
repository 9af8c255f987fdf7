"""POST /events: per-item results through the ingestion service, idempotency
keys, the batch limit, and scopes."""

from __future__ import annotations

import pytest

from recommendations.models import Event, Shopper
from tests.api.conftest import make_key

pytestmark = pytest.mark.django_db


def test_each_event_gets_its_own_result_and_the_good_ones_are_stored(api, key, store, catalog):
    response = api("post", "/events", key, json={"events": [
        {"shopper": "s-1", "type": "view", "sku": "AB-1", "key": "k-1"},
        {"shopper": "s-1", "type": "teleport", "sku": "AB-1"},
        {"shopper": "s-2", "type": "purchase", "sku": "NO-SUCH"},
        {"shopper": 42, "type": "search", "query": "nitrile gloves", "campaign": "7:3", "time": 1740819600},
        {"type": "view", "sku": "AB-1"},
    ]})

    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["accepted"], body["duplicates"], body["rejected"]) == (5, 2, 0, 3)
    assert [(r["index"], r["status"]) for r in body["results"]] == [
        (0, "accepted"), (1, "rejected"), (2, "rejected"), (3, "accepted"), (4, "rejected")]
    assert body["results"][1]["reason"].startswith("unknown event type 'teleport'")
    assert body["results"][2]["reason"] == "unknown product 'NO-SUCH'"
    assert body["results"][4]["reason"] == "shopper is missing"
    stored = list(Event.objects.filter(store=store).order_by("id").values_list(
        "shopper__external_id", "event_type", "product__sku", "query", "source", "idempotency_key", "campaign"))
    assert stored == [("s-1", "view", "AB-1", "", "api", "k-1", ""),
                      ("42", "search", None, "nitrile gloves", "api", stored[1][5], "7:3")]
    assert set(Shopper.objects.filter(store=store).values_list("external_id", flat=True)) == {"s-1", "42"}


def test_a_repeated_idempotency_key_is_not_stored_twice(api, key, store, catalog):
    event = {"shopper": "s-1", "type": "purchase", "sku": "AB-1", "key": "order-9-line-1"}
    first = api("post", "/events", key, json={"events": [event, {**event}]})
    again = api("post", "/events", key, json={"events": [event]})

    assert [r["status"] for r in first.json()["results"]] == ["accepted", "duplicate"]
    assert again.json()["results"] == [{"index": 0, "status": "duplicate", "reason": None}]
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    assert Event.objects.filter(store=store, idempotency_key="order-9-line-1").count() == 1
    assert Shopper.objects.get(store=store, external_id="s-1").event_count == 1


def test_over_a_thousand_events_is_413_and_nothing_is_stored(api, key, store, catalog):
    events = [{"shopper": f"s-{n}", "type": "view", "sku": "AB-1", "key": f"k-{n}"} for n in range(1001)]

    response = api("post", "/events", key, json={"events": events})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert not Event.objects.filter(store=store).exists()
    assert api("post", "/events", key, json={"events": events[:1000]}).json()["accepted"] == 1000


def test_a_read_only_key_may_not_send_events(api, admin_member, store, catalog):
    _, read_only = make_key(admin_member, scopes=["read"])

    response = api("post", "/events", read_only, json={"events": [{"shopper": "s", "type": "view", "sku": "AB-1"}]})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert not Event.objects.filter(store=store).exists()


def test_a_body_that_is_not_a_batch_is_422(api, key, store):
    response = api("post", "/events", key, json={"events": "view"})

    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid_request" and body["details"][0]["loc"][-1] == "events"


def test_text_postgres_cannot_hold_is_rejected_per_event(api, key, store, catalog):
    response = api("post", "/events", key, json={"events": [
        {"shopper": "s-1", "type": "search", "query": "nul\u0000byte"},
        {"shopper": "s-\ud800", "type": "view", "sku": "AB-1"},
        {"shopper": "s-2", "type": "view", "sku": "AB-1", "key": "ok-1"},
    ]})

    assert [r["status"] for r in response.json()["results"]] == ["rejected", "rejected", "accepted"]
    assert response.json()["results"][0]["reason"] == "query contains a NUL character"
    assert response.json()["results"][1]["reason"] == "shopper is not valid Unicode text"
    assert Event.objects.filter(store=store).count() == 1
