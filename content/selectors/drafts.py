"""Reads of drafts, shopper questions and published copy, for the content
screens, the catalog pages' sections and generation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from catalog.models import Product, Store
from catalog.selectors import describe_filters
from content.errors import GenerationNotFound
from content.models import (
    ContentType,
    Draft,
    GenerationJob,
    PublishedCopy,
    ShopperQuestion,
)

ACCEPTED = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)


# --------------------------------------------------------------------------- drafts and questions


def product_drafts(*, product: Product, limit: int = 10) -> list[Draft]:
    return list(
        Draft.objects.filter(product=product)
        .select_related("prompt_version__template", "question")
        .order_by("-created_at", "-id")[:limit]
    )


def product_questions(*, product: Product, limit: int = 20) -> list[ShopperQuestion]:
    return list(
        ShopperQuestion.objects.filter(product=product)
        .annotate(
            draft_count=Count("drafts"),
            accepted_count=Count("drafts", filter=Q(drafts__status__in=ACCEPTED)),
        )
        .order_by("-asked_at", "-id")[:limit]
    )


def open_questions(*, store: Store, product_ids: Iterable[int]) -> QuerySet[ShopperQuestion]:
    """Questions of these products without an approved or published answer."""
    return (
        ShopperQuestion.objects.filter(store=store, product_id__in=list(product_ids))
        .exclude(drafts__status__in=ACCEPTED)
        .order_by("product_id", "asked_at", "id")
    )


def job_drafts(*, generation: GenerationJob, limit: int = 100) -> list[Draft]:
    return list(
        Draft.objects.filter(job=generation)
        .select_related("product", "question")
        .order_by("product__title", "product_id", "question_id", "variant")[:limit]
    )


def draft_counts(*, store: Store) -> dict[str, int]:
    counts = dict(
        Draft.objects.filter(store=store).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Draft.QUEUE_STATUSES}


def drafts_waiting_count(store: Store) -> int:
    """Drafts waiting for a person (to review or flagged): one indexed count, for the nav's badge."""
    return Draft.objects.filter(store=store, status__in=Draft.REVIEWABLE).count()


def product_published_copy(*, product: Product, language: str,
                           content_type: str = ContentType.DESCRIPTION) -> str:
    """The product's live copy of this content type and language (its
    PublishedCopy), else the merchant's own description from the import."""
    published = (
        PublishedCopy.objects.filter(product=product, content_type=content_type, language=language)
        .values_list("text", flat=True)
        .first()
    )
    return published or product.description


def accepted_copy_by_category(
    *, store: Store, content_type: str, language: str, category_ids: Iterable[int], per_category: int = 2,
    scan_limit: int = 400,
) -> dict[int, list[Draft]]:
    """Approved or published drafts per category, newest first: the few-shot
    examples a product borrows from its neighbours. One query for a batch."""
    category_ids = {pk for pk in category_ids if pk}
    if not category_ids:
        return {}
    drafts = (
        Draft.objects.filter(
            store=store, content_type=content_type, language=language, status__in=ACCEPTED,
            product__category_id__in=category_ids,
        )
        .select_related("product__category", "question", "job")
        .order_by("-updated_at", "-id")[:scan_limit]
    )
    chosen: dict[int, list[Draft]] = defaultdict(list)
    seen_products: dict[int, set[int]] = defaultdict(set)
    for draft in drafts:
        category_id = draft.product.category_id
        # One example per product, a few per category, so one product's copy does not dominate.
        if len(chosen[category_id]) < per_category + 1 and draft.product_id not in seen_products[category_id]:
            chosen[category_id].append(draft)
            seen_products[category_id].add(draft.product_id)
    return dict(chosen)


# Postgres guesses the selectivity of `band_keys && array` from the number of
# keys; past a dozen or so it expects a large share of the table and scans all of
# it (measured: 250 ms at 10,000 drafts instead of 0.2 ms). Probing a few keys at
# a time keeps every probe on the GIN index.
KEYS_PER_PROBE = 8


def near_duplicate_candidates(
    *, store: Store, content_type: str, language: str, band_keys: Iterable[str], limit: int = 2000,
) -> list[dict]:
    """Drafts sharing at least one LSH band key with any of the given texts,
    found through the GIN index, so this stays cheap with many drafts."""
    keys = sorted(set(band_keys))
    if not keys:
        return []
    same_kind = Draft.objects.filter(store=store, content_type=content_type, language=language)
    probes = []
    for start in range(0, len(keys), KEYS_PER_PROBE):
        chunk = keys[start:start + KEYS_PER_PROBE]
        probes.append(same_kind.filter(band_keys__overlap=chunk).order_by().values_list("id", flat=True))
    matches = probes[0].union(*probes[1:]) if len(probes) > 1 else probes[0]
    ids = list(matches[:limit])  # texts with very few words share keys with many others: cap them
    if not ids:
        return []
    return list(
        Draft.objects.filter(pk__in=ids)
        .exclude(status=Draft.Status.REJECTED)
        .order_by("-created_at")
        .values("id", "product_id", "product__title", "product__sku", "signature", "current_text")[:limit]
    )


def generation_for_store(*, store: Store, generation_id: int) -> GenerationJob:
    generation = (
        GenerationJob.objects.filter(store=store, pk=generation_id)
        .select_related("job", "template_version__template", "store")
        .first()
    )
    if generation is None:
        raise GenerationNotFound("No such generation job in this store.")
    return generation


def generation_panel(*, generation: GenerationJob | None, job) -> dict:
    """What a generation job's panel shows: its settings, the drafts written so
    far, and the catalog filter it was started from, as a merchant reads it."""
    if generation is None:
        return {"generation": None, "job": job, "drafts": [], "draft_count": 0, "filters": []}
    return {
        "generation": generation,
        "job": job,
        "drafts": job_drafts(generation=generation),
        # Best of n stops at a good enough candidate: fewer drafts than the job's units.
        "draft_count": Draft.objects.filter(job=generation).count(),
        "filters": describe_filters(store=generation.store, query=generation.filters),
    }
