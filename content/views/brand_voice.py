from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from catalog.access import store_view
from catalog.forms import add_service_errors
from content import services
from content.forms import BrandVoiceForm


@store_view()
@require_http_methods(["GET", "POST"])
def brand_voice(request):
    voice = services.brand_voice_for(store=request.store)
    form = BrandVoiceForm.from_voice(voice)
    if request.method == "POST":
        # The service refuses members who may not change settings (403, nothing saved).
        form = BrandVoiceForm(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            try:
                services.brand_voice_update(
                    store=request.store, membership=request.membership, tone=values["tone"],
                    banned_words=form.lines(values["banned_words"]),
                    required_phrases=form.lines(values["required_phrases"]),
                    target_lengths=form.target_lengths(), default_language=values["default_language"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Brand voice saved. New drafts are checked against it.")
                return redirect("content:brand_voice", store_slug=request.store.slug)
    return render(request, "content/brand_voice.html", {"voice": voice, "form": form},
                  status=400 if form.errors else 200)
