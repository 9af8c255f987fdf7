"""Reads for the copy yardstick: the store's held-back products, evaluations and their drafts,
and the figures across model versions for the chart."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from catalog.models import Product, Store
from content.errors import CopyEvaluationNotFound
from content.models import CopyEvaluation, CopyEvaluationDraft

STORE_HELDOUT = 16


def heldout_store_products(*, store: Store, count: int = STORE_HELDOUT) -> list[Product]:
    """`count` of the store's products (a quarter of a small catalog at most) spread evenly over
    its catalog in import order (the middle of each equal stretch): the same products on every
    run, and what training leaves out of the store's approved drafts."""
    ids = list(Product.objects.filter(store=store).order_by("id").values_list("pk", flat=True))
    count = min(count, len(ids) // 4)
    if count <= 0:
        return []
    step = max(len(ids) // count, 1)
    chosen = ids[step // 2 :: step][:count]
    found = Product.objects.filter(pk__in=chosen).select_related("category").in_bulk()
    return [found[pk] for pk in chosen if pk in found]


def copy_evaluations(*, store: Store, limit: int = 50) -> list[CopyEvaluation]:
    """The store's evaluations, newest first, each with how many of its store drafts a reader
    judged (`store_judged`) and would approve as they stand (`store_as_is`)."""
    store_drafts = Q(drafts__subset="store")
    return list(CopyEvaluation.objects.filter(store=store).select_related("model_version", "job", "created_by")
                .annotate(store_judged=Count("drafts", filter=store_drafts & ~Q(drafts__verdict="")),
                          store_as_is=Count("drafts", filter=store_drafts & Q(
                              drafts__verdict=CopyEvaluationDraft.Verdict.AS_IS)))
                .order_by("-created_at", "-id")[:limit])


def copy_evaluation_for_store(*, store: Store, evaluation_id: int) -> CopyEvaluation:
    evaluation = (CopyEvaluation.objects.select_related("model_version", "job", "created_by")
                  .filter(store=store, pk=evaluation_id).first())
    if evaluation is None:
        raise CopyEvaluationNotFound("No such copy evaluation in this store.")
    return evaluation


def evaluation_drafts(*, evaluation: CopyEvaluation, subset: str = "", failed_only: bool = False,
                      unjudged_only: bool = False) -> QuerySet[CopyEvaluationDraft]:
    drafts = evaluation.drafts.all()
    if subset:
        drafts = drafts.filter(subset=subset)
    if failed_only:
        drafts = drafts.filter(passed=False)
    if unjudged_only:
        drafts = drafts.filter(verdict="")
    return drafts.order_by("subset", "position")


def reader_figures(*, evaluation: CopyEvaluation) -> dict[str, dict[str, int]]:
    """Per subset with drafts: how many drafts, how many a reader judged, and how many of those
    they would approve as they stand, after an edit, or reject."""
    rows = evaluation.drafts.values("subset", "verdict").annotate(count=Count("id"))
    figures: dict[str, dict[str, int]] = {}
    for row in rows:
        subset = figures.setdefault(row["subset"], {"drafts": 0, "judged": 0, **{
            verdict: 0 for verdict in CopyEvaluationDraft.Verdict.values}})
        subset["drafts"] += row["count"]
        if row["verdict"]:
            subset["judged"] += row["count"]
            subset[row["verdict"]] += row["count"]
    return figures


def evaluation_chart(*, store: Store, limit: int = 30) -> dict:
    """Finished evaluations oldest first, with their pass rate and claims per draft per subset:
    the data of the chart across model versions."""
    rows = list(CopyEvaluation.objects.filter(store=store, finished_at__isnull=False)
                .select_related("model_version").order_by("-finished_at")[:limit])[::-1]
    series: dict[str, list] = {"labels": [], "pass_corpus": [], "pass_store": [], "claims_corpus": [],
                               "claims_store": []}
    for evaluation in rows:
        series["labels"].append(f"#{evaluation.pk} {evaluation.label}")
        for subset in ("corpus", "store"):
            figures = evaluation.results.get(subset) or {}
            series[f"pass_{subset}"].append(figures.get("pass_rate"))
            series[f"claims_{subset}"].append(figures.get("claims_per_draft"))
    return series
