"""Shoppers list; a shopper's page (timeline, profile, recommendations with
filter toggles that update the list in place)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.access import store_view
from catalog.request_values import id_or_none
from catalog.selectors import category_choices
from recommendations import selectors
from recommendations.models import Shopper
from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper
from recommendations.services import profiles as profile_services
from recommendations.services.summaries import summary_start

RECOMMENDATIONS_SHOWN = 10


def _shopper(request, shopper_id: int) -> Shopper:
    return selectors.shopper_for_store(store=request.store, shopper_id=shopper_id)


@store_view()
@require_GET
def shopper_list(request):
    q = (request.GET.get("q") or "").strip()[:200]
    page = selectors.shopper_page(store=request.store, q=q, cursor=request.GET.get("cursor"))
    context = {"page": page, "q": q}
    if request.htmx and request.htmx.target == "shopper-table":
        return render(request, "recommendations/shopper_list.html#shopper-table", context)
    context["numbers"] = selectors.store_numbers(store=request.store)
    return render(request, "recommendations/shopper_list.html", context)


def _recommendations_context(request, shopper: Shopper) -> dict:
    filters = RecommendationFilters.from_querydict(request.GET)
    result = recommend_for_shopper(store=request.store, shopper=shopper, k=RECOMMENDATIONS_SHOWN, filters=filters)
    return {"shopper": shopper, "filters": filters, "result": result}


@store_view()
@require_GET
def shopper_detail(request, shopper_id: int):
    shopper = _shopper(request, shopper_id)
    events, next_before = selectors.shopper_timeline(shopper=shopper)
    context = {
        **_recommendations_context(request, shopper),
        "profile": selectors.shopper_profile(shopper=shopper),
        "summary_job": selectors.active_summary_job(shopper=shopper),
        "events": events,
        "next_before": next_before,
        "categories": category_choices(store=request.store),
    }
    return render(request, "recommendations/shopper_detail.html", context)


@store_view()
@require_GET
def shopper_recommendations(request, shopper_id: int):
    """The list alone, for the filter toggles (htmx) and links without JavaScript."""
    shopper = _shopper(request, shopper_id)
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{shopper.get_absolute_url()}?{query}" if query else shopper.get_absolute_url())
    return render(request, "recommendations/shopper_detail.html#recommendations",
                  _recommendations_context(request, shopper))


@store_view()
@require_GET
def shopper_events(request, shopper_id: int):
    """The next page of the timeline ("Older events")."""
    shopper = _shopper(request, shopper_id)
    before = id_or_none(request.GET.get("before"))
    events, next_before = selectors.shopper_timeline(shopper=shopper, before=before)
    return render(request, "recommendations/shopper_detail.html#timeline-rows",
                  {"shopper": shopper, "events": events, "next_before": next_before})


@store_view("catalog.edit")
@require_POST
def profile_rebuild(request, shopper_id: int):
    shopper = _shopper(request, shopper_id)
    profile_services.profile_rebuild(shopper=shopper, membership=request.membership)
    messages.success(request, "The profile was rebuilt from the shopper's events.")
    return redirect(shopper.get_absolute_url())


@store_view("shoppers.summarize")
@require_POST
def summary_create(request, shopper_id: int):
    shopper = _shopper(request, shopper_id)
    summary_start(shopper=shopper, membership=request.membership)
    messages.info(request, "The generation model is writing the interest summary; it appears here when done.")
    return redirect(shopper.get_absolute_url())
