"""The optional readable interest summary of a shopper, written by the
generation model (catalog.generation_model) in a job, from the profile's facts
only: top categories and brands, recent products and searches. The merchant
starts it with a button; its text is shown as model output (escaped, labelled).
"""

from __future__ import annotations

import logging

from django.utils import timezone

from catalog import generation_model
from catalog.models import Job, Membership, Product
from catalog.permissions import require
from catalog.services.jobs import job_create, job_progress
from recommendations.models import Event, Shopper, ShopperProfile
from recommendations.services.profiles import profile_refresh_one

logger = logging.getLogger(__name__)

SUMMARY_TASK = "recommendations.tasks.write_summary"
MAX_SUMMARY_CHARS = 600
RECENT_PRODUCTS = 4
MAX_NEW_TOKENS = 60


def summary_start(*, shopper: Shopper, membership: Membership) -> Job:
    require(membership, "shoppers.summarize")
    return job_create(
        store=shopper.store, kind=Job.Kind.PROFILES, title=f"Interest summary of shopper {shopper.external_id}",
        task_name=SUMMARY_TASK, user=membership.user, params={"shopper_id": shopper.pk}, total=1,
    )


# One worked example, completion-style: small models without a chat template
# (the default Gemma 3 270M GGUF) follow a pattern better than an instruction.
EXAMPLE = (
    "Customer facts: Categories: Exam Gloves (60%), Sanding Discs (40%). Brands: 3M, Medline. Recent products: "
    "Nitrile Exam Gloves, Box of 100; 3M Hookit Sanding Disc 120 Grit.\n"
    "Summary for the shop owner: This customer buys disposable exam gloves and sanding discs, mostly from 3M and "
    "Medline.\n\n"
)
LEAD = "This customer"


def profile_facts(*, profile: ShopperProfile, recent_titles: list[str]) -> str:
    facts = []
    if profile.top_categories:
        facts.append("Categories: " + ", ".join(f"{c['name']} ({c['share']:.0%})" for c in profile.top_categories))
    if profile.top_brands:
        facts.append("Brands: " + ", ".join(b["name"] for b in profile.top_brands))
    if recent_titles:
        facts.append("Recent products: " + "; ".join(recent_titles))
    if profile.recent_queries:
        facts.append("Recent searches: " + ", ".join(f"'{q}'" for q in profile.recent_queries))
    return ". ".join(facts) + "."


def summary_prompt(*, profile: ShopperProfile, recent_titles: list[str]) -> str:
    facts = profile_facts(profile=profile, recent_titles=recent_titles)
    return f"{EXAMPLE}Customer facts: {facts}\nSummary for the shop owner: {LEAD}"


def _recent_titles(shopper: Shopper) -> list[str]:
    ids = list(
        Event.objects.filter(shopper=shopper, product__isnull=False)
        .order_by("-occurred_at", "-id")
        .values_list("product_id", flat=True)[:50]
    )
    unique = list(dict.fromkeys(ids))[:RECENT_PRODUCTS]
    titles = Product.objects.in_bulk(unique)
    return [titles[pk].title[:80] for pk in unique if pk in titles]


def generate_text(prompt: str) -> tuple[str, str]:
    """(completion, model id) from the configured generation model. Raises
    ModelUnavailable with a readable reason (the job shows it)."""
    runtime = generation_model.runtime_for()
    # low temperature, one line: a sentence of facts, not a story
    params = {"max_new_tokens": MAX_NEW_TOKENS, "temperature": 0.2, "stop": ["\n"], "seed": 0}
    completion = runtime.complete([prompt], params)[0]
    if completion.error:
        raise generation_model.ModelUnavailable(completion.error)
    return completion.text, runtime.model_id


def summary_run(job: Job) -> dict:
    shopper = Shopper.objects.filter(pk=job.params.get("shopper_id"), store=job.store).select_related("store").first()
    if shopper is None:
        logger.info("summary.shopper_gone", extra={"job": job.pk})
        return {"skipped": "the shopper no longer exists"}
    profile = profile_refresh_one(shopper=shopper)
    text, model = generate_text(summary_prompt(profile=profile, recent_titles=_recent_titles(shopper)))
    text = f"{LEAD} {' '.join(text.split())}"[:MAX_SUMMARY_CHARS]
    ShopperProfile.objects.filter(pk=profile.pk).update(
        summary=text, summary_model=model[:200], summary_built_at=timezone.now()
    )
    job_progress(job, done=1, total=1)
    return {"characters": len(text), "model": model}
