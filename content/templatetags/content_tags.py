from django import template

from content import selectors
from content.checks import CHECK_LABELS
from content.models import GenerationJob

register = template.Library()


@register.filter
def check_label(name: str) -> str:
    return CHECK_LABELS.get(name, name.replace("_", " ").capitalize())


@register.inclusion_tag("content/includes/job_panel.html", takes_context=True)
def generation_panel(context, job):
    """A generation job's own panel under the generic job page: template,
    tokens/s, and the drafts written so far."""
    generation = (
        GenerationJob.objects.filter(pk=job.pk, store=job.store_id)
        .select_related("template_version__template", "store")
        .first()
    )
    return {**panel_context(generation, job), "store": context.get("store"), "request": context.get("request")}


def panel_context(generation: GenerationJob | None, job) -> dict:
    if generation is None:
        return {"generation": None, "job": job, "drafts": [], "filters": []}
    return {
        "generation": generation,
        "job": job,
        "drafts": selectors.job_drafts(generation=generation),
        "filters": selectors.describe_filters(store=generation.store, query=generation.filters),
    }
