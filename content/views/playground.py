"""The prompt playground (a version's prompt for one product, and a preview
the model writes) and Compare (two versions on the same products): members
who may generate start previews and comparisons; every member reads them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.access import store_view
from catalog.request_values import id_or_none, ids_from, whole_number_or_none
from catalog.selectors import ProductFilters
from content.models import PromptTemplate, PromptTrial
from content.prompt_text import PromptRenderError
from content.selectors import playground as selectors
from content.selectors import template_for_store, template_version_by_number, template_versions
from content.services import playground as services
from content.services.generation import render_failure_message


def _versions(template: PromptTemplate) -> list:
    versions = template_versions(template=template)
    for version in versions:
        version.template = template  # the services read version.template.store
    return versions


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _playground_context(request, template: PromptTemplate, data) -> dict:
    versions = _versions(template)
    version = template_version_by_number(versions=versions, number=data.get("version"),
                                         default=template.active_version or (versions or [None])[0])
    q = (data.get("q") or "").strip()[:200]
    product = None
    if data.get("product"):
        product = selectors.playground_product(store=request.store, value=data["product"])
    goal, question = (data.get("goal") or "").strip()[:300], (data.get("question") or "").strip()[:500]
    rendered, render_error = None, ""
    if product is not None:
        try:
            rendered = services.playground_prompt(version=version, product=product, goal=goal, question=question)
        except (PromptRenderError, KeyError, ValueError) as exc:
            render_error = render_failure_message(exc)
    return {"template": template, "versions": versions, "version": version, "q": q,
            "products": selectors.playground_products(store=request.store, q=q), "product": product,
            "goal": goal, "question": question, "rendered": rendered, "render_error": render_error,
            "previews": selectors.version_previews(version=version),
            "comparisons": selectors.template_comparisons(template=template)}


@store_view()
@require_GET
def playground(request, template_id: int):
    template = template_for_store(store=request.store, template_id=template_id)
    context = _playground_context(request, template, request.GET)
    if (trial_id := id_or_none(request.GET.get("trial"))) is not None:
        context["trial"] = PromptTrial.objects.filter(
            store=request.store, pk=trial_id).select_related("product", "job").first()
    return render(request, "content/playground.html", context)


@store_view("content.generate")
@require_POST
def playground_preview(request, template_id: int):
    template = template_for_store(store=request.store, template_id=template_id)
    context = _playground_context(request, template, request.POST)
    if context["product"] is None:
        context["error"] = "Choose a product first."
        return render(request, "content/playground.html", context, status=400)
    try:
        trial = services.playground_preview_start(
            membership=request.membership, version=context["version"], product=context["product"],
            goal=context["goal"], question=context["question"])
    except ValidationError as exc:
        context["error"] = _error_text(exc)
        return render(request, "content/playground.html", context, status=400)
    if request.htmx:
        return render(request, "content/playground_trial.html", {"trial": trial, "store": request.store})
    url = reverse("content:playground", kwargs={"store_slug": request.store.slug, "template_id": template.pk})
    query = {"version": context["version"].number, "product": context["product"].pk, "trial": trial.pk}
    return redirect(f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}#trial")


@store_view()
@require_GET
def trial_panel(request, trial_id: int):
    """A trial's result (polled while its job runs)."""
    trial = selectors.trial_for_store(store=request.store, trial_id=trial_id)
    return render(request, "content/playground_trial.html", {"trial": trial})


def _compare_context(request, template: PromptTemplate, versions, data) -> dict:
    filters = ProductFilters.from_querydict(data)
    return {"template": template, "versions": versions, "filters": filters, "query": filters.as_query(),
            "count": data.get("count") or services.DEFAULT_SAMPLE, "goal": data.get("goal", ""),
            "question": data.get("question", ""), "max_sample": services.MAX_SAMPLE,
            "version_a": data.get("version_a") or (versions[1].number if len(versions) > 1 else ""),
            "version_b": data.get("version_b") or (versions[0].number if versions else ""),
            "comparisons": selectors.template_comparisons(template=template)}


@store_view()
@require_GET
def compare(request, template_id: int):
    template = template_for_store(store=request.store, template_id=template_id)
    versions = _versions(template)
    return render(request, "content/playground_compare.html",
                  _compare_context(request, template, versions, request.GET))


@store_view("content.generate")
@require_POST
def compare_start(request, template_id: int):
    template = template_for_store(store=request.store, template_id=template_id)
    versions = _versions(template)
    data = request.POST
    context = _compare_context(request, template, versions, data)
    version_a = template_version_by_number(versions=versions, number=data.get("version_a"), default=None)
    version_b = template_version_by_number(versions=versions, number=data.get("version_b"), default=None)
    ids = ids_from(data.getlist("product")) or None
    count = whole_number_or_none(data.get("count"))
    try:
        comparison = services.playground_compare_start(
            membership=request.membership, version_a=version_a, version_b=version_b, product_ids=ids,
            filters=context["filters"], count=services.DEFAULT_SAMPLE if count is None else count,
            goal=data.get("goal", ""), question=data.get("question", ""))
    except ValidationError as exc:
        context["error"] = _error_text(exc)
        return render(request, "content/playground_compare.html", context, status=400)
    messages.success(request, f"Started: {comparison.job.title}.")
    return redirect(comparison.get_absolute_url())


@store_view()
@require_GET
def comparison(request, comparison_id: int):
    comparison = selectors.comparison_for_store(store=request.store, comparison_id=comparison_id)
    rows = selectors.comparison_rows(comparison=comparison)
    context = {"comparison": comparison, "job": comparison.job, "rows": rows,
               "summary": selectors.comparison_summary(comparison=comparison, rows=rows)}
    template = "content/playground_comparison.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)

