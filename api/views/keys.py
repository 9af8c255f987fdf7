"""The API keys page (admins): the store's keys with their scopes and when they
were last used; a new key is shown once, right after it is made."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.forms import ApiKeyForm
from catalog import selectors, services
from catalog.access import store_view


def _page(request, form: ApiKeyForm, *, new_key: str = "", status: int = 200):
    context = {
        "form": form, "keys": selectors.api_keys_for_store(store=request.store), "new_key": new_key,
        "api_base": settings.SITE_URL.rstrip("/") + "/api/v1", "docs_url": reverse("api_docs"),
        "rate_limit": settings.API_RATE_LIMIT,
    }
    return render(request, "api/keys.html", context, status=status)


@store_view("apikeys.manage")
@require_GET
def key_list(request):
    return _page(request, ApiKeyForm())


@store_view("apikeys.manage")
@require_http_methods(["POST"])
def key_create(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _, raw_key = services.apikey_create(membership=request.membership, name=form.cleaned_data["name"],
                                            scopes=form.cleaned_data["scopes"])
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, form, status=400)
    # Rendered here rather than redirected to: the key exists only in this response.
    return _page(request, ApiKeyForm(), new_key=raw_key)


@store_view("apikeys.manage")
@require_POST
def key_revoke(request, key_id: int):
    api_key = selectors.api_key_for_store(store=request.store, key_id=key_id)
    services.apikey_revoke(membership=request.membership, api_key=api_key)
    messages.success(request, f"The key “{api_key.name}” is revoked: calls with it are refused from now on.")
    return redirect("api:keys", store_slug=request.store.slug)
