"""Shoppers as campaigns see them (catalog.hooks.ShopperAudience): segments by
the top category or brand of their stored profile, what is recommended to a
segment, and the shoppers who answered a campaign with tagged events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from catalog.hooks import ShopperSegment
from catalog.models import Store
from recommendations.models import Event, EventType, Shopper, ShopperProfile
from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper

PER_SHOPPER = 10  # recommendations read per sampled shopper
_COLUMNS = {"category": "top_categories", "brand": "top_brands"}


def _column(by: str) -> str:
    if by not in _COLUMNS:
        raise ValueError(f"Unknown segment kind {by!r}")
    return _COLUMNS[by]


class ProfileAudience:
    def segments(self, *, store: Store, by: str, active_since: datetime | None, limit: int,
                 sample: int) -> list[ShopperSegment]:
        column = _column(by)
        active = "AND s.last_event_at >= %(since)s" if active_since is not None else ""
        params = {"store": store.pk, "since": active_since, "limit": limit, "sample": sample}
        # The segment is the first (strongest) entry of the profile's list; the sample
        # is its most active shoppers.
        sql = f"""
            WITH members AS (
                SELECT p.{column} -> 0 ->> 'name' AS value, s.external_id, s.event_count, s.id
                  FROM {ShopperProfile._meta.db_table} p JOIN {Shopper._meta.db_table} s ON s.id = p.shopper_id
                 WHERE p.store_id = %(store)s AND jsonb_array_length(p.{column}) > 0 {active}
            ), sizes AS (
                SELECT value, count(*) AS size FROM members GROUP BY value ORDER BY size DESC, value LIMIT %(limit)s
            ), ranked AS (
                SELECT m.value, m.external_id,
                       row_number() OVER (PARTITION BY m.value ORDER BY m.event_count DESC, m.id) AS position
                  FROM members m JOIN sizes USING (value)
            )
            SELECT sizes.value, sizes.size,
                   array_agg(ranked.external_id ORDER BY ranked.position) FILTER (WHERE ranked.position <= %(sample)s)
              FROM sizes JOIN ranked USING (value)
             GROUP BY sizes.value, sizes.size ORDER BY sizes.size DESC, sizes.value
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [ShopperSegment(value=value, size=size, sample=tuple(sample_ids or ())) for value, size, sample_ids
                in rows]

    def segment_of(self, *, store: Store, shopper_ref: str, by: str, active_since: datetime | None) -> str | None:
        qs = ShopperProfile.objects.filter(store=store, shopper__external_id=shopper_ref)
        if active_since is not None:
            qs = qs.filter(shopper__last_event_at__gte=active_since)
        tops = qs.values_list(_column(by), flat=True).first()
        return tops[0]["name"] if tops else None

    def recommended_products(self, *, store: Store, shopper_refs: Sequence[str], k: int) -> list[int]:
        """Each shopper's top PER_SHOPPER, in stock and not bought, votes 1/rank for
        its products; the k with the most votes win (ties: the lower id)."""
        votes: dict[int, float] = defaultdict(float)
        for shopper in Shopper.objects.filter(store=store, external_id__in=list(shopper_refs)):
            shopper.store = store
            result = recommend_for_shopper(store=store, shopper=shopper, k=PER_SHOPPER,
                                           filters=RecommendationFilters(in_stock=True, exclude_purchased=True))
            for rank, item in enumerate(result.items, start=1):
                votes[item.product.pk] += 1.0 / rank
        return sorted(votes, key=lambda pk: (-votes[pk], pk))[:k]

    def campaign_responses(self, *, store: Store, tag_prefix: str) -> dict[str, dict[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT campaign, event_type, count(DISTINCT shopper_id) FROM {Event._meta.db_table} "
                f"WHERE store_id = %s AND campaign <> '' AND campaign LIKE %s AND event_type = ANY(%s) "
                f"GROUP BY campaign, event_type",
                [store.pk, _like_prefix(tag_prefix), [EventType.VIEW.value, EventType.PURCHASE.value]],
            )
            found: dict[str, dict[str, int]] = defaultdict(dict)
            for tag, event_type, shoppers in cursor.fetchall():
                found[tag][event_type] = shoppers
        return dict(found)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


AUDIENCE = ProfileAudience()
