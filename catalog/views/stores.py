from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from catalog import hooks, selectors
from catalog.access import store_view


@login_required
@require_GET
def store_index(request):
    """The first store of the user, or a page saying they belong to none. The
    store switcher submits here without JavaScript (?store=<url of a store>)."""
    chosen = request.GET.get("store", "")
    if chosen.startswith("/s/") and url_has_allowed_host_and_scheme(chosen, allowed_hosts={request.get_host()}):
        return redirect(chosen)
    membership = selectors.first_membership(user=request.user)
    if membership is None:
        return render(request, "catalog/no_store.html", status=403)
    return redirect("home", store_slug=membership.store.slug)


@store_view()
@require_GET
def home(request):
    overview = selectors.store_overview(store=request.store)
    sections = hooks.collect(hooks.home_sections, request)
    return render(request, "catalog/home.html", {"overview": overview, "sections": sections})
