"""What review adds to the catalog's screens: the home page's acceptance chart
(reviewers' decisions per week, this store's only) and the catalog's "live copy" filter."""

import json
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.selectors import ProductFilters, product_queryset
from content.models import DraftEvent, PublishedCopy
from content.selectors.review import acceptance_by_week
from content.services import draft_approve, draft_reject
from tests.catalog.factories import ProductFactory
from tests.content.factories import DraftFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.get_current_timezone())  # a Wednesday


def decided(store, action, *, days_ago):
    draft = DraftFactory(store=store)
    event = DraftEvent.objects.create(store=store, draft=draft, action=action, from_status="to_review",
                                      to_status=action)
    DraftEvent.objects.filter(pk=event.pk).update(created_at=NOW - timedelta(days=days_ago))


def test_decisions_are_counted_per_week_with_empty_weeks_and_other_stores_left_out(store, other_store):
    decided(store, DraftEvent.Action.APPROVED, days_ago=0)
    decided(store, DraftEvent.Action.APPROVED, days_ago=1)
    decided(store, DraftEvent.Action.REJECTED, days_ago=2)  # Monday: still this week
    decided(store, DraftEvent.Action.REJECTED, days_ago=3)  # Sunday: last week
    decided(store, DraftEvent.Action.APPROVED, days_ago=7 * 20)  # outside the window
    decided(other_store, DraftEvent.Action.APPROVED, days_ago=0)

    weeks = acceptance_by_week(store=store, weeks=4, now=NOW)

    assert [week.week.date().isoformat() for week in weeks] == ["2026-11-02", "2026-11-09", "2026-11-16",
                                                               "2026-11-23"]
    assert [(week.approved, week.rejected) for week in weeks] == [(0, 0), (0, 0), (0, 1), (2, 1)]
    assert weeks[-1].acceptance_rate == pytest.approx(2 / 3)
    assert weeks[0].acceptance_rate is None


def test_home_shows_the_chart_once_reviewers_have_decided(store, editor_member, client_as):
    client = client_as(editor_member)
    home = reverse("home", kwargs={"store_slug": store.slug})
    assert "acceptance-chart" not in client.get(home).content.decode()

    draft_approve(draft=DraftFactory(store=store), membership=editor_member, expected_version=1)
    draft_reject(draft=DraftFactory(store=store), membership=editor_member, reason="Invents a size.")

    page = client.get(home).content.decode()
    assert "acceptance-chart" in page
    assert "1 approved, 1 rejected (50%)" in page
    data = json.loads(re.search(r'id="acceptance-chart-data"[^>]*>(.*?)</script>', page).group(1))
    assert (data["approved"][-1], data["rejected"][-1], data["rate"][-1]) == (1, 1, 50.0)


def test_the_catalog_filters_products_by_published_copy(store, viewer_member, client_as):
    live = ProductFactory(store=store, sku="LIVE-1")
    ProductFactory(store=store, sku="PLAIN-1")
    PublishedCopy.objects.create(store=store, product=live, content_type="description", language="en",
                                 text="Live words.", version_number=1)

    def skus(copy):
        filters = ProductFilters.from_querydict({"copy": copy})
        return sorted(product_queryset(store=store, filters=filters).values_list("sku", flat=True))

    assert skus("yes") == ["LIVE-1"]
    assert skus("no") == ["PLAIN-1"]
    assert skus("") == ["LIVE-1", "PLAIN-1"]
    assert skus("nonsense") == ["LIVE-1", "PLAIN-1"]

    page = client_as(viewer_member).get(reverse("catalog:products", kwargs={"store_slug": store.slug}),
                                        {"copy": "yes"}).content.decode()
    assert "LIVE-1" in page and "PLAIN-1" not in page
    assert '<option value="yes" selected>Has published copy</option>' in page
