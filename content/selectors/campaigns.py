"""Reads of campaigns: the list, a campaign's page (segments, drafts, rates) and
the campaign a storefront shows a shopper."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from catalog import hooks
from catalog.models import Product, Store
from content.errors import CampaignNotFound
from content.models import Campaign, CampaignSegment, CampaignServe, Draft

APPROVED = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)


def campaign_active_since(campaign: Campaign, *, now: datetime | None = None) -> datetime | None:
    if not campaign.active_days:
        return None
    return (now or timezone.now()) - timedelta(days=campaign.active_days)


def campaigns_for_store(*, store: Store, limit: int = 100) -> list[Campaign]:
    return list(Campaign.objects.filter(store=store).select_related("job", "created_by")
                .annotate(segment_count=Count("segments"))[:limit])


def campaign_for_store(*, store: Store, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.filter(store=store, pk=campaign_id).select_related("job", "created_by", "store") \
        .first()
    if campaign is None:
        raise CampaignNotFound("No such campaign in this store.")
    return campaign


@dataclass
class SegmentReport:
    segment: CampaignSegment
    products: list[Product]
    drafts: list[Draft]
    served: int = 0
    viewers: int = 0
    buyers: int = 0

    @property
    def click_rate(self) -> float | None:
        return self.viewers / self.served if self.served else None

    @property
    def purchase_rate(self) -> float | None:
        return self.buyers / self.served if self.served else None


@dataclass
class CampaignReport:
    campaign: Campaign
    segments: list[SegmentReport] = field(default_factory=list)

    @property
    def served(self) -> int:
        return sum(segment.served for segment in self.segments)

    @property
    def viewers(self) -> int:
        return sum(segment.viewers for segment in self.segments)

    @property
    def buyers(self) -> int:
        return sum(segment.buyers for segment in self.segments)

    @property
    def click_rate(self) -> float | None:
        return self.viewers / self.served if self.served else None

    @property
    def purchase_rate(self) -> float | None:
        return self.buyers / self.served if self.served else None

    @property
    def draft_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for segment in self.segments:
            for draft in segment.drafts:
                counts[draft.status] = counts.get(draft.status, 0) + 1
        return counts


def campaign_report(*, campaign: Campaign) -> CampaignReport:
    """Segments with their sizes, products and drafts (with status), and the
    shoppers served, who viewed and who bought through the campaign's tag."""
    segments = list(campaign.segments.all())
    product_ids = {pk for segment in segments for pk in segment.product_ids}
    products = Product.objects.filter(store=campaign.store, pk__in=product_ids).in_bulk()
    drafts: dict[int, list[Draft]] = {}
    for draft in (Draft.objects.filter(job_id__in=[s.generation_id for s in segments if s.generation_id])
                  .select_related("product").order_by("product_id", "variant")):
        drafts.setdefault(draft.job_id, []).append(draft)
    served = dict(CampaignServe.objects.filter(segment__campaign=campaign).values_list("segment")
                  .annotate(n=Count("id")).values_list("segment", "n"))
    responses = hooks.shopper_audience().campaign_responses(store=campaign.store, tag_prefix=f"{campaign.pk}:")
    report = CampaignReport(campaign=campaign)
    for segment in segments:
        answered = responses.get(segment.tag, {})
        report.segments.append(SegmentReport(
            segment=segment, products=[products[pk] for pk in segment.product_ids if pk in products],
            drafts=drafts.get(segment.generation_id, []), served=served.get(segment.pk, 0),
            viewers=answered.get("view", 0), buyers=answered.get("purchase", 0),
        ))
    return report


@dataclass(frozen=True)
class ServedCampaign:
    campaign: Campaign
    segment: CampaignSegment
    items: list[tuple[Product, str]]  # the segment's products that have approved copy, with it


def campaign_for_shopper(*, store: Store, shopper_ref: str) -> ServedCampaign | None:
    """The newest running campaign whose segment the shopper is in (by their
    profile now) and that has approved copy for that segment, or None."""
    audience = hooks.shopper_audience()
    now = timezone.now()
    memo: dict[tuple, str | None] = {}
    for campaign in Campaign.objects.filter(store=store, status=Campaign.Status.READY).order_by("-created_at",
                                                                                                   "-id")[:20]:
        since = campaign_active_since(campaign, now=now)
        key = (campaign.segment_by, campaign.active_days)
        if key not in memo:
            memo[key] = audience.segment_of(store=store, shopper_ref=shopper_ref, by=campaign.segment_by,
                                            active_since=since)
        value = memo[key]
        if value is None:
            continue
        segment = CampaignSegment.objects.filter(campaign=campaign, value=value, generation__isnull=False).first()
        if segment is None:
            continue
        items = _approved_items(segment)
        if items:
            return ServedCampaign(campaign=campaign, segment=segment, items=items)
    return None


def _approved_items(segment: CampaignSegment) -> list[tuple[Product, str]]:
    """Per product of the segment, its newest approved (or published) draft's text."""
    chosen: dict[int, Draft] = {}
    for draft in (Draft.objects.filter(job_id=segment.generation_id, status__in=APPROVED)
                  .select_related("product__category").order_by("product_id", "-approved_at", "-id")):
        chosen.setdefault(draft.product_id, draft)
    return [(chosen[pk].product, chosen[pk].current_text) for pk in segment.product_ids if pk in chosen]
