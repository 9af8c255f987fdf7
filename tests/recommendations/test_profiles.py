"""Stored profiles: vector, top categories and brands, counts, embedded
searches; the stale flag after new events; the debounced refresh."""

import numpy as np
import pytest
from django.core.cache import cache

from recommendations.models import Event, Shopper, ShopperProfile
from recommendations.services.profiles import profile_refresh_one, profiles_refresh, profiles_schedule_refresh
from tests.recommendations.factories import event, ingest

pytestmark = pytest.mark.django_db


def test_a_profile_holds_the_vector_top_categories_brands_counts_and_searches(store, behaviour):
    built = profiles_refresh(store=store)

    assert built == Shopper.objects.filter(store=store).count() == 16
    profile = ShopperProfile.objects.get(shopper__external_id="s-gloves")
    assert profile.event_counts == {"search": 1, "view": 1, "purchase": 1}
    # the purchase (weight 3) of a LabGuard product, the view (weight 1) of a SafeHands one
    assert [row["name"] for row in profile.top_categories] == ["Gloves"]
    assert [(row["name"], row["share"]) for row in profile.top_brands] == [("LabGuard", 0.75), ("SafeHands", 0.25)]
    assert profile.recent_queries == ["gloves for handling chemicals"]
    assert profile.model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert np.linalg.norm(profile.vector) == pytest.approx(1.0, abs=1e-5)
    search = Event.objects.get(shopper=profile.shopper, event_type="search")
    assert search.text_model_id == "sentence-transformers/all-MiniLM-L6-v2" and search.text_embedding is not None
    assert not Shopper.objects.filter(store=store, profile_stale=True).exists()


def test_new_events_mark_the_profile_stale_and_only_stale_ones_are_rebuilt(store, behaviour):
    profiles_refresh(store=store)
    before = ShopperProfile.objects.get(shopper__external_id="s-sander").built_at

    ingest(store, [event("s-sander", "purchase", "GL-4", minutes=30)])

    shopper = Shopper.objects.get(store=store, external_id="s-sander")
    assert shopper.profile_stale
    assert profiles_refresh(store=store) == 1
    profile = ShopperProfile.objects.get(shopper=shopper)
    assert profile.built_at > before
    assert "Gloves" in [row["name"] for row in profile.top_categories]


def test_a_shopper_with_only_products_waiting_for_vectors_gets_a_profile_without_one(store, catalog):
    ingest(store, [event("s-1", "view", "AB-1")])

    profile = profile_refresh_one(shopper=Shopper.objects.get(store=store, external_id="s-1"))

    assert profile.vector is None and profile.model_id == ""
    assert profile.top_categories == [{"name": "Sanding Discs", "share": 1.0}]


def test_the_refresh_after_events_is_debounced(store):
    cache.delete(f"recommendations:profiles-refresh:{store.pk}")

    sent = [profiles_schedule_refresh(store=store) for _ in range(3)]

    assert sent == [True, False, False]
    cache.delete(f"recommendations:profiles-refresh:{store.pk}")
