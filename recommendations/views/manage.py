"""Recommendation settings (with a preview of their effect), embeddings and
profile jobs, event imports, and the offline evaluation page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.access import store_view
from catalog.forms import form_errors_text
from catalog.importing import ImportFileError
from catalog.models import Job
from catalog.request_values import id_or_none
from recommendations import selectors
from recommendations.config import store_config
from recommendations.forms import EvaluationForm, EventImportForm, SettingsForm
from recommendations.selectors.embeddings import embedding_status
from recommendations.selectors.evaluation import evaluation_chart, evaluation_table
from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper
from recommendations.services import embeddings as embedding_services
from recommendations.services import profiles as profile_services
from recommendations.services.evaluation import evaluation_start
from recommendations.services.event_files import IMPORT_TASK, events_import_upload
from recommendations.services.store_settings import settings_reset, settings_update

PREVIEW_SHOPPERS = 3
PREVIEW_ITEMS = 5
CHART_METRICS = ("normal ndcg", "normal recall", "cold recall", "normal coverage")


# --------------------------------------------------------------------------- settings


@store_view()
@require_GET
def settings_page(request):
    store = request.store
    config = store_config(store=store)
    context = {
        "form": SettingsForm(config=config),
        "embeddings": embedding_status(store=store),
        "numbers": selectors.store_numbers(store=store),
        "profile_job": Job.objects.filter(store=store, task_name=profile_services.REBUILD_TASK).first(),
    }
    return render(request, "recommendations/settings.html", context)


@store_view("settings.manage")
@require_POST
def settings_save(request):
    form = SettingsForm(request.POST, config=store_config(store=request.store))
    if not form.is_valid():
        context = {"form": form, "embeddings": embedding_status(store=request.store),
                   "numbers": selectors.store_numbers(store=request.store)}
        return render(request, "recommendations/settings.html", context, status=400)
    settings_update(store=request.store, membership=request.membership, config=form.cleaned_data["config"])
    messages.success(request, "Saved. Recommendations use the new settings from now on; rebuild the profiles to "
                              "update the stored ones.")
    return redirect("recommendations:settings", store_slug=request.store.slug)


@store_view("settings.manage")
@require_POST
def settings_reset_view(request):
    settings_reset(store=request.store, membership=request.membership)
    messages.success(request, "Back to the default settings.")
    return redirect("recommendations:settings", store_slug=request.store.slug)


@store_view()
@require_POST
def settings_preview(request):
    """Top picks of a few active shoppers under the saved and the proposed
    settings, side by side. Nothing is saved."""
    current = store_config(store=request.store)
    form = SettingsForm(request.POST, config=current)
    context = {"form": form, "rows": []}
    if form.is_valid():
        proposed = form.cleaned_data["config"]
        for shopper in selectors.sample_shoppers(store=request.store, limit=PREVIEW_SHOPPERS):
            before = recommend_for_shopper(store=request.store, shopper=shopper, k=PREVIEW_ITEMS, config=current,
                                           filters=RecommendationFilters())
            after = recommend_for_shopper(store=request.store, shopper=shopper, k=PREVIEW_ITEMS, config=proposed,
                                          filters=RecommendationFilters())
            kept = {item.product.pk for item in before.items} & {item.product.pk for item in after.items}
            context["rows"].append({"shopper": shopper, "before": before, "after": after, "kept": kept})
    return render(request, "recommendations/settings.html#settings-preview", context)


@store_view("catalog.edit")
@require_POST
def embeddings_refresh(request):
    everything = request.POST.get("everything") == "1"
    job = embedding_services.embeddings_refresh(membership=request.membership, everything=everything)
    messages.info(request, "Embedding products in the background.")
    return redirect(job.get_absolute_url())


@store_view("catalog.edit")
@require_POST
def profiles_rebuild(request):
    job = profile_services.profiles_rebuild(membership=request.membership)
    return redirect(job.get_absolute_url())


# --------------------------------------------------------------------------- events import


@store_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def events_import(request):
    form = EventImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = events_import_upload(store=request.store, membership=request.membership, filename=upload.name,
                                       data=upload.read())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job.get_absolute_url())
    recent = Job.objects.filter(store=request.store, task_name=IMPORT_TASK).select_related("created_by")[:10]
    return render(request, "recommendations/events_import.html", {"form": form, "recent": recent},
                  status=400 if form.errors else 200)


# --------------------------------------------------------------------------- evaluation


@store_view()
@require_GET
def evaluation_page(request):
    runs = selectors.evaluation_runs(store=request.store)
    chosen_id = id_or_none(request.GET.get("run")) or 0
    finished = [run for run in runs if run.result]
    chosen = next((run for run in finished if run.pk == chosen_id), finished[0] if finished else None)
    metric = request.GET.get("metric") if request.GET.get("metric") in CHART_METRICS else CHART_METRICS[0]
    context = {
        "runs": runs,
        "chosen": chosen,
        "table": evaluation_table(chosen),
        "metric": metric,
        "metrics": CHART_METRICS,
        "chart": evaluation_chart(runs=runs, metric=metric),
        "form": EvaluationForm(),
        "any_active": any(run.job and run.job.is_active for run in runs),
    }
    return render(request, "recommendations/evaluation.html", context)


@store_view("catalog.edit")
@require_POST
def evaluation_create(request):
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the evaluation options: " + form_errors_text(form))
        return redirect("recommendations:evaluation", store_slug=request.store.slug)
    try:
        evaluation_start(store=request.store, membership=request.membership, params=form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "The evaluation runs in the background; its results appear here.")
    return redirect("recommendations:evaluation", store_slug=request.store.slug)
