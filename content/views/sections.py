"""What the content app adds to catalog pages (catalog.hooks, filled in
ContentConfig.ready): the product's live copy, drafts and shopper questions,
the Generate buttons, the drafts waiting and the acceptance chart on the home
page, and a generation job's panel."""

from __future__ import annotations

from catalog.hooks import Section
from catalog.models import Product
from content import selectors
from content.forms import QuestionForm
from content.models import GenerationJob
from content.selectors import review as review_selectors


def product_section_published(request, product: Product) -> list[Section]:
    """The product page's live copy per content type and language, with its
    versions (catalog.hooks.product_sections, before the drafts)."""
    copies = list(product.published_copies.order_by("content_type", "language"))
    for copy in copies:
        copy.history = review_selectors.published_copy_versions(product=product, content_type=copy.content_type,
                                                   language=copy.language)
    return [Section("content/includes/product_published.html", {"product": product, "copies": copies})]


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
    return [Section("content/includes/job_section.html", selectors.generation_panel(generation=generation, job=job))]
