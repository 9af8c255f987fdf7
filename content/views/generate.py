"""Generate: choose products (a selection or a catalog filter), content type,
template version and settings, and start a generation job; the job page's
panel of drafts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog import selectors as catalog_selectors
from catalog.access import store_view
from catalog.forms import add_service_errors
from catalog.request_values import ids_from
from content import selectors, services
from content.forms import GenerateForm
from content.models import ContentType

PREVIEW_PRODUCTS = 12


def _selection(request, data) -> dict:
    """The products a Generate form is about: explicit ids (`product`) or the
    catalog filter it was opened with (q, category, brand, stock...)."""
    ids = ids_from(data.getlist("product"))
    if ids:
        products = list(request.store.products.filter(pk__in=ids).select_related("category")[:500])
        title_only = sum(catalog_selectors.says_only_its_title(p.title, p.description, p.attributes) for p in products)
        return {"product_ids": [p.pk for p in products], "filters": None, "products": products[:PREVIEW_PRODUCTS],
                "count": len(products), "capped": False, "more": max(0, len(products) - PREVIEW_PRODUCTS),
                "title_only": title_only, "read": len(products)}
    filters = catalog_selectors.ProductFilters.from_querydict(data)
    qs = catalog_selectors.product_queryset(store=request.store, filters=filters)
    count, capped = catalog_selectors.count_capped(qs)
    title_only, read = catalog_selectors.title_only_count(qs)
    return {"product_ids": None, "filters": filters, "query": filters.as_query(),
            "described": catalog_selectors.describe_filters(store=request.store, query=filters.as_query()),
            "products": list(qs.select_related("category").order_by("title", "id")[:PREVIEW_PRODUCTS]),
            "count": count, "capped": capped, "more": max(0, count - PREVIEW_PRODUCTS),
            "title_only": title_only, "read": read}


@store_view("content.generate")
@require_http_methods(["GET", "POST"])
def generate(request):
    data = request.POST if request.method == "POST" else request.GET
    selection = _selection(request, data)
    voice = services.brand_voice_for(store=request.store)
    initial = {"language": data.get("language") or voice.default_language, "tone": voice.tone,
               "content_type": data.get("content_type") or ContentType.DESCRIPTION}
    form = GenerateForm(request.POST or None, store=request.store, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        question_ids = ids_from(request.POST.getlist("question")) or None
        try:
            job = services.generation_start(
                store=request.store, membership=request.membership, content_type=values["content_type"],
                product_ids=selection["product_ids"], filters=selection["filters"], question_ids=question_ids,
                template_version=values["template_version"], language=values["language"], tone=values["tone"],
                variants=values["variants"], candidates=values["candidates"] or None,
                params_overrides=form.params_overrides(),
                instruction=values["instruction"], goal=values["goal"], limit=values["limit"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Started: {job.title}.")
            return redirect(job.get_absolute_url())
    status = 400 if form.errors else 200
    context = {"form": form, "selection": selection, "voice": voice,
               "question_ids": request.GET.getlist("question") or request.POST.getlist("question")}
    return render(request, "content/generate.html", context, status=status)


@store_view()
@require_GET
def job_panel(request, job_id: int):
    """The drafts a generation job has written so far (polled while it runs)."""
    generation = selectors.generation_for_store(store=request.store, generation_id=job_id)
    return render(request, "content/includes/job_panel.html",
                  selectors.generation_panel(generation=generation, job=generation.job))
