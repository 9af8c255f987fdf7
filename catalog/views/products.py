from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog import hooks, selectors
from catalog.access import store_view


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
    product = selectors.product_for_store(store=request.store, product_id=product_id)
    context = {
        "product": product,
        "sections": hooks.collect(hooks.product_sections, request, product),
        "actions": hooks.collect(hooks.product_actions, request, product),
    }
    return render(request, "catalog/product_detail.html", context)
