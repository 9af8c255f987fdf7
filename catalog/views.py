from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import hooks, selectors, services
from catalog.access import store_view
from catalog.forms import ImportUploadForm
from catalog.importing import ImportFileError
from catalog.models import ImportBatch, Membership, Product


@login_required
@require_GET
def store_index(request):
    """The first store of the user, or a page saying they belong to none. The
    store switcher submits here without JavaScript (?store=<url of a store>)."""
    chosen = request.GET.get("store", "")
    if chosen.startswith("/s/") and url_has_allowed_host_and_scheme(chosen, allowed_hosts={request.get_host()}):
        return redirect(chosen)
    membership = Membership.objects.filter(user=request.user).select_related("store").order_by("store__name").first()
    if membership is None:
        return render(request, "catalog/no_store.html", status=403)
    return redirect("home", store_slug=membership.store.slug)


@store_view()
@require_GET
def home(request):
    overview = selectors.store_overview(store=request.store)
    sections = hooks.collect(hooks.home_sections, request)
    return render(request, "catalog/home.html", {"overview": overview, "sections": sections})


@store_view()
@require_GET
def product_list(request):
    filters = selectors.ProductFilters.from_querydict(request.GET)
    page = selectors.product_page(
        store=request.store,
        filters=filters,
        cursor=request.GET.get("cursor"),
        page_size=settings.CATALOG_PAGE_SIZE,
    )
    context = {
        "page": page,
        "filters": filters,
        "query": filters.as_query(),
        "sorts": {key: label for key, (label, _) in selectors.SORTS.items()},
    }
    if request.htmx and request.htmx.target == "product-table":
        return render(request, "catalog/product_list.html#product-table", context)
    context["categories"] = selectors.category_choices(store=request.store)
    context["brands"] = selectors.brand_choices(store=request.store)
    context["extra_filters"] = list(hooks.product_list_filters)
    context["list_actions"] = hooks.collect(hooks.product_list_actions, request)
    return render(request, "catalog/product_list.html", context)


@store_view()
@require_GET
def product_detail(request, product_id: int):
    try:
        product = selectors.product_for_store(store=request.store, product_id=product_id)
    except Product.DoesNotExist:
        raise Http404("No such product") from None
    context = {
        "product": product,
        "sections": hooks.collect(hooks.product_sections, request, product),
        "actions": hooks.collect(hooks.product_actions, request, product),
    }
    return render(request, "catalog/product_detail.html", context)


@store_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_upload(
                store=request.store, membership=request.membership, filename=upload.name, data=upload.read()
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("catalog:import_preview", store_slug=request.store.slug, batch_id=batch.pk)
    recent = ImportBatch.objects.filter(store=request.store).select_related("job", "uploaded_by")[:10]
    status = 400 if form.errors else 200
    return render(request, "catalog/import_upload.html", {"form": form, "recent": recent}, status=status)


@store_view()
@require_GET
def import_preview(request, batch_id: int):
    batch = get_object_or_404(ImportBatch.objects.select_related("job"), store=request.store, pk=batch_id)
    return render(request, "catalog/import_preview.html", {"batch": batch})


@store_view("catalog.edit")
@require_POST
def import_confirm(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, store=request.store, pk=batch_id)
    try:
        job = services.import_confirm(
            batch=batch, membership=request.membership, skip_invalid=request.POST.get("skip_invalid") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(batch.get_absolute_url())
    messages.success(request, f"Importing {job.total} products from {batch.original_name}.")
    return redirect(job.get_absolute_url())


@store_view("catalog.edit")
@require_POST
def import_discard(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, store=request.store, pk=batch_id)
    try:
        services.import_discard(batch=batch, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(batch.get_absolute_url())
    messages.info(request, f"Discarded {batch.original_name}; nothing was imported.")
    return redirect("catalog:import", store_slug=request.store.slug)
