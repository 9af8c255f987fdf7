"""The prompt playground: the prompt a version renders for one
product, a preview written by the model in the background, and a comparison
of two versions on the same products with the same seed.

Outputs are PromptTrial rows, never Drafts: they do not enter the review
queue. Rendering goes through generation's own `render_unit`, so the playground
shows the prompt a generation job would send, not a look-alike.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import generation_model as runtime
from catalog.models import Job, JobError, Membership, Product, Store
from catalog.permissions import require
from catalog.selectors import ProductFilters, product_queryset
from catalog.services.jobs import job_create, job_progress, job_record_error
from content.checks import failed_names, results_to_json, run_checks
from content.models import ContentType, GenerationJob, PromptComparison, PromptTrial, PromptVersion, ShopperQuestion
from content.prompt_text import PromptRenderError
from content.quality.numbers import allowed_numbers
from content.quality.words import draft_words
from content.selectors import accepted_copy_by_category
from content.services.drafts import check_context
from content.services.generation import (
    Item,
    Unit,
    job_model_version,
    merged_completion,
    model_runtime,
    product_facts,
    render_failure_message,
    render_unit,
)
from content.services.setup import brand_voice_for

logger = logging.getLogger(__name__)

TASK_NAME = "content.tasks.run_playground"
DEFAULT_SAMPLE = 5
MAX_SAMPLE = 20
MAX_SEED = 2**31 - 1


# --------------------------------------------------------------------------- rendering


class _WebProcessModel:
    """Stands in for the model where none is loaded (the web process): no
    token count, so no budget and no trimming, and no chat template. The
    worker renders again with the real model and records what it sent."""

    model_id = ""

    def count_tokens(self, text: str) -> int:
        return 0

    def prompt_budget(self, params: dict) -> None:
        return None

    def format_prompt(self, text: str, *, chat: bool) -> str:
        return text


@dataclass(frozen=True)
class PlaygroundPrompt:
    text: str
    tokens: int | None  # None: not counted (no tokenizer in this process)
    trimmed: bool
    chat_template_pending: bool  # the version wraps the text in the model's chat template at generation
    extra_facts: str = ""


def playground_prompt(*, version: PromptVersion, product: Product, goal: str = "", question: str = "",
                      model=None) -> PlaygroundPrompt:
    """The prompt `version` renders for `product`, through the same code as a
    generation job (values, few-shot examples, neighbours' approved copy,
    trimming, chat formatting). Without `model` (the web process) it is not
    counted, trimmed or chat-formatted; PromptRenderError/KeyError/ValueError
    when it cannot be rendered."""
    template = version.template
    if product.store_id != template.store_id:
        raise ValidationError({"product": "That product is not in this store."})
    generation = _generation_like(version=version, goal=goal, question=question)
    unit = Unit(Item(product.pk), 1, product=product,
                question=ShopperQuestion(text=question, product=product) if question else None)
    neighbours = accepted_copy_by_category(
        store=template.store, content_type=template.content_type, language=template.language,
        category_ids={product.category_id},
    )
    render_unit(unit, generation, model or _WebProcessModel(), neighbours)
    return PlaygroundPrompt(
        text=unit.prompt, tokens=unit.prompt_tokens if model is not None else None, trimmed=unit.trimmed,
        chat_template_pending=model is None and version.use_chat_template, extra_facts=unit.extra_facts,
    )


def _generation_like(*, version: PromptVersion, goal: str, question: str, seed: int | None = None) -> GenerationJob:
    """An unsaved GenerationJob with what `render_unit` reads from a real one."""
    template = version.template
    voice = brand_voice_for(store=template.store)
    params = {**version.params, **({"seed": seed} if seed is not None else {})}
    return GenerationJob(
        store=template.store, content_type=template.content_type, language=template.language,
        template_version=version, tone=voice.tone, goal=goal, params=runtime.effective_params(params),
        model_version=job_model_version(version),
    )


# --------------------------------------------------------------------------- starting


def _clean_inputs(*, version: PromptVersion, goal: str, question: str) -> tuple[str, str]:
    goal, question = goal.strip()[:300], question.strip()[:500]
    content_type = version.template.content_type
    if content_type == ContentType.MARKETING and not goal:
        raise ValidationError({"goal": "Marketing copy needs a campaign goal, such as 'Black Friday, 20% off'."})
    if content_type == ContentType.ANSWER and not question:
        raise ValidationError({"question": "An answer needs a shopper question to answer."})
    return goal, question


def _require_store(*, membership: Membership, store: Store) -> None:
    require(membership, "content.generate")
    if membership.store_id != store.pk:
        raise PermissionDenied("Not a member of this store.")


def playground_preview_start(*, membership: Membership, version: PromptVersion, product: Product, goal: str = "",
                             question: str = "", seed: int | None = None, send: bool = True) -> PromptTrial:
    """Queue one preview of `version` for `product` on the gpu queue; returns
    the pending PromptTrial the task fills in."""
    store = version.template.store
    _require_store(membership=membership, store=store)
    if product.store_id != store.pk:
        raise ValidationError({"product": "That product is not in this store."})
    goal, question = _clean_inputs(version=version, goal=goal, question=question)
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": f"A seed is between 0 and {MAX_SEED}."})
    with transaction.atomic():
        job = job_create(
            store=store, kind=Job.Kind.GENERATION, title=f"Prompt preview: {version.label} for {product.sku}",
            task_name=TASK_NAME, user=membership.user, total=1, send=send,
            params={"playground": "preview", "items": [[version.pk, product.pk]]},
        )
        trial = PromptTrial.objects.create(store=store, prompt_version=version, product=product, job=job, goal=goal,
                                           question=question, seed=seed, created_by=membership.user)
    logger.info("playground.preview_started", extra={"job": job.pk, "version": version.pk, "product": product.pk,
                                                     "user": membership.user_id})
    return trial


def playground_compare_start(*, membership: Membership, version_a: PromptVersion, version_b: PromptVersion,
                             product_ids: Sequence[int] | None = None, filters: ProductFilters | None = None,
                             count: int = DEFAULT_SAMPLE, goal: str = "", question: str = "",
                             seed: int | None = None, send: bool = True) -> PromptComparison:
    """Queue one job that writes with both versions on the same products
    (chosen ids, or the first `count` a catalog filter matches) and the same seed."""
    template = version_a.template
    store = template.store
    _require_store(membership=membership, store=store)
    if version_b.template_id != template.pk:
        raise ValidationError({"version_b": "Both versions must belong to the same template."})
    if version_a.pk == version_b.pk:
        raise ValidationError({"version_b": "Choose two different versions."})
    if not 1 <= count <= MAX_SAMPLE:
        raise ValidationError({"count": f"Compare on 1 to {MAX_SAMPLE} products."})
    goal, question = _clean_inputs(version=version_a, goal=goal, question=question)
    ids = _sample(store=store, product_ids=product_ids, filters=filters, count=count)
    seed = random.randint(0, MAX_SEED) if seed is None else seed
    if not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": f"A seed is between 0 and {MAX_SEED}."})
    items = [[version.pk, pk] for pk in ids for version in (version_a, version_b)]
    products = Product.objects.in_bulk(ids)
    with transaction.atomic():
        job = job_create(
            store=store, kind=Job.Kind.GENERATION,
            title=f"Prompt comparison: {template.name} v{version_a.number} / v{version_b.number} on {len(ids)} "
                  f"product{'s' if len(ids) != 1 else ''}",
            task_name=TASK_NAME, user=membership.user, total=len(items), send=send,
            params={"playground": "compare", "items": items},
        )
        comparison = PromptComparison.objects.create(
            store=store, template=template, version_a=version_a, version_b=version_b, product_ids=ids, seed=seed,
            goal=goal, question=question, job=job, created_by=membership.user,
        )
        PromptTrial.objects.bulk_create([
            PromptTrial(store=store, prompt_version_id=version_pk, product=products[pk], job=job,
                        comparison=comparison, goal=goal, question=question, seed=seed, created_by=membership.user)
            for version_pk, pk in items
        ])
    logger.info("playground.compare_started", extra={"job": job.pk, "comparison": comparison.pk,
                                                     "products": len(ids), "user": membership.user_id})
    return comparison


def _sample(*, store: Store, product_ids, filters, count: int) -> list[int]:
    if product_ids:
        wanted = list(dict.fromkeys(int(pk) for pk in product_ids))
        if len(wanted) > MAX_SAMPLE:
            raise ValidationError({"products": f"Compare on at most {MAX_SAMPLE} products."})
        found = set(Product.objects.filter(store=store, pk__in=wanted).values_list("pk", flat=True))
        if len(found) != len(wanted):
            raise ValidationError({"products": f"{len(wanted) - len(found)} of the chosen products are not in "
                                               "this store."})
        return wanted
    ids = list(product_queryset(store=store, filters=filters or ProductFilters()).order_by("title", "id")
               .values_list("pk", flat=True)[:count])
    if not ids:
        raise ValidationError({"products": "No product matches."})
    return ids


# --------------------------------------------------------------------------- the task's body


def playground_run(job: Job) -> dict:
    """Write the trials of a preview or comparison job that are still
    pending; a product deleted since the start fails alone."""
    items = [tuple(item) for item in job.params.get("items", [])]
    trials = list(
        PromptTrial.objects.filter(job=job).select_related("prompt_version__template__store", "product__category")
        .order_by("prompt_version_id", "product__title", "id")
    )
    present = {(t.prompt_version_id, t.product_id) for t in trials}
    for item in items:
        if item not in present:
            product_pk = item[1]
            message = f"Product #{product_pk} was deleted before its preview was written."
            if not JobError.objects.filter(job=job, product__isnull=True, message=message).exists():
                job_record_error(job, message=message)
    missing = sum(1 for item in items if item not in present)
    done = sum(1 for t in trials if t.is_finished and not t.error)
    failed = missing + sum(1 for t in trials if t.is_finished and t.error)
    job_progress(job, done=done, failed=failed, total=len(items))
    pending = [t for t in trials if not t.is_finished]
    batch_size = settings.GENERATION_BATCH_SIZE
    by_version: dict[int, list[PromptTrial]] = {}
    for trial in pending:
        by_version.setdefault(trial.prompt_version_id, []).append(trial)
    for group in by_version.values():
        version = group[0].prompt_version
        model = model_runtime(model=version.model, model_version=job_model_version(version))
        for start in range(0, len(group), batch_size):
            written, errors = _run_trials(job, model, group[start:start + batch_size])
            done, failed = done + written, failed + errors
            job_progress(job, done=done, failed=failed)  # raises JobCancelled between batches
    return {"previews": done, "failed": failed}


def _run_trials(job: Job, model: runtime.Runtime, trials: list[PromptTrial]) -> tuple[int, int]:
    """Render, generate and check one batch of trials of one version (one
    seed: a comparison's trials share it). Returns (written, failed)."""
    version = trials[0].prompt_version
    generation = _generation_like(version=version, goal=trials[0].goal, question=trials[0].question,
                                  seed=trials[0].seed)
    voice = brand_voice_for(store=version.template.store)
    ready: list[tuple[PromptTrial, PlaygroundPrompt]] = []
    failed = 0
    for trial in trials:
        try:
            prompt = playground_prompt(version=version, product=trial.product, goal=trial.goal,
                                       question=trial.question, model=model)
        except (PromptRenderError, KeyError, ValueError) as exc:
            _finish(job, trial, error=render_failure_message(exc))
            failed += 1
        else:
            ready.append((trial, prompt))
    if not ready:
        return 0, failed
    facts = [product_facts(trial.product) for trial, _ in ready]
    numbers = [allowed_numbers(facts=product, content_type=generation.content_type,
                               extra_facts=prompt.extra_facts, required_phrases=voice.required_phrases)
               for product, (_, prompt) in zip(facts, ready, strict=True)]
    words = [draft_words(facts=product, content_type=generation.content_type, language=generation.language,
                         extra_facts=prompt.extra_facts, required_phrases=voice.required_phrases)
             for product, (_, prompt) in zip(facts, ready, strict=True)]
    completions = model.complete([prompt.text for _, prompt in ready], generation.params, allowed_numbers=numbers,
                                 allowed_words=words)
    # As in generation: a small model sometimes stops at once; one more try for those.
    empty = [index for index, c in enumerate(completions) if not c.error and not c.text]
    if empty:
        retried = model.complete([ready[index][1].text for index in empty], generation.params,
                                 allowed_numbers=[numbers[index] for index in empty],
                                 allowed_words=[words[index] for index in empty])
        for index, completion in zip(empty, retried, strict=True):
            completions[index] = merged_completion(completions[index], completion)
    written = 0
    for (trial, prompt), completion in zip(ready, completions, strict=True):
        if completion.error or not completion.text:
            _finish(job, trial, error=f"The model could not write this preview: "
                                      f"{completion.error or 'it wrote nothing'}.", prompt=prompt,
                    model_id=model.model_id)
            failed += 1
            continue
        ctx = check_context(product=trial.product, content_type=generation.content_type,
                            language=generation.language, voice=voice, prompt=prompt.text,
                            extra_facts=prompt.extra_facts)
        results = run_checks(completion.text, ctx)
        _finish(job, trial, prompt=prompt, model_id=model.model_id, output_text=completion.text,
                checks=results_to_json(results), failed_checks=failed_names(results),
                prompt_tokens=completion.prompt_tokens or prompt.tokens or 0,
                completion_tokens=completion.completion_tokens, latency_ms=completion.latency_ms)
        written += 1
    return written, failed


def _finish(job: Job, trial: PromptTrial, *, error: str = "", prompt: PlaygroundPrompt | None = None,
            **fields) -> None:
    if prompt is not None:
        fields.update(prompt=prompt.text, prompt_trimmed=prompt.trimmed)
        fields.setdefault("prompt_tokens", prompt.tokens or 0)
    # update(), not save(): a product deleted meanwhile took its trial with it,
    # and the update then simply changes nothing.
    PromptTrial.objects.filter(pk=trial.pk, finished_at__isnull=True).update(
        error=error[:5000], finished_at=timezone.now(), **fields)
    if error:
        if Product.objects.filter(pk=trial.product_id).exists():
            job_record_error(job, message=error, product=trial.product)
        logger.warning("playground.trial_failed", extra={"job": job.pk, "trial": trial.pk, "reason": error[:300]})
