"""Prompts: templates per content type and language, their immutable versions,
and choosing the active one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.access import store_view
from catalog.forms import add_service_errors
from content import selectors, services
from content.forms import PromptTemplateForm, PromptVersionForm
from content.models import PromptTemplate
from content.prompt_text import PLACEHOLDERS


@store_view()
@require_GET
def prompt_list(request):
    templates = selectors.templates_for_store(store=request.store)
    groups: dict[str, list[PromptTemplate]] = {}
    for template in templates:
        groups.setdefault(template.get_content_type_display(), []).append(template)
    return render(request, "content/prompt_list.html", {"groups": groups})


@store_view()
@require_GET
def prompt_template(request, template_id: int):
    template = selectors.template_for_store(store=request.store, template_id=template_id)
    versions = selectors.template_versions(template=template)
    shown = template.active_version
    if request.GET.get("version"):
        shown = selectors.template_version_by_number(versions=versions, number=request.GET["version"], default=None)
    context = {"template": template, "versions": versions, "shown": shown,
               "form": PromptVersionForm.from_version(shown), "placeholders": PLACEHOLDERS}
    return render(request, "content/prompt_template.html", context)


@store_view("prompts.manage")
@require_POST
def prompt_version_create(request, template_id: int):
    template = selectors.template_for_store(store=request.store, template_id=template_id)
    form = PromptVersionForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            version = services.prompt_version_create(
                template=template, membership=request.membership, text=values["text"],
                examples=values["examples"], params=values["params"],
                use_chat_template=values["use_chat_template"], model=values["model"],
                note=values["note"], activate=values["activate"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            state = "and made it active" if values["activate"] else "(not active)"
            messages.success(request, f"Saved version {version.number} {state}.")
            return redirect(template.get_absolute_url())
    versions = selectors.template_versions(template=template)
    context = {"template": template, "versions": versions, "shown": template.active_version, "form": form,
               "placeholders": PLACEHOLDERS, "form_open": True}
    return render(request, "content/prompt_template.html", context, status=400)


@store_view("prompts.manage")
@require_POST
def prompt_version_activate(request, version_id: int):
    version = selectors.version_for_store(store=request.store, version_id=version_id)
    template = services.prompt_version_activate(version=version, membership=request.membership)
    messages.success(request, f"Version {version.number} of {template.name} is now active.")
    return redirect(template.get_absolute_url())


@store_view("prompts.manage")
@require_http_methods(["GET", "POST"])
def prompt_template_create(request):
    form = PromptTemplateForm(request.POST or None, initial={"activate": True})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            template = services.prompt_template_create(
                store=request.store, membership=request.membership, content_type=values["content_type"],
                language=values["language"], name=values["name"], text=values["text"],
                examples=values["examples"], params=values["params"], note=values["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Created the template {template.name}.")
            return redirect(template.get_absolute_url())
    return render(request, "content/prompt_template_new.html", {"form": form, "placeholders": PLACEHOLDERS},
                  status=400 if form.errors else 200)
