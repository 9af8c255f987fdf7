"""Semantic search, the storefront preview, and the similar products section
of the product page."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog import hooks
from catalog import selectors as catalog_selectors
from catalog.access import store_view
from catalog.models import Product
from catalog.request_values import id_or_none
from recommendations import selectors
from recommendations.selectors.discovery import semantic_search, similar_products
from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper

SEARCH_RESULTS = 20
SIMILAR_SHOWN = 6


@store_view()
@require_GET
def search(request):
    q = (request.GET.get("q") or "").strip()[:300]
    in_stock = request.GET.get("in_stock") == "1"
    category_id = id_or_none(request.GET.get("category"))
    hits = semantic_search(store=request.store, query=q, k=SEARCH_RESULTS, in_stock=in_stock,
                           category_id=category_id) if q else []
    context = {"q": q, "hits": hits, "in_stock": in_stock, "category_id": category_id}
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "recommendations/search.html#search-results", context)
    context["categories"] = catalog_selectors.category_choices(store=request.store)
    return render(request, "recommendations/search.html", context)


@store_view()
@require_GET
def similar_section(request, product_id: int):
    """The similar products card's content, loaded after the product page."""
    product = catalog_selectors.product_for_store(store=request.store, product_id=product_id)
    in_stock = request.GET.get("in_stock") == "1"
    items = similar_products(store=request.store, product=product, k=SIMILAR_SHOWN, in_stock=in_stock)
    return render(request, "recommendations/sections/similar_products.html#similar-items",
                  {"product": product, "items": items, "in_stock": in_stock})


@store_view()
@require_GET
def storefront_preview(request):
    """A product page as a chosen shopper would see it: the published copy (or
    the merchant's description) and their recommendations."""
    store = request.store
    shopper = product = None
    shopper_id, product_id = id_or_none(request.GET.get("shopper")), id_or_none(request.GET.get("product"))
    if (request.GET.get("shopper") and shopper_id is None) or (request.GET.get("product") and product_id is None):
        raise Http404("No such shopper or product")
    if shopper_id is not None:
        shopper = selectors.shopper_for_store(store=store, shopper_id=shopper_id)
    if product_id is not None:
        product = catalog_selectors.product_for_store(store=store, product_id=product_id)
    if shopper is None:
        sample = selectors.sample_shoppers(store=store, limit=1)
        shopper = sample[0] if sample else None
    if product is None:
        product = Product.objects.filter(store=store).order_by("pk").first()
    context = {"shopper": shopper, "product": product,
               "shoppers": selectors.sample_shoppers(store=store, limit=12)}
    if product is not None:
        published = hooks.descriptions_for([product]).get(product.pk, "")
        context["description"] = published or product.description
        context["published"] = bool(published)
        context["similar"] = similar_products(store=store, product=product, k=4, in_stock=True)
    if shopper is not None:
        context["result"] = recommend_for_shopper(
            store=store, shopper=shopper, k=6, filters=RecommendationFilters(in_stock=True),
            exclude_product_ids=frozenset({product.pk}) if product else frozenset(),
        )
    return render(request, "recommendations/preview.html", context)
