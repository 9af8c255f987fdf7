from django import template

from content import selectors
from content.checks import CHECK_LABELS
from content.models import GenerationJob

register = template.Library()


@register.filter
def check_label(name: str) -> str:
    return CHECK_LABELS.get(name, name.replace("_", " ").capitalize())


def panel_context(generation: GenerationJob | None, job) -> dict:
    if generation is None:
        return {"generation": None, "job": job, "drafts": [], "filters": []}
    return {
        "generation": generation,
        "job": job,
        "drafts": selectors.job_drafts(generation=generation),
        "filters": selectors.describe_filters(store=generation.store, query=generation.filters),
    }
