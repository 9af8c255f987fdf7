"""The content screens: Generate, Prompts (templates and versions), Brand
voice, and the pieces shown on product and job pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import selectors as catalog_selectors
from catalog.access import store_view
from catalog.hooks import Section
from catalog.models import Product
from content import review_selectors, selectors, services
from content.forms import BrandVoiceForm, GenerateForm, PromptTemplateForm, PromptVersionForm, QuestionForm
from content.models import ContentType, GenerationJob, PromptTemplate, PromptVersion
from content.prompts import PLACEHOLDERS
from content.templatetags.content_tags import panel_context

PREVIEW_PRODUCTS = 12


def _add_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --------------------------------------------------------------------------- generate


def _selection(request, data) -> dict:
    """The products a Generate form is about: explicit ids (`product`) or the
    catalog filter it was opened with (q, category, brand, stock...)."""
    ids = [int(value) for value in data.getlist("product") if value.isdigit()]
    if ids:
        products = list(request.store.products.filter(pk__in=ids).select_related("category")[:500])
        return {"product_ids": [p.pk for p in products], "filters": None, "products": products[:PREVIEW_PRODUCTS],
                "count": len(products), "capped": False, "more": max(0, len(products) - PREVIEW_PRODUCTS)}
    filters = catalog_selectors.ProductFilters.from_querydict(data)
    qs = catalog_selectors.product_queryset(store=request.store, filters=filters)
    count, capped = catalog_selectors.count_capped(qs)
    return {"product_ids": None, "filters": filters, "query": filters.as_query(),
            "described": selectors.describe_filters(store=request.store, query=filters.as_query()),
            "products": list(qs.select_related("category").order_by("title", "id")[:PREVIEW_PRODUCTS]),
            "count": count, "capped": capped, "more": max(0, count - PREVIEW_PRODUCTS)}


@store_view("content.generate")
@require_http_methods(["GET", "POST"])
def generate(request):
    data = request.POST if request.method == "POST" else request.GET
    selection = _selection(request, data)
    voice = services.brand_voice_for(store=request.store)
    initial = {"language": data.get("language") or voice.default_language, "tone": voice.tone,
               "content_type": data.get("content_type") or ContentType.DESCRIPTION}
    form = GenerateForm(request.POST or None, store=request.store, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        question_ids = [int(v) for v in request.POST.getlist("question") if v.isdigit()] or None
        try:
            job = services.generation_start(
                store=request.store, membership=request.membership, content_type=values["content_type"],
                product_ids=selection["product_ids"], filters=selection["filters"], question_ids=question_ids,
                template_version=values["template_version"], language=values["language"], tone=values["tone"],
                variants=values["variants"], params_overrides=form.params_overrides(),
                instruction=values["instruction"], goal=values["goal"], limit=values["limit"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Started: {job.title}.")
            return redirect(job.get_absolute_url())
    status = 400 if form.errors else 200
    context = {"form": form, "selection": selection, "voice": voice,
               "question_ids": request.GET.getlist("question") or request.POST.getlist("question")}
    return render(request, "content/generate.html", context, status=status)


# --------------------------------------------------------------------------- job page


def _generation_or_404(request, job_id: int) -> GenerationJob:
    generation = (
        GenerationJob.objects.filter(store=request.store, pk=job_id)
        .select_related("job", "template_version__template", "store")
        .first()
    )
    if generation is None:
        raise Http404("No such generation job")
    return generation


@store_view()
@require_GET
def job_panel(request, job_id: int):
    """The drafts a generation job has written so far (polled while it runs)."""
    generation = _generation_or_404(request, job_id)
    return render(request, "content/includes/job_panel.html", panel_context(generation, generation.job))


# --------------------------------------------------------------------------- prompts


@store_view()
@require_GET
def prompt_list(request):
    templates = selectors.templates_for_store(store=request.store)
    groups: dict[str, list[PromptTemplate]] = {}
    for template in templates:
        groups.setdefault(template.get_content_type_display(), []).append(template)
    return render(request, "content/prompt_list.html", {"groups": groups})


def template_or_404(request, template_id: int) -> PromptTemplate:
    try:
        return selectors.template_for_store(store=request.store, template_id=template_id)
    except PromptTemplate.DoesNotExist:
        raise Http404("No such template") from None


@store_view()
@require_GET
def prompt_template(request, template_id: int):
    template = template_or_404(request, template_id)
    versions = selectors.template_versions(template=template)
    shown = template.active_version
    if request.GET.get("version", "").isdigit():
        shown = next((v for v in versions if v.number == int(request.GET["version"])), None)
        if shown is None:
            raise Http404("No such version")
    context = {"template": template, "versions": versions, "shown": shown,
               "form": PromptVersionForm.from_version(shown), "placeholders": PLACEHOLDERS}
    return render(request, "content/prompt_template.html", context)


@store_view("prompts.manage")
@require_POST
def prompt_version_create(request, template_id: int):
    template = template_or_404(request, template_id)
    form = PromptVersionForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            version = services.prompt_version_create(
                template=template, membership=request.membership, text=values["text"],
                examples=values["examples"], params=values["params"],
                use_chat_template=values["use_chat_template"], model_override=values["model_override"],
                note=values["note"], activate=values["activate"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
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
    try:
        version = selectors.version_for_store(store=request.store, version_id=version_id)
    except PromptVersion.DoesNotExist:
        raise Http404("No such version") from None
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
            _add_errors(form, exc)
        else:
            messages.success(request, f"Created the template {template.name}.")
            return redirect(template.get_absolute_url())
    return render(request, "content/prompt_template_new.html", {"form": form, "placeholders": PLACEHOLDERS},
                  status=400 if form.errors else 200)


# --------------------------------------------------------------------------- brand voice


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
                _add_errors(form, exc)
            else:
                messages.success(request, "Brand voice saved. New drafts are checked against it.")
                return redirect("content:brand_voice", store_slug=request.store.slug)
    return render(request, "content/brand_voice.html", {"voice": voice, "form": form},
                  status=400 if form.errors else 200)


# --------------------------------------------------------------------------- product page pieces


@store_view("content.generate")
@require_POST
def question_create(request, product_id: int):
    product = Product.objects.filter(store=request.store, pk=product_id).first()
    if product is None:
        raise Http404("No such product")
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.shopper_question_create(product=product, text=form.cleaned_data["text"],
                                             membership=request.membership)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Question saved. Generate an answer from the Shopper questions section.")
    else:
        messages.error(request, "The question is empty or too long.")
    return redirect(product.get_absolute_url() + "#questions")


def product_section_drafts(request, product: Product) -> list[Section]:
    return [Section("content/includes/product_drafts.html",
                    {"product": product, "drafts": selectors.product_drafts(product=product)})]


def product_section_questions(request, product: Product) -> list[Section]:
    return [Section("content/includes/product_questions.html",
                    {"product": product, "questions": selectors.product_questions(product=product),
                     "form": QuestionForm()})]


def product_action_generate(request, product: Product) -> list[Section]:
    return [Section("content/includes/product_generate_action.html")]


def product_list_action_generate(request) -> list[Section]:
    return [Section("content/includes/product_list_generate_action.html")]


def home_section_acceptance(request) -> list[Section]:
    """The home page's chart: how many drafts reviewers approved and rejected each
    week, and the acceptance rate. Nothing until someone has decided something."""
    weeks = review_selectors.acceptance_by_week(store=request.store)
    if not any(week.approved or week.rejected for week in weeks):
        return []
    chart = {
        "labels": [f"{week.week:%b %d}" for week in weeks],
        "approved": [week.approved for week in weeks],
        "rejected": [week.rejected for week in weeks],
        "rate": [None if week.acceptance_rate is None else round(week.acceptance_rate * 100, 1) for week in weeks],
    }
    approved, rejected = sum(chart["approved"]), sum(chart["rejected"])
    return [Section("content/includes/home_acceptance.html",
                    {"chart": chart, "approved": approved, "rejected": rejected,
                     "rate": approved / (approved + rejected)})]


def home_section_drafts(request) -> list[Section]:
    counts = selectors.draft_counts(store=request.store)
    return [Section("content/includes/home_stat.html", {"counts": counts}, placement="stat")]


def job_panel_generation(request, job) -> list[Section]:
    """A generation job's own panel under the generic job page: template,
    tokens/s, and the drafts written so far."""
    if job.kind != job.Kind.GENERATION:
        return []
    generation = (
        GenerationJob.objects.filter(pk=job.pk, store=job.store_id)
        .select_related("template_version__template", "store")
        .first()
    )
    return [Section("content/includes/job_section.html", panel_context(generation, job))]

