"""Personalised campaigns end to end: segments from the shoppers' profiles,
products from their recommendations, copy written by the real generation model
through the generation job and approved in review, served by the API to the
shoppers of the segment, and the click and purchase rates from tagged events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Job
from catalog.services.jobs import run_job
from content.models import Campaign, CampaignServe, Draft, GenerationJob
from content.selectors.campaigns import campaign_report
from content.services import draft_approve, generation_run
from content.services.campaigns import campaign_build_run, campaign_create
from recommendations.services.profiles import profiles_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiled(store, behaviour):
    profiles_refresh(store=store, everything=True)
    return store


def _build(store, membership, **options) -> Campaign:
    campaign = campaign_create(store=store, membership=membership, name="Back to the bench",
                               goal="Back to school, 15% off", segment_by="category", **options)
    run_job(campaign.job_id, campaign_build_run)
    campaign.refresh_from_db()
    return campaign


def test_segments_come_from_profiles_and_products_from_their_recommendations(profiled, editor_member):
    campaign = _build(profiled, editor_member, max_segments=2, products_per_segment=2)

    assert campaign.status == Campaign.Status.READY and campaign.job.status == Job.Status.SUCCEEDED
    segments = list(campaign.segments.order_by("-size"))
    assert [(s.value, s.size) for s in segments] == [("Sandpaper", 6), ("Glassware", 5)]
    for segment in segments:
        generation = GenerationJob.objects.get(pk=segment.generation_id)
        assert (generation.content_type, generation.goal, generation.product_ids) == (
            "marketing", "Back to school, 15% off", segment.product_ids)
        assert len(segment.product_ids) == 2
        assert all(p.stock > 0 for p in profiled.products.filter(pk__in=segment.product_ids))
    # Run again (a redelivered job): nothing is added.
    run_job(campaign.job_id, campaign_build_run)
    assert campaign.segments.count() == 2 and GenerationJob.objects.filter(store=profiled).count() == 2


def test_a_campaign_with_no_matching_shopper_fails_with_its_reason(store, catalog, editor_member):
    campaign = _build(store, editor_member)

    assert campaign.status == Campaign.Status.FAILED
    assert "No shopper matches" in campaign.job.error


def test_viewers_cannot_start_campaigns(profiled, viewer_member, client_as):
    response = client_as(viewer_member).post(reverse("content:campaigns", kwargs={"store_slug": profiled.slug}),
                                             {"name": "x", "goal": "y", "segment_by": "category",
                                              "content_type": "marketing", "language": "en", "max_segments": 1,
                                              "products_per_segment": 1})

    assert response.status_code == 403
    assert not Campaign.objects.exists()


@pytest.mark.model
def test_the_api_serves_a_segments_approved_copy_and_the_page_shows_rates(profiled, editor_member, admin_member,
                                                                          api, key, client_as):
    campaign = _build(profiled, editor_member, max_segments=2, products_per_segment=1)
    sandpaper, glassware = campaign.segments.order_by("-size")
    for segment in (sandpaper, glassware):
        run_job(segment.generation_id, generation_run)  # the real generation model
    drafts = {d.job_id: d for d in Draft.objects.filter(job_id__in=[sandpaper.generation_id,
                                                                    glassware.generation_id])}
    assert len(drafts) == 2 and all(d.content_type == "marketing" for d in drafts.values())
    draft_approve(draft=drafts[sandpaper.generation_id], membership=editor_member,
                  expected_version=drafts[sandpaper.generation_id].version)

    crowd = api("get", "/shoppers/s-crowd-0/campaign", key).json()
    lab = api("get", "/shoppers/s-labcrowd-0/campaign", key).json()  # its segment's copy is not approved

    approved = Draft.objects.get(pk=drafts[sandpaper.generation_id].pk)
    assert crowd["campaign"] == {
        "id": campaign.pk, "name": "Back to the bench", "goal": "Back to school, 15% off", "segment": "Sandpaper",
        "tag": sandpaper.tag, "items": [{"product": crowd["campaign"]["items"][0]["product"],
                                         "text": approved.current_text}],
    }
    assert crowd["campaign"]["items"][0]["product"]["sku"] == approved.product.sku
    assert lab == {"shopper": "s-labcrowd-0", "campaign": None}
    assert list(CampaignServe.objects.values_list("segment_id", "shopper_ref")) == [(sandpaper.pk, "s-crowd-0")]

    api("get", "/shoppers/s-crowd-1/campaign", key)
    sku = approved.product.sku
    api("post", "/events", key, json={"events": [
        {"shopper": "s-crowd-0", "type": "view", "sku": sku, "campaign": sandpaper.tag, "key": "c-1"},
        {"shopper": "s-crowd-0", "type": "purchase", "sku": sku, "campaign": sandpaper.tag, "key": "c-2"},
        {"shopper": "s-crowd-1", "type": "view", "sku": sku, "campaign": sandpaper.tag, "key": "c-3"},
        {"shopper": "s-crowd-2", "type": "view", "sku": sku, "key": "c-4"},  # not through the campaign
    ]})

    report = campaign_report(campaign=campaign)
    row = next(r for r in report.segments if r.segment.pk == sandpaper.pk)
    assert (row.served, row.viewers, row.buyers, row.click_rate, row.purchase_rate) == (2, 2, 1, 1.0, 0.5)
    page = client_as(admin_member).get(campaign.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Sandpaper" in html and "6 shoppers" in html and "(100%)" in html and "(50%)" in html
    assert "Approved" in html and ("To review" in html or "Flagged" in html)
