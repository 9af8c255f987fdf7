"""Writes of the content app. Views, tasks, management commands and tests all
come through these functions, so the permission checks cannot be skipped."""

from content.services.drafts import draft_run_checks
from content.services.generation import answer_generation_start, generation_run, generation_start
from content.services.prompts import (
    prompt_template_create,
    prompt_version_activate,
    prompt_version_create,
)
from content.services.questions import shopper_question_create
from content.services.review import (
    BulkResult,
    EditConflict,
    draft_approve,
    draft_approve_and_publish,
    draft_comment,
    draft_edit,
    draft_publish,
    draft_regenerate,
    draft_reject,
    draft_reopen,
    drafts_bulk,
    published_restore,
)
from content.services.setup import brand_voice_for, brand_voice_update, store_setup_content

__all__ = [
    "answer_generation_start",
    "brand_voice_for",
    "brand_voice_update",
    "BulkResult",
    "EditConflict",
    "draft_approve",
    "draft_comment",
    "draft_edit",
    "draft_approve_and_publish",
    "draft_publish",
    "draft_regenerate",
    "draft_reject",
    "draft_reopen",
    "drafts_bulk",
    "published_restore",
    "draft_run_checks",
    "generation_run",
    "generation_start",
    "prompt_template_create",
    "prompt_version_activate",
    "prompt_version_create",
    "shopper_question_create",
    "store_setup_content",
]
