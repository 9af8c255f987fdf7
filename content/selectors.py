"""Reads for the content screens and for generation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from catalog.models import Category, Product, Store
from content.models import (
    ContentType,
    Draft,
    GenerationJob,
    PromptTemplate,
    PromptVersion,
    PublishedCopy,
    ShopperQuestion,
)

ACCEPTED = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)


# --------------------------------------------------------------------------- prompts


def templates_for_store(*, store: Store) -> list[PromptTemplate]:
    return list(
        PromptTemplate.objects.filter(store=store)
        .select_related("active_version", "active_version__author")
        .annotate(version_count=Count("versions"))
        .order_by("content_type", "language", "name")
    )


def template_for_store(*, store: Store, template_id: int) -> PromptTemplate:
    """PromptTemplate.DoesNotExist when it is not this store's."""
    return PromptTemplate.objects.select_related("active_version").get(store=store, pk=template_id)


def template_versions(*, template: PromptTemplate) -> list[PromptVersion]:
    return list(
        template.versions.select_related("author").annotate(
            draft_count=Count("drafts"),
            accepted_count=Count("drafts", filter=Q(drafts__status__in=ACCEPTED)),
        ).order_by("-number")
    )


def version_for_store(*, store: Store, version_id: int) -> PromptVersion:
    return PromptVersion.objects.select_related("template", "template__store").get(
        template__store=store, pk=version_id
    )


def active_version(*, store: Store, content_type: str, language: str) -> PromptVersion | None:
    """The active version of the store's template for this content type and
    language (the first by name when there are several)."""
    template = (
        PromptTemplate.objects.filter(
            store=store, content_type=content_type, language=language, active_version__isnull=False
        )
        .select_related("active_version__template")
        .order_by("name", "id")
        .first()
    )
    return template.active_version if template else None


def version_choices(*, store: Store) -> list[PromptTemplate]:
    """Templates with their versions (newest first), for the Generate form."""
    return list(
        PromptTemplate.objects.filter(store=store)
        .prefetch_related(Prefetch("versions", queryset=PromptVersion.objects.order_by("-number")))
        .order_by("content_type", "language", "name")
    )


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
    return {status: counts.get(status, 0) for status in Draft.Status.values}


def drafts_waiting_count(store: Store) -> int:
    """Drafts waiting for a person (to review or flagged): one indexed count, for the nav's badge."""
    return Draft.objects.filter(store=store, status__in=Draft.REVIEWABLE).count()


def product_published_copy(*, product: Product, language: str,
                           content_type: str = ContentType.DESCRIPTION) -> str:
    """The product's live copy of this content type and language (issue 4's
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


FILTER_LABELS = {"q": "search", "category": "category", "brand": "brand", "stock": "stock", "copy": "copy",
                 "sort": "sorted by"}
STOCK_LABELS = {"in": "in stock", "out": "out of stock"}


def describe_filters(*, store: Store, query: dict) -> list[tuple[str, str]]:
    """A catalog filter as a merchant reads it: the category's path, not its id."""
    described = []
    for key, value in query.items():
        if key == "category":
            path = Category.objects.filter(store=store, pk=value).values_list("path", flat=True).first()
            value = path or f"#{value} (deleted)"
        elif key == "stock":
            value = STOCK_LABELS.get(value, value)
        described.append((FILTER_LABELS.get(key, key), str(value)))
    return described
