"""Reads for the review workflow: the queue with its filters, tab
counts and keyset pagination, the review pane (draft, variants, history),
published copy and its versions, exports and the prompt-version record.

Views import from here (`from content.selectors.review import ...`); the older
content.selectors keeps the generation-side reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta

from django.contrib.postgres.search import SearchQuery
from django.db.models import Avg, BooleanField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncWeek
from django.utils import timezone

from catalog.importing import sku_key
from catalog.models import Product, Store
from catalog.request_values import id_or_none
from content.errors import DraftNotFound, PublishedCopyNotFound
from content.models import (
    ContentType,
    Draft,
    DraftEvent,
    Language,
    PromptVersion,
    PublishedCopy,
    PublishedCopyVersion,
)

QUEUE_PAGE_SIZE = 50
MAX_QUEUE_PAGE_SIZE = 200
# The queue never shows these: big, and only the checks and the pane need them.
QUEUE_DEFERRED = ("prompt", "signature", "band_keys")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = re.compile(r"[0-9]{1,18}")


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class ReviewFilters:
    """What the queue shows. Built from a request with `from_query`, which
    ignores values it cannot use (an unknown status falls back to to_review, a
    non-numeric job id to no job filter), so a hand-edited URL still shows a
    page. `to_query()` gives the non-default values back for links."""

    status: str = Draft.Status.TO_REVIEW
    content_type: str = ""
    language: str = ""
    job_id: int | None = None
    version_id: int | None = None
    failed_check: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: Mapping) -> ReviewFilters:
        def text(key: str, limit: int = 200) -> str:
            value = query.get(key) or ""
            return str(value).strip()[:limit]

        def number(key: str) -> int | None:
            return id_or_none(text(key))

        status = text("status")
        content_type = text("content_type")
        language = text("language")
        failed_check = text("failed_check", 40)
        return cls(
            status=status if status in Draft.Status.values else Draft.Status.TO_REVIEW,
            content_type=content_type if content_type in ContentType.values else "",
            language=language if language in Language.values else "",
            job_id=number("job"),
            version_id=number("version"),
            failed_check=failed_check if failed_check.replace("_", "").isalnum() else "",
            q=text("q"),
        )

    def to_query(self, **overrides) -> dict[str, str]:
        """Query parameters (job and version under the keys `job` and
        `version`), leaving out defaults; overrides replace fields first."""
        filters = replace(self, **overrides) if overrides else self
        query = {
            "status": filters.status if filters.status != Draft.Status.TO_REVIEW else "",
            "content_type": filters.content_type,
            "language": filters.language,
            "job": str(filters.job_id or ""),
            "version": str(filters.version_id or ""),
            "failed_check": filters.failed_check,
            "q": filters.q,
        }
        return {key: value for key, value in query.items() if value}

    @property
    def is_filtered(self) -> bool:
        """Whether anything besides the status tab narrows the queue."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "status")


def review_queryset(*, store: Store, filters: ReviewFilters, with_status: bool = True) -> QuerySet[Draft]:
    """Drafts of the store matching the filters (the status too unless
    `with_status` is False), unordered and without joins."""
    qs = Draft.objects.filter(store=store)
    if with_status and filters.status:
        qs = qs.filter(status=filters.status)
    if filters.content_type:
        qs = qs.filter(content_type=filters.content_type)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.job_id:
        qs = qs.filter(job_id=filters.job_id)
    if filters.version_id:
        qs = qs.filter(prompt_version_id=filters.version_id)
    if filters.failed_check:
        qs = qs.filter(failed_checks__contains=[filters.failed_check])
    if filters.q:
        query = SearchQuery(filters.q, config="simple", search_type="websearch")
        prefix = sku_key(filters.q.split()[0])
        qs = qs.filter(Q(product__search=query) | Q(product__sku_key__startswith=prefix))
    return qs.order_by()


# --------------------------------------------------------------------------- the queue


@dataclass
class QueuePage:
    items: list[Draft]
    next_cursor: str | None
    has_next: bool


def queue_cursor(draft: Draft) -> str:
    """An opaque, URL-safe position in the queue: after this draft."""
    micros = (draft.created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{draft.pk}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position a cursor names; None for anything queue_cursor could not
    have written (a hand-edited URL starts at the top)."""
    if not cursor:
        return None
    micros, _, pk = str(cursor).partition("-")
    draft_id = id_or_none(pk)
    if draft_id is None or not _MICROS.fullmatch(micros):
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), draft_id
    except OverflowError:  # beyond the year 9999
        return None


def _before(position: tuple[datetime, int]) -> RawSQL:
    # A row comparison, so Postgres walks the (store, status, created_at, id)
    # index from the cursor instead of filtering an OR of two conditions.
    return RawSQL('("content_draft"."created_at", "content_draft"."id") < (%s, %s)', position,
                  output_field=BooleanField())


def _after(position: tuple[datetime, int]) -> RawSQL:
    return RawSQL('("content_draft"."created_at", "content_draft"."id") > (%s, %s)', position,
                  output_field=BooleanField())


def review_queue(*, store: Store, filters: ReviewFilters, after: str | None = None,
                 limit: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """One page of the queue, newest first, starting after the cursor `after`
    (a `next_cursor` of an earlier page; an unreadable one starts at the top).
    One query whatever the page size: product, category, prompt version with
    template, job and question come joined; prompt, signature and band_keys are
    deferred."""
    limit = max(1, min(limit, MAX_QUEUE_PAGE_SIZE))
    qs = (
        review_queryset(store=store, filters=filters)
        .select_related("product__category", "prompt_version__template", "job", "question")
        .defer(*QUEUE_DEFERRED)
        .order_by("-created_at", "-id")
    )
    position = _parse_cursor(after)
    if position is not None:
        qs = qs.filter(_before(position))
    rows = list(qs[:limit + 1])
    has_next = len(rows) > limit
    items = rows[:limit]
    return QueuePage(items=items, next_cursor=queue_cursor(items[-1]) if has_next else None, has_next=has_next)


def review_counts(*, store: Store, filters: ReviewFilters) -> dict[str, int]:
    """Drafts per status for the tabs: the filters without the status, one
    grouped query. Every status is a key."""
    counts = dict(
        review_queryset(store=store, filters=filters, with_status=False)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Draft.QUEUE_STATUSES}


def review_neighbours(*, store: Store, filters: ReviewFilters, draft: Draft) -> tuple[int | None, int | None]:
    """(previous id, next id) around `draft` in queue order (newest first). The
    draft itself need not match the filters any more (just approved, say): its
    position still places it, so "next" is where the reviewer moves on to."""
    position = (draft.created_at, draft.pk)
    qs = review_queryset(store=store, filters=filters)
    previous_id = qs.filter(_after(position)).order_by("created_at", "id").values_list("id", flat=True).first()
    next_id = qs.filter(_before(position)).order_by("-created_at", "-id").values_list("id", flat=True).first()
    return previous_id, next_id


# --------------------------------------------------------------------------- the review pane


def draft_for_review(*, store: Store, draft_id: int) -> Draft:
    """The draft with what the pane shows joined; DraftNotFound when it is not
    this store's (or does not exist)."""
    draft = (
        Draft.objects.filter(store=store, pk=draft_id)
        .select_related("product__category", "prompt_version__template", "job__job", "question", "reviewed_by",
                        "parent")
        .first()
    )
    if draft is None:
        raise DraftNotFound("No such draft in this store.")
    return draft


MAX_ANCESTORS = 20


def draft_variants(*, draft: Draft) -> list[Draft]:
    """The drafts to compare with this one, oldest first, each with a
    `relation` attribute: "variant" (same job, product and question),
    "ancestor" (what it was regenerated from, up the chain), "child"
    (regenerated from it) or "sibling" (regenerated from the same parent)."""
    ancestors: list[int] = []
    parent_id = draft.parent_id
    while parent_id and parent_id not in ancestors and len(ancestors) < MAX_ANCESTORS:
        ancestors.append(parent_id)
        parent_id = Draft.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    related = Q(job_id=draft.job_id, product_id=draft.product_id, question_id=draft.question_id) | Q(parent_id=draft.pk)
    if ancestors:
        related |= Q(pk__in=ancestors)
    if draft.parent_id:
        related |= Q(parent_id=draft.parent_id)
    drafts = list(
        Draft.objects.filter(related, store_id=draft.store_id)
        .exclude(pk=draft.pk)
        .select_related("prompt_version__template", "job")
        .defer(*QUEUE_DEFERRED)
        .order_by("created_at", "id")
    )
    for other in drafts:
        if other.pk in ancestors:
            other.relation = "ancestor"
        elif other.parent_id == draft.pk:
            other.relation = "child"
        elif other.job_id == draft.job_id and other.product_id == draft.product_id:
            other.relation = "variant"
        else:
            other.relation = "sibling"
    return drafts


def draft_history(*, draft: Draft) -> list:
    """The draft's events, oldest first, with their actors."""
    return list(draft.events.select_related("actor").order_by("created_at", "id"))


# --------------------------------------------------------------------------- published copy


def published_copy_for(*, product: Product, content_type: str, language: str) -> PublishedCopy | None:
    return PublishedCopy.objects.filter(product=product, content_type=content_type, language=language).first()


def published_copy_versions(*, product: Product, content_type: str, language: str) -> list[PublishedCopyVersion]:
    """The versions of the product's live copy, newest first."""
    return list(
        PublishedCopyVersion.objects.filter(
            copy__product=product, copy__content_type=content_type, copy__language=language
        )
        .select_related("published_by", "draft", "restored_from", "copy")
        .order_by("-number")
    )


def published_descriptions_for(products: Sequence[Product]) -> dict[int, str]:
    """{product id: published description} in one query, for the embeddings
    (catalog.hooks.product_descriptions): the copy in the
    store's default language, else English, else any language."""
    ids = [product.pk for product in products]
    if not ids:
        return {}
    rows = (
        PublishedCopy.objects.filter(product_id__in=ids, content_type=ContentType.DESCRIPTION)
        .values_list("product_id", "language", "text", "store__default_language")
    )
    best: dict[int, tuple[int, str]] = {}
    for product_id, language, text, default_language in rows:
        rank = 0 if language == default_language else 1 if language == Language.EN else 2
        if product_id not in best or rank < best[product_id][0]:
            best[product_id] = (rank, text)
    return {product_id: text for product_id, (_, text) in best.items()}


# --------------------------------------------------------------------------- export


EXPORT_FIELDS = ("sku", "title", "content_type", "language", "status", "text", "version", "approved_at",
                 "published_at", "reviewed_by")


def review_export_rows(*, store: Store, statuses: Iterable[str] = (Draft.Status.APPROVED, Draft.Status.PUBLISHED),
                       filters: ReviewFilters | None = None) -> Iterator[dict]:
    """Rows of approved and published copy (or the given statuses), keys as in
    EXPORT_FIELDS, streamed from a server-side cursor. With `filters`, every
    filter applies except its status (`statuses` decides). Texts are raw model
    output: the writer must escape them for its format."""
    statuses = [status for status in statuses if status in Draft.Status.values]
    qs = (
        review_queryset(store=store, filters=filters or ReviewFilters(), with_status=False)
        .filter(status__in=statuses)
        .order_by("product__sku", "content_type", "language", "id")
        .values_list("product__sku", "product__title", "content_type", "language", "status", "current_text",
                     "version", "approved_at", "published_at", "reviewed_by__username")
    )
    for row in qs.iterator(chunk_size=2000):
        yield dict(zip(EXPORT_FIELDS, row, strict=True))


# --------------------------------------------------------------------------- the prompt record


@dataclass(frozen=True)
class VersionReviewStats:
    drafts: int = 0
    accepted: int = 0  # approved or published
    rejected: int = 0
    flagged: int = 0  # drafts failing at least one check now
    mean_edit_distance: float | None = None
    mean_review_seconds: float | None = None
    mean_latency_ms: float | None = None

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted share of the decided drafts (accepted or rejected); None
        before any decision."""
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def version_review_stats(*, versions: Iterable[PromptVersion | int]) -> dict[int, VersionReviewStats]:
    """{version id: VersionReviewStats} for every given version (zeros when it
    has no drafts), one grouped query."""
    ids = [v if isinstance(v, int) else v.pk for v in versions]
    rows = (
        Draft.objects.filter(prompt_version_id__in=ids)
        .order_by()
        .values("prompt_version_id")
        .annotate(
            drafts=Count("id"),
            accepted=Count("id", filter=Q(status__in=(Draft.Status.APPROVED, Draft.Status.PUBLISHED))),
            rejected=Count("id", filter=Q(status=Draft.Status.REJECTED)),
            flagged=Count("id", filter=~Q(failed_checks=[])),
            mean_edit_distance=Avg("edit_distance"),
            mean_review_seconds=Avg("review_seconds"),
            mean_latency_ms=Avg("latency_ms"),
        )
    )
    stats = {pk: VersionReviewStats() for pk in ids}
    for row in rows:
        pk = row.pop("prompt_version_id")
        stats[pk] = VersionReviewStats(**row)
    return stats


@dataclass(frozen=True)
class WeekOfDecisions:
    week: datetime  # the Monday the week starts on
    approved: int
    rejected: int

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.approved + self.rejected
        return self.approved / decided if decided else None


def acceptance_by_week(*, store: Store, weeks: int = 12, now: datetime | None = None) -> list[WeekOfDecisions]:
    """Reviewers' decisions of the last `weeks` weeks (this one included), oldest
    first, a row for every week even without decisions: approvals and rejections
    as recorded in the history, so a draft reopened and decided again counts twice.
    One grouped query."""
    now = timezone.localtime(now or timezone.now())
    this_week = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    first = this_week - timedelta(weeks=weeks - 1)
    rows = (
        DraftEvent.objects.filter(store=store, action__in=(DraftEvent.Action.APPROVED, DraftEvent.Action.REJECTED),
                                  created_at__gte=first)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values("week")
        .annotate(approved=Count("id", filter=Q(action=DraftEvent.Action.APPROVED)),
                  rejected=Count("id", filter=Q(action=DraftEvent.Action.REJECTED)))
    )
    found = {row["week"].date(): row for row in rows}
    result = []
    for number in range(weeks):
        week = first + timedelta(weeks=number)
        row = found.get(week.date(), {})
        result.append(WeekOfDecisions(week=week, approved=row.get("approved", 0), rejected=row.get("rejected", 0)))
    return result


def product_filter_published_copy(queryset: QuerySet[Product], wanted: str) -> QuerySet[Product]:
    """The catalog's "live copy" filter (catalog.hooks.product_list_filters):
    `copy=yes` keeps products with published copy of any content type, `copy=no`
    those without; anything else leaves the list alone."""
    if wanted not in ("yes", "no"):
        return queryset
    published = Exists(PublishedCopy.objects.filter(product=OuterRef("pk")))
    return queryset.filter(published if wanted == "yes" else ~published)


def published_version_for_store(*, store: Store, version_id: int) -> PublishedCopyVersion:
    version = (
        PublishedCopyVersion.objects.filter(pk=version_id, copy__store=store)
        .select_related("copy__product__store").first()
    )
    if version is None:
        raise PublishedCopyNotFound("No such published version in this store.")
    return version
