"""Recommendations as the storefront API serves them: the list stored with the shopper's
profile when the profile is built, served while it is current, with stock checked on every
request, and computed afresh (and stored again) after the shopper's next event, a settings
change, or for filters it was not computed with."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.config import DEFAULTS, config_from_overrides
from recommendations.models import Shopper, ShopperProfile
from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper
from recommendations.services import serving
from recommendations.services.profiles import profiles_refresh
from recommendations.services.serving import STORED_K, recommendations_served
from recommendations.services.store_settings import settings_update
from tests.recommendations.factories import event, ingest

pytestmark = pytest.mark.django_db


def _shopper(store, external_id="s-sander"):
    return Shopper.objects.get(store=store, external_id=external_id)


def _skus(result):
    return [item.product.sku for item in result.items]


def _served(store, shopper, **options):
    return recommendations_served(store=store, shopper=shopper, **options)


def test_building_a_profile_stores_the_list_the_api_then_serves(store, behaviour):
    profiles_refresh(store=store, everything=True)
    shopper = _shopper(store)
    profile = ShopperProfile.objects.get(shopper=shopper)
    fresh = recommend_for_shopper(store=store, shopper=shopper, k=5)

    assert profile.recommended_for == shopper.events_updated_at and profile.recommended_kind == "personal"
    assert len(profile.recommended) == min(STORED_K, len(recommend_for_shopper(store=store, shopper=shopper,
                                                                                  k=STORED_K)))
    with CaptureQueriesContext(connection) as queries:
        served = _served(store, shopper, k=5)

    assert served.plan == "stored" and len(queries) == 2  # the stored list, then its products
    assert _skus(served) == _skus(fresh)
    assert [item.reason_text for item in served.items] == [item.reason_text for item in fresh.items]
    assert [round(item.score, 5) for item in served.items] == [round(item.score, 5) for item in fresh.items]


def test_a_new_event_makes_the_stored_list_stale_and_the_request_stores_a_fresh_one(store, behaviour):
    profiles_refresh(store=store, everything=True)
    ingest(store, [event("s-sander", "purchase", "GL-1", minutes=30)])
    shopper = _shopper(store)

    served = _served(store, shopper, k=5)

    assert served.plan != "stored"
    assert "GL-1" not in _skus(served)  # purchased: the old list did not know
    profile = ShopperProfile.objects.get(shopper=shopper)
    assert profile.recommended_for == shopper.events_updated_at
    assert _served(store, shopper, k=5).plan == "stored"


def test_a_product_sold_out_since_the_list_was_stored_is_not_served(store, behaviour):
    profiles_refresh(store=store, everything=True)
    shopper = _shopper(store)
    first = _served(store, shopper, k=4)
    sold_out = first.items[0].product
    type(sold_out).objects.filter(pk=sold_out.pk).update(stock=0)

    again = _served(store, shopper, k=4)

    assert again.plan == "stored" and len(again) == 4
    assert sold_out.sku not in _skus(again)
    assert _skus(again)[:3] == _skus(first)[1:]


def test_saving_the_settings_clears_the_stored_lists(store, behaviour, admin_member):
    profiles_refresh(store=store, everything=True)
    shopper = _shopper(store)
    mmr_heavy = config_from_overrides({}, {**DEFAULTS.hybrid.to_dict(), "mmr_lambda": 0.3})

    settings_update(store=store, membership=admin_member, config=mmr_heavy)

    assert ShopperProfile.objects.get(shopper=shopper).recommended == []
    assert _served(store, shopper, k=5).plan != "stored"


def test_other_filters_and_a_larger_k_are_computed_afresh(store, behaviour):
    profiles_refresh(store=store, everything=True)
    shopper = _shopper(store)

    assert _served(store, shopper, k=5, filters=RecommendationFilters(exclude_seen=True)).plan != "stored"
    assert _served(store, shopper, k=STORED_K + 1).plan != "stored"


def test_a_stored_list_from_another_embedding_model_or_too_old_is_not_served(store, behaviour, monkeypatch):
    profiles_refresh(store=store, everything=True)
    shopper = _shopper(store)
    assert _served(store, shopper, k=5).plan == "stored"

    monkeypatch.setattr(serving, "STORED_MAX_AGE_SECONDS", 0)
    assert _served(store, shopper, k=5).plan != "stored"
    monkeypatch.undo()
    ShopperProfile.objects.filter(shopper=shopper).update(recommended_model="another-model")
    assert _served(store, shopper, k=5).plan != "stored"


def test_another_stores_shopper_gets_no_stored_list(store, other_store, behaviour):
    profiles_refresh(store=store, everything=True)
    shopper = _shopper(store)

    assert serving.stored_recommendations(store=other_store, shopper=shopper, k=5) is None
