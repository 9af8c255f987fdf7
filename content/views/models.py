"""Models: the store's model versions (tuned adapters over the configured model), which one the
store and each template write with, training new ones, and the copy yardstick that measures them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog import generation_model
from catalog.access import store_view
from catalog.forms import form_errors_text
from content.errors import TemplateNotFound
from content.forms import CopyEvaluationForm, TrainForm
from content.models import ContentType, CopyEvaluationDraft, ModelVersion
from content.selectors import template_for_store
from content.selectors.model_versions import (
    activation_history,
    active_model_version,
    model_version_for_store,
    model_versions_for_store,
    previous_activation,
    retrain_summary,
    template_has_own_model,
)
from content.selectors.quality import (
    copy_evaluation_for_store,
    copy_evaluations,
    evaluation_chart,
    evaluation_drafts,
    reader_figures,
)
from content.services.copy_evaluation import copy_evaluation_draft_judge, copy_evaluation_start
from content.services.generation import MAX_CANDIDATES
from content.services.training import (
    bundled_record,
    corpus_available,
    model_version_activate,
    model_version_install_bundled,
    model_version_roll_back,
    model_version_set_candidates,
    model_version_train,
    retrain_from_approvals,
    template_model_clear,
)

SUBSETS = (("corpus_en", "Corpus, English"), ("corpus_zh", "Corpus, Chinese"), ("store", "This store"))


def _latest_results(versions: list[ModelVersion], evaluations) -> dict:
    """The latest finished evaluation of each version (None: the base model), best of 1 first."""
    latest: dict = {}
    for evaluation in evaluations:
        if evaluation.finished_at is None:
            continue
        key = evaluation.model_version_id
        if key not in latest or (evaluation.candidates == 1 and latest[key].candidates != 1):
            latest[key] = evaluation
    return latest


@store_view()
@require_GET
def model_list(request):
    store = request.store
    versions = model_versions_for_store(store=store)
    evaluations = copy_evaluations(store=store)
    latest = _latest_results(versions, evaluations)
    for version in versions:
        version.latest_evaluation = latest.get(version.pk)
    templates = [template for template in store.prompt_templates.select_related("active_version").all()
                 if template.content_type == ContentType.DESCRIPTION]
    for template in templates:
        template.own_model = template_has_own_model(template=template)
        template.writes_with = active_model_version(store=store, template=template)
    context = {
        "versions": versions,
        "active": active_model_version(store=store),
        "history": activation_history(store=store),
        "can_roll_back": previous_activation(store=store) is not None,
        "base_evaluation": latest.get(None),
        "base_model_id": generation_model.base_model_id(),
        "templates": templates,
        "retrain": retrain_summary(store=store),
        "train_form": TrainForm(initial={"corpus": corpus_available()}),
        "corpus_available": corpus_available(),
        "bundled": bundled_record(),
        "bundled_installed": any(ModelVersion.Source.BUNDLED in version.sources for version in versions),
        "any_active": any(version.status == ModelVersion.Status.TRAINING for version in versions),
    }
    return render(request, "content/model_list.html", context)


@store_view()
@require_GET
def model_version_detail(request, version_id: int):
    version = model_version_for_store(store=request.store, version_id=version_id)
    evaluations = [e for e in copy_evaluations(store=request.store) if e.model_version_id == version.pk]
    chart = {"labels": [step for step, _ in version.loss_curve], "losses": [loss for _, loss in version.loss_curve]}
    context = {"version": version, "evaluations": evaluations, "chart": chart,
               "active": active_model_version(store=request.store),
               "training": version.status == ModelVersion.Status.TRAINING, "max_candidates": MAX_CANDIDATES}
    return render(request, "content/model_version.html", context)


def _version_or_base(request, value: str):
    if value in ("", "base"):
        return None
    try:
        return model_version_for_store(store=request.store, version_id=int(value))
    except ValueError:
        raise ValidationError({"model_version": "Choose a model version."}) from None


@store_view("models.manage")
@require_POST
def model_activate(request):
    """The store's (or, with `template`, one template's) model: a version, or the base model."""
    template = None
    try:
        if request.POST.get("template"):
            template = template_for_store(store=request.store, template_id=int(request.POST["template"]))
        if template is not None and request.POST.get("model_version") == "follow":
            template_model_clear(store=request.store, membership=request.membership, template=template)
            messages.success(request, f"{template.name} writes with the store's model again.")
            return redirect("content:models", store_slug=request.store.slug)
        version = _version_or_base(request, request.POST.get("model_version", ""))
        model_version_activate(store=request.store, membership=request.membership, model_version=version,
                               template=template)
    except (ValueError, TemplateNotFound):
        messages.error(request, "No such template.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        what = template.name if template is not None else request.store.name
        messages.success(request, f"{what} now writes with {version.label if version else 'the base model'}.")
    return redirect("content:models", store_slug=request.store.slug)


@store_view("models.manage")
@require_POST
def model_set_candidates(request, version_id: int):
    version = model_version_for_store(store=request.store, version_id=version_id)
    try:
        candidates = int(request.POST.get("candidates", ""))
    except ValueError:
        messages.error(request, "Best of takes a whole number of candidates.")
    else:
        try:
            model_version_set_candidates(store=request.store, membership=request.membership, model_version=version,
                                         candidates=candidates)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{version.label} writes best of {candidates} when a job does not choose.")
    return redirect("content:model_version", store_slug=request.store.slug, version_id=version.pk)


@store_view("models.manage")
@require_POST
def model_roll_back(request):
    try:
        activation = model_version_roll_back(store=request.store, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        version = activation.model_version
        label = version.label if version else "the base model"
        messages.success(request, f"Rolled back: the store writes with {label}.")
    return redirect("content:models", store_slug=request.store.slug)


@store_view("models.manage")
@require_POST
def model_train(request):
    form = TrainForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the training options: " + form_errors_text(form))
        return redirect("content:models", store_slug=request.store.slug)
    try:
        version = model_version_train(store=request.store, membership=request.membership, sources=form.sources,
                                      max_examples=form.cleaned_data["max_examples"], name=form.cleaned_data["name"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("content:models", store_slug=request.store.slug)
    messages.info(request, f"Training {version.label} in the background.")
    return redirect(version.get_absolute_url())


@store_view("models.manage")
@require_POST
def model_retrain(request):
    try:
        version = retrain_from_approvals(store=request.store, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("content:models", store_slug=request.store.slug)
    messages.info(request, f"Training {version.label} on the approved drafts in the background.")
    return redirect(version.get_absolute_url())


@store_view("models.manage")
@require_POST
def model_install_bundled(request):
    version = model_version_install_bundled(store=request.store, membership=request.membership, activate=False)
    if version is None:
        messages.error(request, "The bundled model does not fit the configured generation model.")
    else:
        messages.success(request, f"Installed {version.label}; choose it to write with it.")
    return redirect("content:models", store_slug=request.store.slug)


# --------------------------------------------------------------------------- the yardstick


@store_view()
@require_GET
def copy_quality(request):
    store = request.store
    evaluations = copy_evaluations(store=store)
    context = {
        "evaluations": evaluations,
        "chart": evaluation_chart(store=store),
        "form": CopyEvaluationForm(versions=model_versions_for_store(store=store)),
        "corpus_available": corpus_available(),
        "any_active": any(e.finished_at is None and e.job and e.job.is_active for e in evaluations),
    }
    return render(request, "content/copy_quality.html", context)


@store_view("content.generate")
@require_POST
def copy_evaluation_create(request):
    form = CopyEvaluationForm(request.POST, versions=model_versions_for_store(store=request.store))
    if not form.is_valid():
        messages.error(request, "Check the evaluation options: " + form_errors_text(form))
        return redirect("content:copy_quality", store_slug=request.store.slug)
    values = form.cleaned_data
    try:
        choice = values["model_version"]
        version = "active" if choice == "active" else _version_or_base(request, choice)
        copy_evaluation_start(store=request.store, membership=request.membership, model_version=version,
                              candidates=values["candidates"], corpus_per_language=values["corpus_per_language"],
                              store_products=values["store_products"], constrain_numbers=values["constrain_numbers"],
                              constrain_words=values["constrain_words"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, "The evaluation runs in the background; its figures appear here.")
    return redirect("content:copy_quality", store_slug=request.store.slug)


@store_view()
@require_GET
def copy_evaluation_detail(request, evaluation_id: int):
    evaluation = copy_evaluation_for_store(store=request.store, evaluation_id=evaluation_id)
    subset = request.GET.get("subset", "")
    subset = subset if subset in dict(SUBSETS) else ""
    failed_only = request.GET.get("failed") == "1"
    unjudged_only = request.GET.get("unjudged") == "1"
    drafts = list(evaluation_drafts(evaluation=evaluation, subset=subset, failed_only=failed_only,
                                    unjudged_only=unjudged_only)[:500])
    context = {"evaluation": evaluation, "drafts": drafts, "subset": subset, "failed_only": failed_only,
               "unjudged_only": unjudged_only, "subsets": SUBSETS,
               "rows": [(name, label, evaluation.results.get(name)) for name, label in
                        (*SUBSETS, ("corpus", "Corpus, both"), ("all", "All")) if evaluation.results.get(name)],
               "readers": _readers(evaluation),
               "verdicts": CopyEvaluationDraft.Verdict.choices,
               "can_judge": request.membership.can("content.review"),
               "running": evaluation.finished_at is None and evaluation.job is not None and evaluation.job.is_active}
    return render(request, "content/copy_evaluation.html", context)


def _readers(evaluation) -> list[tuple[str, dict]]:
    figures = reader_figures(evaluation=evaluation)
    return [(label, figures[name]) for name, label in SUBSETS if figures.get(name, {}).get("judged")]


@store_view("content.review")
@require_POST
def copy_evaluation_judge(request, evaluation_id: int, draft_id: int):
    """A reader's verdict on one draft of the yardstick; htmx swaps the draft's verdict buttons."""
    evaluation = copy_evaluation_for_store(store=request.store, evaluation_id=evaluation_id)
    try:
        draft = copy_evaluation_draft_judge(membership=request.membership, evaluation=evaluation,
                                            draft_id=draft_id, verdict=request.POST.get("verdict", ""))
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, " ".join(exc.messages))
        return redirect(evaluation.get_absolute_url())
    if request.htmx:  # the draft's buttons, and the figures above out of band
        context = {"draft": draft, "evaluation": evaluation, "verdicts": CopyEvaluationDraft.Verdict.choices,
                   "can_judge": True, "readers": _readers(evaluation), "oob": True}
        return render(request, "content/copy_evaluation_verdict.html", context)
    return redirect(f"{evaluation.get_absolute_url()}#draft-{draft.pk}")
