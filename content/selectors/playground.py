"""Reads of the prompt playground: products to try a prompt on,
trials and comparisons of a store."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from catalog.errors import ProductNotFound
from catalog.importing import sku_key
from catalog.models import Product, Store
from catalog.request_values import id_or_none
from content.errors import ComparisonNotFound, TrialNotFound
from content.models import PromptComparison, PromptTemplate, PromptTrial, PromptVersion

PRODUCT_CHOICES = 200


def playground_products(*, store: Store, q: str = "", limit: int = PRODUCT_CHOICES) -> list[Product]:
    """The products a playground offers: the first `limit` by title, or those
    whose title or SKU contains `q`."""
    qs = Product.objects.filter(store=store)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(sku__icontains=q))
    return list(qs.order_by("title", "id").only("pk", "title", "sku")[:limit])


def playground_product(*, store: Store, value: str) -> Product:
    """A store's product by id or exact SKU; ProductNotFound for anything else."""
    value = (value or "").strip()
    qs = Product.objects.filter(store=store).select_related("category")
    product = qs.filter(sku_key=sku_key(value)).first() if value else None
    if product is None and (product_id := id_or_none(value)) is not None:
        product = qs.filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound("No such product in this store.")
    return product


def trial_for_store(*, store: Store, trial_id: int) -> PromptTrial:
    trial = (PromptTrial.objects.select_related("prompt_version__template", "product", "job")
             .filter(store=store, pk=trial_id).first())
    if trial is None:
        raise TrialNotFound("No such preview in this store.")
    return trial


def version_previews(*, version: PromptVersion, limit: int = 10) -> QuerySet[PromptTrial]:
    return (PromptTrial.objects.filter(prompt_version=version, comparison__isnull=True)
            .select_related("product", "job", "created_by").order_by("-created_at", "-id")[:limit])


def template_comparisons(*, template: PromptTemplate, limit: int = 10) -> QuerySet[PromptComparison]:
    return (PromptComparison.objects.filter(template=template)
            .select_related("version_a", "version_b", "job", "created_by").order_by("-created_at", "-id")[:limit])


def comparison_for_store(*, store: Store, comparison_id: int) -> PromptComparison:
    comparison = (PromptComparison.objects.select_related("template", "version_a", "version_b", "job", "store")
                  .filter(store=store, pk=comparison_id).first())
    if comparison is None:
        raise ComparisonNotFound("No such comparison in this store.")
    return comparison


@dataclass
class ComparisonRow:
    product: Product
    a: PromptTrial | None
    b: PromptTrial | None


@dataclass
class VersionSummary:
    version: PromptVersion
    written: int
    errors: int
    failed_checks: int  # check failures over every written output
    outputs_with_failures: int
    mean_length: float | None  # words; characters in Chinese (as the length check counts)
    mean_latency_ms: float | None


def comparison_rows(*, comparison: PromptComparison) -> list[ComparisonRow]:
    """One row per product, the two versions' trials side by side (one query)."""
    trials = list(comparison.trials.select_related("product"))
    by_item = {(t.prompt_version_id, t.product_id): t for t in trials}
    products = {t.product_id: t.product for t in trials}
    return [
        ComparisonRow(products[pk], by_item.get((comparison.version_a_id, pk)),
                      by_item.get((comparison.version_b_id, pk)))
        for pk in comparison.product_ids if pk in products
    ]


def comparison_summary(*, comparison: PromptComparison, rows: list[ComparisonRow]) -> list[VersionSummary]:
    summaries = []
    for version, side in ((comparison.version_a, "a"), (comparison.version_b, "b")):
        trials = [getattr(row, side) for row in rows if getattr(row, side) is not None]
        written = [t for t in trials if t.is_finished and not t.error]
        summaries.append(VersionSummary(
            version=version, written=len(written), errors=sum(1 for t in trials if t.error),
            failed_checks=sum(len(t.failed_checks) for t in written),
            outputs_with_failures=sum(1 for t in written if t.failed_checks),
            mean_length=_mean([_length(t.output_text, comparison.template.language) for t in written]),
            mean_latency_ms=_mean([t.latency_ms for t in written]),
        ))
    return summaries


def _length(text: str, language: str) -> int:
    return len("".join(text.split())) if language == "zh" else len(text.split())


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None
