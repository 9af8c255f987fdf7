"""Campaigns: the list with a form for a new one, and a campaign's page
(segments with their sizes and products, drafts with their status, click and
purchase rates from the events the storefront tagged)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.access import store_view
from catalog.forms import add_service_errors
from content.forms import CampaignForm
from content.selectors.campaigns import campaign_for_store, campaign_report, campaigns_for_store
from content.services import brand_voice_for
from content.services.campaigns import campaign_create, campaign_end


@store_view()
@require_http_methods(["GET", "POST"])
def campaign_list(request):
    voice = brand_voice_for(store=request.store)
    form = CampaignForm(request.POST or None, initial={"language": voice.default_language})
    if request.method == "POST":
        if not request.membership.can("content.generate"):
            return render(request, "403.html", status=403)
        if form.is_valid():
            values = form.cleaned_data
            try:
                campaign = campaign_create(store=request.store, membership=request.membership, **values)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "The campaign is finding its segments and products; its copy then "
                                          "goes to the review queue.")
                return redirect(campaign.get_absolute_url())
    return render(request, "content/campaign_list.html",
                  {"form": form, "campaigns": campaigns_for_store(store=request.store)},
                  status=400 if form.errors else 200)


@store_view()
@require_GET
def campaign_detail(request, campaign_id: int):
    campaign = campaign_for_store(store=request.store, campaign_id=campaign_id)
    report = campaign_report(campaign=campaign)
    # Refreshed while segments are found or their generation jobs still run.
    building = campaign.status == campaign.Status.BUILDING or any(
        segment.segment.generation_id and len(segment.drafts) < len(segment.segment.product_ids)
        for segment in report.segments)
    context = {"campaign": campaign, "report": report, "building": building}
    if request.htmx and request.htmx.target == "campaign-body":
        return render(request, "content/campaign_detail.html#campaign-body", context)
    return render(request, "content/campaign_detail.html", context)


@store_view("content.generate")
@require_POST
def campaign_end_view(request, campaign_id: int):
    campaign = campaign_for_store(store=request.store, campaign_id=campaign_id)
    campaign_end(campaign=campaign, membership=request.membership)
    messages.success(request, "The campaign has ended: the API no longer serves it.")
    return redirect(campaign.get_absolute_url())
