"""Personalised campaigns: `campaign_create` records one and starts its build
job; `campaign_build_run` (the job's body) finds the segments, picks each
segment's products from its shoppers' recommendations and starts a generation
job per segment (content type and goal of the campaign), whose drafts go
through the review queue like any other.

Shoppers and recommendations are the recommendations app's: they are reached
through catalog.hooks.shopper_audience(), never imported.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import hooks
from catalog.models import Job, Membership, Store
from catalog.permissions import require
from catalog.services.jobs import job_create, job_progress
from content.models import Campaign, CampaignSegment, CampaignServe, ContentType, Language
from content.selectors import active_version
from content.selectors.campaigns import campaign_active_since
from content.services.generation import generation_start

logger = logging.getLogger(__name__)

BUILD_TASK = "content.tasks.build_campaign"
SAMPLE_SHOPPERS = 30  # shoppers per segment whose recommendations choose its products
MAX_SEGMENTS = 20
MAX_PRODUCTS = 10


class CampaignBuildError(Exception):
    """Why a campaign could not be built; the build job shows it."""


def campaign_create(*, store: Store, membership: Membership, name: str, goal: str, segment_by: str,
                    active_days: int | None = None, content_type: str = ContentType.MARKETING,
                    language: str = Language.EN, max_segments: int = 5, products_per_segment: int = 3) -> Campaign:
    require(membership, "content.generate")
    if membership.store_id != store.pk:
        raise PermissionDenied("Not a member of this store.")
    name, goal = " ".join(name.split())[:120], " ".join(goal.split())[:300]
    problems = {}
    if not name:
        problems["name"] = "Give the campaign a name."
    if not goal:
        problems["goal"] = "Say what the campaign offers, such as 'Back to school, 15% off binders'."
    if segment_by not in Campaign.SegmentBy.values:
        problems["segment_by"] = "Segment by top category or top brand."
    if content_type not in Campaign.CONTENT_TYPES:
        problems["content_type"] = "Campaign copy is marketing copy or a video script."
    elif language in Language.values and active_version(store=store, content_type=content_type,
                                                        language=language) is None:
        problems["language"] = "This store has no active template for that content type in that language."
    if language not in Language.values:
        problems["language"] = "Unknown language."
    if active_days is not None and not 1 <= active_days <= 3650:
        problems["active_days"] = "Recent activity is 1 to 3,650 days (or empty for every shopper)."
    if not 1 <= max_segments <= MAX_SEGMENTS:
        problems["max_segments"] = f"1 to {MAX_SEGMENTS} segments."
    if not 1 <= products_per_segment <= MAX_PRODUCTS:
        problems["products_per_segment"] = f"1 to {MAX_PRODUCTS} products per segment."
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            store=store, name=name, goal=goal, segment_by=segment_by, active_days=active_days,
            content_type=content_type, language=language, max_segments=max_segments,
            products_per_segment=products_per_segment, created_by=membership.user,
        )
        campaign.job = job_create(store=store, kind=Job.Kind.CAMPAIGN, title=f"Campaign “{name}”: segments and copy",
                                  task_name=BUILD_TASK, user=membership.user, params={"campaign": campaign.pk})
        campaign.save(update_fields=["job"])
    logger.info("campaign.created", extra={"campaign": campaign.pk, "store": store.pk, "user": membership.user_id})
    return campaign


def campaign_build_run(job: Job) -> dict:
    """The build job's body. Safe to run twice: segments are kept by value, and a
    segment that already has products or a generation job keeps them."""
    campaign = Campaign.objects.select_related("store", "created_by").get(job=job)
    membership = Membership.objects.filter(store=campaign.store, user=campaign.created_by).first()
    if membership is None or not membership.can("content.generate"):
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.FAILED)
        raise CampaignBuildError("The campaign's author can no longer generate content in this store.")
    audience = hooks.shopper_audience()
    found = audience.segments(store=campaign.store, by=campaign.segment_by,
                              active_since=campaign_active_since(campaign), limit=campaign.max_segments,
                              sample=SAMPLE_SHOPPERS)
    if not found:
        Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.FAILED)
        raise CampaignBuildError("No shopper matches: segments come from shopper profiles (built after events "
                                 "arrive); widen the recent-activity window or wait for the profiles.")
    job_progress(job, done=0, total=len(found))
    generations = 0
    for number, shoppers in enumerate(found, start=1):
        segment = _segment(campaign, shoppers)
        if not segment.product_ids:
            segment.product_ids = audience.recommended_products(store=campaign.store, shopper_refs=shoppers.sample,
                                                                k=campaign.products_per_segment)
            segment.save(update_fields=["product_ids"])
        if segment.generation_id is None and segment.product_ids:
            with transaction.atomic():
                started = generation_start(store=campaign.store, membership=membership,
                                           content_type=campaign.content_type, product_ids=segment.product_ids,
                                           goal=campaign.goal, language=campaign.language)
                segment.generation_id = started.pk
                segment.save(update_fields=["generation"])
            generations += 1
        job_progress(job, done=number)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.READY, built_at=timezone.now())
    logger.info("campaign.built", extra={"campaign": campaign.pk, "segments": len(found), "generations": generations})
    return {"segments": len(found), "generation jobs started": generations}


def _segment(campaign: Campaign, shoppers: hooks.ShopperSegment) -> CampaignSegment:
    segment, created = CampaignSegment.objects.get_or_create(campaign=campaign, value=shoppers.value[:200],
                                                             defaults={"size": shoppers.size})
    if not created and segment.size != shoppers.size:
        segment.size = shoppers.size
        segment.save(update_fields=["size"])
    return segment


def campaign_end(*, campaign: Campaign, membership: Membership) -> Campaign:
    """Stop serving the campaign (its page and numbers stay)."""
    require(membership, "content.generate")
    if campaign.store_id != membership.store_id:
        raise PermissionDenied("Not a member of this store.")
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status == Campaign.Status.ENDED:
            return locked
        locked.status, locked.ended_at = Campaign.Status.ENDED, timezone.now()
        locked.save(update_fields=["status", "ended_at"])
    return locked


def campaign_record_served(*, segment: CampaignSegment, shopper_ref: str) -> bool:
    """Remember that the API served this segment's copy to the shopper (once per
    shopper): the base of its click and purchase rates."""
    try:
        _, created = CampaignServe.objects.get_or_create(segment=segment, shopper_ref=shopper_ref[:200])
    except IntegrityError:  # the same shopper served twice at once
        return False
    return created
