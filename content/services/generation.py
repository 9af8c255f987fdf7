"""Generation jobs: `generation_start` checks and records what to write and
sends the task; `generation_run` is the task's body (content/tasks.py).

The body is safe to run twice: it writes only the (product, question,
variant) drafts the job does not have yet (a unique constraint backs this),
and leaves alone products that already failed. Best of n writes an item's
candidates one after another and stops at the first good enough one
(content.quality.scoring.good_enough); an item's drafts are written together, so
an item with any draft is done. Prompts go to the model as one
stream (`_BatchStream`): a batch is rendered when the model has room for it and
written (drafts, checks, progress) as soon as its last draft is done, while the
model goes on with the next. Progress is written after every batch, which is
also where a cancelled job stops.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from catalog import generation_model as runtime
from catalog.models import Job, JobError, Membership, Product, Store
from catalog.permissions import require
from catalog.selectors import ProductFilters, product_queryset
from catalog.services.jobs import job_create, job_progress, job_record_error
from content.checks import ProductFacts, run_checks
from content.models import (
    BrandVoice,
    ContentType,
    Draft,
    GenerationJob,
    Language,
    ModelVersion,
    PromptVersion,
    ShopperQuestion,
)
from content.prompt_text import PromptRenderError, PromptValues, attribute_pairs, render_within
from content.quality.numbers import allowed_numbers
from content.quality.scoring import candidate_score, good_enough, ranked
from content.quality.words import WordRule, draft_words
from content.selectors import (
    accepted_copy_by_category,
    active_version,
    near_duplicate_candidates,
    open_questions,
    product_published_copy,
)
from content.selectors.model_versions import active_model_version
from content.services.drafts import (
    Signature,
    apply_results,
    check_context,
    grounding_text,
    initial_status,
    similar_texts,
)
from content.services.setup import brand_voice_for

logger = logging.getLogger(__name__)

MAX_VARIANTS = 5
# Best of n: candidates written per draft put forward. A job that does not choose takes its model
# version's `candidates` (what the yardstick found worth its cost for that version: 4 for the
# bundled tuned one, bench/RESULTS.md "Copy quality"); the base model writes one.
DEFAULT_CANDIDATES = 1
MAX_CANDIDATES = 8
MAX_ITEMS_PER_JOB = 5000
MAX_BATCH_SIZE = 64
TASK_NAME = "content.tasks.run_generation"


# --------------------------------------------------------------------------- starting a job


def generation_start(
    *,
    store: Store,
    membership: Membership,
    content_type: str,
    product_ids: Sequence[int] | None = None,
    filters: ProductFilters | None = None,
    question_ids: Sequence[int] | None = None,
    template_version: PromptVersion | None = None,
    language: str | None = None,
    tone: str | None = None,
    variants: int = 1,
    candidates: int | None = None,
    params_overrides: dict | None = None,
    instruction: str = "",
    goal: str = "",
    limit: int | None = None,
    parent_draft: Draft | None = None,
    batch_size: int | None = None,
    send: bool = True,
) -> Job:
    """Start a generation job over products (by id, or every product a catalog
    filter matches) or, for answers, over shopper questions. Returns the
    queued catalog Job; its GenerationJob shares its id. With `candidates` n > 1,
    each variant is the best of n candidates (the others are kept, not put forward)."""
    require(membership, "content.generate")
    if membership.store_id != store.pk:
        raise PermissionDenied("Not a member of this store.")
    return _generation_create(
        store=store, user=membership.user, content_type=content_type, product_ids=product_ids, filters=filters,
        question_ids=question_ids, template_version=template_version, language=language, tone=tone,
        variants=variants, candidates=candidates, params_overrides=params_overrides, instruction=instruction,
        goal=goal, limit=limit, parent_draft=parent_draft, batch_size=batch_size, send=send,
    )


def answer_generation_start(*, question: ShopperQuestion) -> Job:
    """Start writing an answer to a question a storefront sent and asked to have
    answered (its API key, with the events:write scope, was checked by the
    caller). The job runs like any other; the answer goes to review."""
    return _generation_create(store=question.store, user=None, content_type=ContentType.ANSWER,
                              question_ids=[question.pk])


def _generation_create(
    *,
    store: Store,
    user,
    content_type: str,
    product_ids: Sequence[int] | None = None,
    filters: ProductFilters | None = None,
    question_ids: Sequence[int] | None = None,
    template_version: PromptVersion | None = None,
    language: str | None = None,
    tone: str | None = None,
    variants: int = 1,
    candidates: int | None = None,
    params_overrides: dict | None = None,
    instruction: str = "",
    goal: str = "",
    limit: int | None = None,
    parent_draft: Draft | None = None,
    batch_size: int | None = None,
    send: bool = True,
) -> Job:
    if content_type not in ContentType.values:
        raise ValidationError({"content_type": f"Unknown content type '{content_type}'."})
    voice = brand_voice_for(store=store)
    version = _version(store=store, content_type=content_type, language=language or voice.default_language,
                       chosen=template_version)
    language = version.template.language
    if not 1 <= variants <= MAX_VARIANTS:
        raise ValidationError({"variants": f"Between 1 and {MAX_VARIANTS} variants per product."})
    model_version = job_model_version(version)
    if candidates is None:
        candidates = model_version.candidates if model_version is not None else DEFAULT_CANDIDATES
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise ValidationError({"candidates": f"Best of 1 to {MAX_CANDIDATES} candidates."})
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValidationError({"batch_size": f"A batch holds 1 to {MAX_BATCH_SIZE} prompts."})
    goal, instruction = goal.strip()[:300], instruction.strip()[:300]
    if content_type == ContentType.MARKETING and not goal:
        raise ValidationError({"goal": "Marketing copy needs a campaign goal, such as 'Black Friday, 20% off'."})
    try:
        params = runtime.effective_params({**version.params, **(params_overrides or {})})
    except ValueError as exc:
        raise ValidationError({"params": str(exc)}) from None

    ids = _product_ids(store=store, product_ids=product_ids, filters=filters, question_ids=question_ids, limit=limit)
    questions: list[int] = []
    if content_type == ContentType.ANSWER:
        questions = _question_ids(store=store, product_ids=ids, question_ids=question_ids)
        ids = list(dict.fromkeys(
            ShopperQuestion.objects.filter(pk__in=questions).order_by("product_id").values_list("product_id",
                                                                                                flat=True)))
    items = len(questions) if content_type == ContentType.ANSWER else len(ids)
    label = ContentType(content_type).label
    title = f"{label} ({Language(language).label}) for {items} {'question' if questions else 'product'}" \
            f"{'s' if items != 1 else ''}"
    with transaction.atomic():
        job = job_create(
            store=store, kind=Job.Kind.GENERATION, title=title, task_name=TASK_NAME,
            user=user, total=items * variants * candidates, send=send,
            params={"content_type": str(content_type), "language": language, "template_version": version.pk,
                    "variants": variants, "candidates": candidates},
        )
        GenerationJob.objects.create(
            job=job, store=store, content_type=content_type, language=language, template_version=version,
            tone=(voice.tone if tone is None else tone).strip()[:300], goal=goal, instruction=instruction,
            variants=variants, candidates=candidates, params=params, product_ids=ids, question_ids=questions,
            model_version=model_version,
            filters=filters.as_query() if filters is not None and product_ids is None else {},
            parent_draft=parent_draft, batch_size=batch_size,
        )
    logger.info("generation.started", extra={
        "job": job.pk, "store": store.pk, "content_type": str(content_type), "items": items, "variants": variants,
        "version": version.pk, "user": user.pk if user is not None else None,
    })
    return job


def _version(*, store: Store, content_type: str, language: str, chosen: PromptVersion | None) -> PromptVersion:
    if chosen is None:
        version = active_version(store=store, content_type=content_type, language=language)
        if version is None:
            raise ValidationError({"template_version": (
                f"This store has no active {ContentType(content_type).label.lower()} template in "
                f"{Language(language).label if language in Language.values else language}."
            )})
        return version
    version = PromptVersion.objects.select_related("template").get(pk=chosen.pk)
    if version.template.store_id != store.pk:
        raise PermissionDenied("That template belongs to another store.")
    if version.template.content_type != content_type:
        raise ValidationError({"template_version": (
            f"{version.label} writes {version.template.get_content_type_display().lower()}, "
            f"not {ContentType(content_type).label.lower()}."
        )})
    return version


def _product_ids(*, store, product_ids, filters, question_ids, limit) -> list[int]:
    cap = min(limit or MAX_ITEMS_PER_JOB, MAX_ITEMS_PER_JOB)
    if product_ids is not None:
        wanted = list(dict.fromkeys(int(pk) for pk in product_ids))
        found = set(Product.objects.filter(store=store, pk__in=wanted).values_list("pk", flat=True))
        if len(found) != len(wanted):
            raise ValidationError({"products": f"{len(wanted) - len(found)} of the chosen products are not in "
                                               "this store."})
        ids = wanted
    elif filters is not None:
        ids = list(product_queryset(store=store, filters=filters).order_by("title", "id")
                   .values_list("pk", flat=True)[: cap + 1])
    elif question_ids:
        ids = list(dict.fromkeys(ShopperQuestion.objects.filter(store=store, pk__in=list(question_ids))
                                 .values_list("product_id", flat=True)))
    else:
        raise ValidationError({"products": "Choose the products to write for."})
    if not ids:
        raise ValidationError({"products": "No product matches."})
    if limit:
        ids = ids[:limit]
    if len(ids) > MAX_ITEMS_PER_JOB:
        raise ValidationError({"products": f"A job writes for at most {MAX_ITEMS_PER_JOB} products; narrow the "
                                           "filter or set a limit."})
    return ids


def _question_ids(*, store, product_ids, question_ids) -> list[int]:
    if question_ids:
        wanted = list(dict.fromkeys(int(pk) for pk in question_ids))
        found = list(ShopperQuestion.objects.filter(store=store, pk__in=wanted, product_id__in=product_ids)
                     .values_list("pk", flat=True))
        if len(found) != len(wanted):
            raise ValidationError({"questions": "Some of the chosen questions are not this store's."})
        return sorted(found, key=wanted.index)
    found = list(open_questions(store=store, product_ids=product_ids).values_list("pk", flat=True)
                 [:MAX_ITEMS_PER_JOB])
    if not found:
        raise ValidationError({"questions": "None of the chosen products has a shopper question waiting for an "
                                            "answer."})
    return found


# --------------------------------------------------------------------------- the task's body


@dataclass(frozen=True)
class Item:
    product_id: int
    question_id: int | None = None


@dataclass
class Unit:
    """One draft to write: an item and a variant, with its prompt once rendered."""

    item: Item
    variant: int
    product: Product | None = None
    question: ShopperQuestion | None = None
    prompt: str = ""
    prompt_tokens: int = 0
    trimmed: bool = False
    extra_facts: str = ""


@dataclass
class BatchOutcome:
    written: int = 0
    skipped: int = 0  # best-of-n candidates not needed: an earlier one was good enough
    failed: int = 0
    flagged: int = 0
    trimmed: int = 0
    failed_products: set[int] = field(default_factory=set)


def generation_run(job: Job) -> dict:
    generation = GenerationJob.objects.select_related(
        "template_version__template", "store", "model_version").get(pk=job.pk)
    voice = brand_voice_for(store=generation.store)
    items = _items(generation)
    written = set(Draft.objects.filter(job=generation).values_list("product_id", "question_id", "variant"))
    written_items = {(product_id, question_id) for product_id, question_id, _ in written}
    failed_products = set(
        JobError.objects.filter(job=job, product__isnull=False).values_list("product_id", flat=True)
    )
    missing = _record_missing(job, generation, items)
    pending: list[Unit] = []
    failed = skipped = 0
    per_item = generation.variants * generation.candidates
    for item in items:
        for variant in range(1, per_item + 1):
            if (item.product_id, item.question_id, variant) in written:
                continue
            if item in missing or item.product_id in failed_products:
                failed += 1
            elif (item.product_id, item.question_id) in written_items:
                skipped += 1  # a candidate an earlier run found it did not need
            else:
                pending.append(Unit(item, variant))
    done = len(written) + skipped
    total = len(items) * per_item
    job_progress(job, done=done, failed=failed, total=total)
    if not pending:
        return _summary(generation)

    model = model_runtime(model=generation.template_version.model, model_version=generation.model_version)
    GenerationJob.objects.filter(pk=generation.pk).update(model_id=model.model_id)
    generation.model_id = model.model_id
    # A batch is what is written (and can be cancelled) at once; the model decodes up to
    # GENERATION_BATCH_SIZE drafts together, across batches (bench/RESULTS.md).
    batch_size = generation.batch_size or settings.GENERATION_BATCH_SIZE * 2
    width = min(settings.GENERATION_BATCH_SIZE, batch_size)
    logger.info("generation.running", extra={"job": job.pk, "pending": len(pending), "batch_size": batch_size,
                                             "model": model.model_id, "candidates": generation.candidates})
    stream = _BatchStream(job, generation, model, voice, item_batches(pending, size=batch_size))
    # closing(): a cancelled or lost job frees the model (and its lock) at once, not when collected.
    with closing(stream.run(width=width)) as outcomes:
        for outcome in outcomes:
            done += outcome.written + outcome.skipped
            failed += outcome.failed
            job_progress(job, done=done, failed=failed)  # raises JobCancelled between batches
    return _summary(generation)


def job_model_version(version: PromptVersion) -> ModelVersion | None:
    """The model version a job with this template version writes with: the one chosen for its
    template or store, unless the template version names a model of its own."""
    if version.model:
        return None
    return active_model_version(store=version.template.store, template=version.template)


def model_runtime(*, model: str = runtime.DEFAULT_MODEL, model_version: ModelVersion | None) -> runtime.Runtime:
    """The runtime a job writes with: the configured model, with the model version's adapter.
    ModelUnavailable when the version was trained on another base model than the configured one
    (an adapter fits only the weights it was trained on)."""
    if model_version is None:
        return runtime.runtime_for(model=model)
    if model:
        raise runtime.ModelUnavailable(
            f"The template version names its own model; model version {model_version.label} applies to the "
            "configured model only.")
    base = runtime.base_model_id()
    if model_version.base_model_id != base:
        raise runtime.ModelUnavailable(
            f"Model version {model_version.label} was trained on {model_version.base_model_id}, but the "
            f"configured model is {base}; activate the base model or a version trained on it.")
    return runtime.runtime_for(adapter=model_version.adapter, adapter_label=f"{model_version.store_id}."
                                                                            f"v{model_version.number}")


def item_batches(units: list[Unit], *, size: int):
    """Batches of about `size` units that never split an item's units: best of n compares the
    candidates of one item, so they are written (and committed) together."""
    batch: list[Unit] = []
    for index, unit in enumerate(units):
        batch.append(unit)
        last_of_item = index + 1 == len(units) or units[index + 1].item != unit.item
        if len(batch) >= size and last_of_item:
            yield batch
            batch = []
    if batch:
        yield batch


def _items(generation: GenerationJob) -> list[Item]:
    if generation.content_type == ContentType.ANSWER:
        owner = dict(ShopperQuestion.objects.filter(pk__in=generation.question_ids)
                     .values_list("pk", "product_id"))
        # A deleted question keeps its place (and fails) rather than vanishing from the count.
        return [Item(owner.get(pk, 0), pk) for pk in generation.question_ids]
    return [Item(pk) for pk in generation.product_ids]


def _record_missing(job: Job, generation: GenerationJob, items: list[Item]) -> set[Item]:
    """Products (or questions) deleted since the job started: a failure each,
    recorded once however often the job runs."""
    existing = set(Product.objects.filter(store=generation.store, pk__in={item.product_id for item in items})
                   .values_list("pk", flat=True))
    missing = {item for item in items if item.product_id not in existing}
    for item in missing:
        if item.question_id is not None and item.product_id == 0:
            message = f"Shopper question #{item.question_id} was deleted before its answer was written."
        else:
            message = f"Product #{item.product_id} was deleted before its copy was written."
        if not JobError.objects.filter(job=job, product__isnull=True, message=message).exists():
            job_record_error(job, message=message)
    return missing


@dataclass
class _Batch:
    """A batch on its way through the model: its rendered units, and their completions so far."""

    units: list[Unit]
    numbers: list[set[str]]
    words: list[WordRule | None]
    outcome: BatchOutcome
    completions: list[runtime.Completion | None]
    first_tries: dict[int, runtime.Completion] = field(default_factory=dict)
    # Best of n: each item's candidates not asked for yet, in order, and those found not needed.
    held: dict[Item, list[int]] = field(default_factory=dict)
    skipped: set[int] = field(default_factory=set)
    good: set[int] = field(default_factory=set)  # positions whose candidate is good enough

    @property
    def complete(self) -> bool:
        return all(completion is not None or position in self.skipped
                   for position, completion in enumerate(self.completions))


class _BatchStream:
    """A job's batches through one model stream (Runtime.complete_stream).

    The model asks for prompts whenever it has free sequences; the next batch is
    rendered then. A batch is written as soon as its last completion is back, while
    the model decodes the next ones, so no sequence waits for a batch's longest draft
    and the job's progress moves batch by batch. An empty completion (a small model
    sometimes stops at once) gets one more try, ahead of the prompts still waiting.
    Best of n asks for an item's first candidates (one per variant); when they are back
    and not all good enough, the next ones go ahead of the prompts still waiting.
    """

    def __init__(self, job: Job, generation: GenerationJob, model: runtime.Runtime, voice: BrandVoice,
                 batches: Iterator[list[Unit]]) -> None:
        self.job, self.generation, self.model, self.voice = job, generation, model, voice
        self._batches = batches
        self._waiting: collections.deque[tuple[_Batch, int]] = collections.deque()
        self._retries: collections.deque[tuple[_Batch, int]] = collections.deque()
        self._taken: list[tuple[_Batch, int]] = []  # stream index -> (batch, unit)
        self._done: collections.deque[_Batch] = collections.deque()
        self._clock = time.monotonic()

    def run(self, *, width: int) -> Iterator[BatchOutcome]:
        """Each batch's outcome once it is written, in the order batches finish."""
        stream = self.model.complete_stream(self._take, self.generation.params, width=width)
        try:
            for index, completion in stream:
                batch, position = self._taken[index]
                self._received(batch, position, completion)
                while self._done:
                    yield self._write(self._done.popleft())
        finally:
            stream.close()
        while self._done:  # batches that had nothing to run
            yield self._write(self._done.popleft())

    def _take(self, count: int) -> list[runtime.PromptRequest]:
        while len(self._retries) + len(self._waiting) < count and self._render_next():
            pass
        taken: list[runtime.PromptRequest] = []
        while len(taken) < count and (self._retries or self._waiting):
            batch, position = (self._retries or self._waiting).popleft()
            self._taken.append((batch, position))
            taken.append(runtime.PromptRequest(batch.units[position].prompt, batch.numbers[position],
                                               batch.words[position]))
        return taken

    def _render_next(self) -> bool:
        units = next(self._batches, None)
        if units is None:
            return False
        batch = _rendered_batch(self.job, self.generation, self.model, self.voice, units)
        if not batch.units:
            self._done.append(batch)
            return True
        # Each item's first candidates (one per variant) wait for the model; best of n holds the rest.
        for position, unit in enumerate(batch.units):
            batch.held.setdefault(unit.item, []).append(position)
        for item, positions in batch.held.items():
            first, batch.held[item] = positions[:self.generation.variants], positions[self.generation.variants:]
            self._waiting.extend((batch, position) for position in first)
        return True

    def _received(self, batch: _Batch, position: int, completion: runtime.Completion) -> None:
        first = batch.first_tries.pop(position, None)
        if first is not None:
            completion = merged_completion(first, completion)
        elif not completion.error and not completion.text:
            batch.first_tries[position] = completion
            self._retries.append((batch, position))
            return
        batch.completions[position] = completion
        if self.generation.candidates > 1:
            self._next_candidates(batch, position)
        if batch.complete:
            self._done.append(batch)

    def _next_candidates(self, batch: _Batch, position: int) -> None:
        """Once an item's candidates asked for are back: skip the rest when enough of them are
        good enough (one per variant), or ask for as many more as are missing."""
        unit, completion = batch.units[position], batch.completions[position]
        if completion is not None and not completion.error and completion.text:
            ctx = check_context(product=unit.product, content_type=self.generation.content_type,
                                language=self.generation.language, voice=self.voice, prompt=unit.prompt,
                                extra_facts=unit.extra_facts)
            if good_enough(completion.text, run_checks(completion.text, ctx), facts=ctx.facts):
                batch.good.add(position)
        item = unit.item
        held = batch.held.get(item, [])
        asked = [p for p, u in enumerate(batch.units) if u.item == item and p not in held and p not in batch.skipped]
        if not held or any(batch.completions[p] is None for p in asked):
            return
        missing = self.generation.variants - sum(p in batch.good for p in asked)
        if missing <= 0:
            batch.skipped.update(held)
            batch.held[item] = []
            return
        batch.held[item] = held[missing:]
        self._retries.extend((batch, p) for p in held[:missing])

    def _write(self, batch: _Batch) -> BatchOutcome:
        # The model's time for this batch: since the last write ended (the model was busy throughout).
        elapsed = time.monotonic() - self._clock
        outcome = batch.outcome
        if batch.units:
            _write_batch(self.job, self.generation, self.voice, batch, elapsed=elapsed)
        self._clock = time.monotonic()
        return outcome


def _rendered_batch(job: Job, generation: GenerationJob, model: runtime.Runtime, voice: BrandVoice,
                    units: list[Unit]) -> _Batch:
    """The batch's units with their prompts rendered; the ones that cannot run are recorded as failed."""
    outcome = BatchOutcome()
    products = {
        product.pk: product
        for product in Product.objects.filter(store=generation.store, pk__in={u.item.product_id for u in units})
        .select_related("category")
    }
    questions = ShopperQuestion.objects.in_bulk({u.item.question_id for u in units if u.item.question_id})
    neighbours = accepted_copy_by_category(
        store=generation.store, content_type=generation.content_type, language=generation.language,
        category_ids={p.category_id for p in products.values()},
    )
    ready: list[Unit] = []
    rendered: dict[Item, Unit] = {}
    for unit in units:
        unit.product = products.get(unit.item.product_id)
        unit.question = questions.get(unit.item.question_id) if unit.item.question_id else None
        if unit.product is None or (unit.item.question_id and unit.question is None):
            # Deleted while earlier batches ran.
            _fail(job, unit, "The product or question was deleted while the job ran.", outcome)
            continue
        if unit.item.product_id in outcome.failed_products:
            outcome.failed += 1
            continue
        earlier = rendered.get(unit.item)
        if earlier is None:
            try:
                render_unit(unit, generation, model, neighbours)
            except (PromptRenderError, KeyError, ValueError) as exc:
                _fail(job, unit, render_failure_message(exc), outcome)
                continue
            rendered[unit.item] = unit
        else:  # variants of one item share its prompt
            unit.prompt, unit.prompt_tokens = earlier.prompt, earlier.prompt_tokens
            unit.trimmed, unit.extra_facts = earlier.trimmed, earlier.extra_facts
        ready.append(unit)
    limits: dict[Item, tuple] = {}  # variants of one item share its numbers and words too
    for unit in ready:
        if unit.item not in limits:
            limits[unit.item] = (unit_numbers(unit, generation, voice), unit_words(unit, generation, voice))
    return _Batch(units=ready, numbers=[limits[unit.item][0] for unit in ready],
                  words=[limits[unit.item][1] for unit in ready], outcome=outcome,
                  completions=[None] * len(ready))


def _write_batch(job: Job, generation: GenerationJob, voice: BrandVoice, batch: _Batch, *, elapsed: float) -> None:
    outcome = batch.outcome
    outcome.skipped += len(batch.skipped)
    pairs = [(unit, completion) for unit, completion in zip(batch.units, batch.completions, strict=True)
             if completion is not None]
    completions = [completion for _, completion in pairs]
    written_units, written_completions = [], []
    for unit, completion in pairs:
        if completion.error or not completion.text:
            reason = completion.error or "the model wrote nothing usable, twice"
            _fail(job, unit, f"The model could not write this draft: {reason}.", outcome)
        else:
            written_units.append(unit)
            written_completions.append(completion)
    drafts = _drafts(generation, voice, written_units, written_completions, outcome)
    with transaction.atomic():
        # ignore_conflicts: a second run racing this one keeps the first draft of each unit.
        Draft.objects.bulk_create(drafts, ignore_conflicts=True)
        GenerationJob.objects.filter(pk=generation.pk).update(
            prompt_tokens=F("prompt_tokens") + sum(c.prompt_tokens for c in completions),
            completion_tokens=F("completion_tokens") + sum(c.completion_tokens for c in completions),
            generation_seconds=F("generation_seconds") + elapsed,
            trimmed_prompts=F("trimmed_prompts") + outcome.trimmed,
        )
    outcome.written += len(drafts)
    logger.info("generation.batch_done", extra={
        "job": job.pk, "drafts": len(drafts), "failed": outcome.failed, "flagged": outcome.flagged,
        "seconds": round(elapsed, 2), "completion_tokens": sum(c.completion_tokens for c in completions),
    })


def merged_completion(first: runtime.Completion, second: runtime.Completion) -> runtime.Completion:
    """The retry's text, with the tokens and time of both tries."""
    return runtime.Completion(
        text=second.text, prompt_tokens=first.prompt_tokens + second.prompt_tokens,
        completion_tokens=first.completion_tokens + second.completion_tokens,
        latency_ms=first.latency_ms + second.latency_ms, error=second.error,
    )


def unit_numbers(unit: Unit, generation: GenerationJob, voice: BrandVoice) -> set[str]:
    """The numbers this draft may write, whatever its prompt says (content.quality.numbers)."""
    return allowed_numbers(facts=product_facts(unit.product), content_type=generation.content_type,
                           extra_facts=unit.extra_facts, required_phrases=voice.required_phrases)


def unit_words(unit: Unit, generation: GenerationJob, voice: BrandVoice) -> WordRule | None:
    """The words this draft may write (content.quality.words), or None: any."""
    return draft_words(facts=product_facts(unit.product), content_type=generation.content_type,
                       language=generation.language, extra_facts=unit.extra_facts,
                       required_phrases=voice.required_phrases)


def product_facts(product: Product) -> ProductFacts:
    return ProductFacts(title=product.title, brand=product.brand,
                        category=product.category.path if product.category_id else "",
                        attributes=product.attributes or {}, description=product.description)


def render_unit(unit: Unit, generation: GenerationJob, model: runtime.Runtime, neighbours: dict) -> None:
    product, question = unit.product, unit.question
    version = generation.template_version
    published = ""
    if generation.content_type == ContentType.ANSWER:
        published = product_published_copy(product=product, language=generation.language)
    values = PromptValues(
        title=product.title, sku=product.sku, brand=product.brand,
        category=product.category.path if product.category_id else "",
        attributes=attribute_pairs(product.attributes), description=product.description,
        store=generation.store.name, examples=list(version.examples),
        similar=[_neighbour_values(draft, generation) for draft in neighbours.get(product.category_id, [])
                 if draft.product_id != product.pk][:2],
        question=question.text if question else "", goal=generation.goal, tone=generation.tone,
        language=generation.language, published_copy=published, instruction=generation.instruction,
    )
    if generation.model_version_id and not generation.model_version.few_shot:
        # A tuned model learnt the task from prompts without examples (content.services.training).
        values.examples, values.similar = [], []
    prompt = render_within(version.text, values, count_tokens=model.count_tokens,
                           budget=model.prompt_budget(generation.params))
    unit.prompt = model.format_prompt(prompt.text, chat=version.use_chat_template)
    unit.prompt_tokens = prompt.tokens
    unit.trimmed = prompt.trimmed
    unit.extra_facts = grounding_text(content_type=generation.content_type, question=values.question,
                                      goal=generation.goal, published_copy=published)
    if prompt.trimmed:
        logger.info("generation.prompt_trimmed", extra={"job": generation.pk, "product": product.pk,
                                                        "dropped": prompt.dropped})


def _neighbour_values(draft: Draft, generation: GenerationJob) -> PromptValues:
    product = draft.product
    return PromptValues(
        title=product.title, sku=product.sku, brand=product.brand,
        category=product.category.path if product.category_id else "",
        attributes=attribute_pairs(product.attributes), store=generation.store.name,
        question=draft.question.text if draft.question_id else "", goal=draft.job.goal, tone=generation.tone,
        language=draft.language, copy=draft.current_text,
    )


def render_failure_message(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"The prompt could not be rendered: the template uses the unknown placeholder {{{exc.args[0]}}}."
    return f"The prompt could not be rendered: {exc}"


def _fail(job: Job, unit: Unit, message: str, outcome: BatchOutcome) -> None:
    outcome.failed += 1
    if unit.product is not None:
        outcome.failed_products.add(unit.product.pk)
        job_record_error(job, message=message, product=unit.product)
    else:
        job_record_error(job, message=f"Item {unit.item.product_id}/{unit.item.question_id}: {message}")
    logger.warning("generation.item_failed", extra={"job": job.pk, "product": unit.item.product_id,
                                                    "reason": message[:300]})


def _drafts(generation: GenerationJob, voice: BrandVoice, units: list[Unit],
            completions: list[runtime.Completion], outcome: BatchOutcome) -> list[Draft]:
    signatures = [Signature.of(c.text, generation.language) for c in completions]
    candidates = near_duplicate_candidates(
        store=generation.store, content_type=generation.content_type, language=generation.language,
        band_keys={key for signature in signatures for key in signature.keys},
    )
    drafts: list[Draft] = []
    for unit, completion, signature in zip(units, completions, signatures, strict=True):
        # Drafts earlier in this batch are not in the database yet: compare with them too.
        batch_mates = [
            {"id": -index, "product_id": d.product_id, "product__title": d.product.title,
             "product__sku": d.product.sku, "signature": d.signature, "current_text": d.current_text}
            for index, d in enumerate(drafts, start=1)
        ]
        ctx = check_context(
            product=unit.product, content_type=generation.content_type, language=generation.language,
            voice=voice, prompt=unit.prompt, extra_facts=unit.extra_facts,
            other_texts=similar_texts(signature, candidates + batch_mates, product_id=unit.product.pk),
        )
        results = run_checks(completion.text, ctx)
        score = candidate_score(completion.text, results, facts=ctx.facts, language=generation.language,
                                target_length=ctx.target_length)
        draft = Draft(
            store=generation.store, product=unit.product, content_type=generation.content_type,
            language=generation.language, job=generation, prompt_version=generation.template_version,
            question=unit.question, variant=unit.variant, prompt=unit.prompt, generated_text=completion.text,
            current_text=completion.text, status=initial_status(results), model_id=generation.model_id,
            prompt_tokens=completion.prompt_tokens or unit.prompt_tokens,
            completion_tokens=completion.completion_tokens, latency_ms=completion.latency_ms,
            prompt_trimmed=unit.trimmed, parent=generation.parent_draft, score=score,
        )
        apply_results(draft, results, signature)
        outcome.trimmed += unit.trimmed and unit.variant == 1
        drafts.append(draft)
    if generation.candidates > 1:
        put_forward(drafts, keep=generation.variants)
    outcome.flagged += sum(draft.status == Draft.Status.FLAGGED for draft in drafts)
    return drafts


def put_forward(drafts: list[Draft], *, keep: int) -> None:
    """Best of n: per item, the `keep` best-scored candidates keep the status their checks gave
    them; the others become CANDIDATE, kept as variants a reviewer can still open."""
    by_item: dict[tuple, list[Draft]] = {}
    for draft in drafts:
        by_item.setdefault((draft.product_id, draft.question_id), []).append(draft)
    for group in by_item.values():
        order = ranked([draft.score for draft in group])
        for rank, index in enumerate(order):
            if rank >= keep:
                group[index].status = Draft.Status.CANDIDATE


def _summary(generation: GenerationJob) -> dict:
    generation.refresh_from_db()
    drafts = Draft.objects.filter(job=generation)
    summary = {
        "drafts": drafts.count(),
        "flagged": drafts.filter(status=Draft.Status.FLAGGED).count(),
        "prompts trimmed": generation.trimmed_prompts,
        "tokens written": generation.completion_tokens,
    }
    if generation.tokens_per_second:
        summary["tokens per second"] = round(generation.tokens_per_second, 1)
    return summary
