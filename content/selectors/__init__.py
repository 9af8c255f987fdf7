"""Reads of the content app: prompt templates and versions, drafts and
published copy (here), the review queue (`review`), the playground (`playground`)."""

from content.selectors.drafts import (
    accepted_copy_by_category,
    draft_counts,
    drafts_waiting_count,
    generation_for_store,
    generation_panel,
    job_drafts,
    near_duplicate_candidates,
    open_questions,
    product_drafts,
    product_published_copy,
    product_questions,
)
from content.selectors.prompts import (
    active_version,
    template_for_store,
    template_version_by_number,
    template_versions,
    templates_for_store,
    version_choices,
    version_for_store,
)

__all__ = [
    "accepted_copy_by_category",
    "active_version",
    "draft_counts",
    "drafts_waiting_count",
    "generation_for_store",
    "generation_panel",
    "job_drafts",
    "near_duplicate_candidates",
    "open_questions",
    "product_drafts",
    "product_published_copy",
    "product_questions",
    "template_for_store",
    "template_version_by_number",
    "template_versions",
    "templates_for_store",
    "version_choices",
    "version_for_store",
]
