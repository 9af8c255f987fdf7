"""The copy yardstick: a model version and the store's description templates write for a fixed,
seeded held-back set (corpus products in English and Chinese, and some of the store's own), every
check runs on every draft, and the figures (content.quality.metrics) are kept per subset with the
drafts themselves, so a reader can judge them side by side.

Drafts are written as generation writes them (content.services.generation): the same prompt
rendering (a tuned version's prompts leave the few-shot examples out), the same numbers
constraint, best of n with the same score. The sampling seed is fixed, so two runs of one model
version on one machine write the same drafts. The job is safe to run twice: it writes only the
drafts the evaluation does not have yet, and its time in the model is kept with the results.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import generation_model as runtime
from catalog.models import Job, Membership, Product, Store
from catalog.permissions import require
from catalog.services.jobs import job_create, job_progress
from content.checks import CheckContext, ProductFacts, has_errors, preselect, results_to_json, run_checks
from content.errors import DraftNotFound
from content.models import ContentType, CopyEvaluation, CopyEvaluationDraft, Language, ModelVersion, PromptVersion
from content.prompt_text import PromptRenderError, PromptValues, attribute_pairs, render_within
from content.quality.corpus import CorpusMissing, corpus_products, heldout_products
from content.quality.metrics import DraftFigures, claims_of, summarize
from content.quality.numbers import allowed_numbers
from content.quality.scoring import candidate_score, good_enough, ranked
from content.quality.specificity import specificity
from content.quality.words import allowed_words
from content.selectors import active_version
from content.selectors.model_versions import active_model_version
from content.selectors.quality import STORE_HELDOUT, heldout_store_products
from content.services.drafts import Signature
from content.services.generation import MAX_CANDIDATES, model_runtime
from content.services.setup import brand_voice_for

logger = logging.getLogger(__name__)

EVALUATION_TASK = "content.tasks.run_copy_evaluation"
SAMPLING_SEED = 1130
ACTIVE = "active"  # model_version="active": whatever the store writes with now


@dataclass(frozen=True)
class Item:
    subset: str
    key: str
    position: int
    language: str
    title: str
    brand: str = ""
    category: str = ""
    attributes: dict = field(default_factory=dict, hash=False, compare=False)
    description: str = ""  # the merchant's own (store products)
    reference: str = ""  # the human copy (corpus products)
    product: Product | None = field(default=None, hash=False, compare=False)

    @property
    def facts(self) -> ProductFacts:
        return ProductFacts(title=self.title, brand=self.brand, category=self.category,
                            attributes=self.attributes, description=self.description)


# --------------------------------------------------------------------------- starting


def copy_evaluation_start(
    *,
    store: Store,
    membership: Membership | None,
    model_version: ModelVersion | None | str = ACTIVE,
    candidates: int = 1,
    stop_early: bool = True,
    corpus_per_language: int = 100,
    store_products: int = STORE_HELDOUT,
    constrain_numbers: bool = True,
    constrain_words: bool = True,
    params_overrides: dict | None = None,
    note: str = "",
    send: bool = True,
) -> CopyEvaluation:
    """Record an evaluation and send its job. `membership` None is the operator (a command).
    `stop_early` False writes all n candidates of best of n (as jobs did before they stopped early)."""
    if membership is not None:
        require(membership, "content.generate")
        if membership.store_id != store.pk:
            raise PermissionDenied("Not a member of this store.")
    if model_version == ACTIVE:
        model_version = active_model_version(store=store)
    if model_version is not None:
        if model_version.store_id != store.pk:
            raise PermissionDenied("That model version belongs to another store.")
        if not model_version.is_ready:
            raise ValidationError({"model_version": f"{model_version.label} is not ready."})
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise ValidationError({"candidates": f"Best of 1 to {MAX_CANDIDATES} candidates."})
    try:
        overrides = runtime.validate_params(params_overrides or {})
    except ValueError as exc:
        raise ValidationError({"params": str(exc)}) from None
    if not 0 <= corpus_per_language <= 1000 or not 0 <= store_products <= 200:
        raise ValidationError({"corpus_per_language": "At most 1,000 corpus products per language and 200 of the "
                                                      "store's."})
    if corpus_per_language and not _corpus_folder_ready():
        raise ValidationError({"corpus_per_language": (
            f"The product-copy corpus is not on this machine ({settings.PRODUCT_COPY_DIR}); set PRODUCT_COPY_DIR "
            "or evaluate on the store's products only (corpus products 0).")})
    versions = {language: active_version(store=store, content_type=ContentType.DESCRIPTION, language=language)
                for language in (Language.EN, Language.ZH)}
    if versions[Language.EN] is None or (corpus_per_language and versions[Language.ZH] is None):
        raise ValidationError({"template_version": "The store needs active description templates in English "
                                                   "and Chinese."})
    products = heldout_store_products(store=store, count=store_products)
    total = 2 * corpus_per_language + len(products)
    user = membership.user if membership is not None else None
    label = model_version.label if model_version is not None else "base model"
    with transaction.atomic():
        job = job_create(store=store, kind=Job.Kind.EVALUATION, title=f"Copy yardstick: {label}, best of {candidates}",
                         task_name=EVALUATION_TASK, user=user, total=total, send=send,
                         params={"model_version": getattr(model_version, "pk", None), "candidates": candidates})
        evaluation = CopyEvaluation.objects.create(
            store=store, job=job, model_version=model_version, candidates=candidates, stop_early=stop_early,
            constrain_numbers=constrain_numbers, constrain_words=constrain_words, seed=SAMPLING_SEED,
            corpus_per_language=corpus_per_language,
            product_ids=[p.pk for p in products], params_overrides=overrides, note=note.strip()[:300],
            created_by=user,
            template_versions={language: version.pk for language, version in versions.items() if version},
        )
    logger.info("copy_evaluation.started", extra={"store": store.pk, "evaluation": evaluation.pk,
                                                  "model_version": getattr(model_version, "pk", None)})
    return evaluation


def _corpus_folder_ready() -> bool:
    folder = Path(settings.PRODUCT_COPY_DIR)
    return (folder / "products.csv").is_file() and (folder / "zh_advertisegen.csv").is_file()


# --------------------------------------------------------------------------- the job's body


def evaluation_items(evaluation: CopyEvaluation) -> list[Item]:
    items: list[Item] = []
    if evaluation.corpus_per_language:
        try:
            products = corpus_products(Path(settings.PRODUCT_COPY_DIR))
        except CorpusMissing as exc:
            raise ValidationError(str(exc)) from None
        held = heldout_products(products, per_language=evaluation.corpus_per_language)
        for position, p in enumerate(held):
            items.append(Item(subset=f"corpus_{p.language}", key=p.key, position=position, language=p.language,
                              title=p.title, brand=p.brand, category=p.category, attributes=dict(p.attributes),
                              reference=p.description))
    found = Product.objects.filter(store=evaluation.store, pk__in=evaluation.product_ids).select_related("category")
    by_id = {p.pk: p for p in found}
    for position, pk in enumerate(evaluation.product_ids):
        product = by_id.get(pk)
        if product is None:
            continue  # deleted since: measured on the others
        items.append(Item(subset="store", key=product.sku, position=position, language=Language.EN,
                          title=product.title, brand=product.brand,
                          category=product.category.path if product.category_id else "",
                          attributes=product.attributes or {}, description=product.description, product=product))
    return items


def copy_evaluation_run(job: Job) -> dict:
    evaluation = CopyEvaluation.objects.select_related("store", "model_version").get(job=job)
    items = evaluation_items(evaluation)
    written = set(evaluation.drafts.values_list("subset", "item_key"))
    pending = [item for item in items if (item.subset, item.key) not in written]
    job_progress(job, done=len(written), total=len(items))
    if pending:
        model = model_runtime(model_version=evaluation.model_version)
        CopyEvaluation.objects.filter(pk=evaluation.pk).update(model_id=model.model_id)
        writer = _Writer(evaluation, model)
        # Best of n writing every candidate decodes n per item; stopping early, one per item a round.
        size = settings.GENERATION_BATCH_SIZE
        if not evaluation.stop_early:
            size = max(1, size // evaluation.candidates)
        done = len(written)
        for language in (Language.EN, Language.ZH):
            group = [item for item in pending if item.language == language]
            for start in range(0, len(group), size):
                done += writer.write(group[start : start + size])
                job_progress(job, done=done)  # raises JobCancelled between batches
    _similarities(evaluation)
    return copy_evaluation_finish(evaluation)


class _Writer:
    """Writes one batch of items: prompts, n candidates each, checks, the best put forward."""

    def __init__(self, evaluation: CopyEvaluation, model: runtime.Runtime) -> None:
        self.evaluation = evaluation
        self.model = model
        self.voice = brand_voice_for(store=evaluation.store)
        self.versions = {language: PromptVersion.objects.select_related("template").get(pk=pk)
                         for language, pk in evaluation.template_versions.items()}
        version = evaluation.model_version
        self.few_shot = version is None or version.few_shot
        # Other drafts of this evaluation, per language: what the near-duplicate check compares with.
        self.others: dict[str, list[dict]] = {}
        for row in evaluation.drafts.exclude(text="").values("id", "language", "title", "item_key", "text"):
            self._remember(row["language"], row["item_key"], row["title"], row["text"])

    def _remember(self, language: str, key: str, title: str, text: str) -> None:
        signature = Signature.of(text, language)
        self.others.setdefault(language, []).append(
            {"id": len(self.others.get(language, [])) + 1, "key": key, "label": f"{key} {title[:60]}",
             "signature": signature.values, "text": text})

    def write(self, items: list[Item]) -> int:
        """Write the items' drafts: n candidates each, or, when the evaluation stops early, one
        candidate per round for the items still without a good enough one (at most n rounds)."""
        language = items[0].language
        version = self.versions[language]
        params = {**version.params, **self.evaluation.params_overrides, "seed": self.evaluation.seed}
        n = self.evaluation.candidates
        prompts: dict[Item, str] = {}
        errors: dict[Item, str] = {}
        for item in items:
            try:
                prompts[item] = self._prompt(item, version, params)
            except PromptRenderError as exc:
                errors[item] = f"The prompt could not be rendered: {exc}"
        numbers = {item: allowed_numbers(facts=item.facts, content_type=ContentType.DESCRIPTION,
                                         required_phrases=self.voice.required_phrases) for item in prompts}
        words = {item: allowed_words(facts=item.facts, required_phrases=self.voice.required_phrases)
                 if self.evaluation.constrain_words and item.language == Language.EN else None for item in prompts}
        started = time.monotonic()
        written: dict[Item, list[_Candidate]] = {item: [] for item in prompts}
        early = self.evaluation.stop_early
        each, rounds = (1, n) if early else (n, 1)
        searching = list(prompts)
        completions_count = tokens = 0
        for round_number in range(rounds):
            if not searching:
                break
            # Each round draws with its own seed (a prompt's i-th sequence in a call draws with seed + i).
            round_params = {**params, "seed": params["seed"] + _ROUND_SEED_STEP * round_number}
            completions = self.model.complete(
                [prompts[item] for item in searching for _ in range(each)], round_params,
                allowed_numbers=[numbers[item] for item in searching for _ in range(each)]
                if self.evaluation.constrain_numbers else None,
                allowed_words=[words[item] for item in searching for _ in range(each)],
            )
            completions_count += len(completions)
            tokens += sum(c.completion_tokens for c in completions)
            for index, item in enumerate(searching):
                written[item] += [self._scored(item, prompts[item], completion)
                                  for completion in completions[index * each : (index + 1) * each]]
            searching = [item for item in searching if not written[item][-1].good_enough]
        seconds = time.monotonic() - started
        rows = [self._row(item, prompts[item], written[item]) for item in prompts]
        rows += [CopyEvaluationDraft(evaluation=self.evaluation, subset=item.subset, item_key=item.key,
                                     product=item.product, position=item.position, language=item.language,
                                     title=item.title[:500], error=error) for item, error in errors.items()]
        with transaction.atomic():
            CopyEvaluationDraft.objects.bulk_create(rows, ignore_conflicts=True)
            evaluation = CopyEvaluation.objects.select_for_update().get(pk=self.evaluation.pk)
            timing = evaluation.results.get("timing", {"seconds": 0.0, "completion_tokens": 0, "prompts": 0})
            timing["seconds"] += seconds
            timing["completion_tokens"] += tokens
            timing["prompts"] += completions_count
            evaluation.results = {**evaluation.results, "timing": timing}
            evaluation.save(update_fields=["results"])
            self.evaluation.results = evaluation.results
        return len(items)

    def _prompt(self, item: Item, version: PromptVersion, params: dict) -> str:
        values = PromptValues(
            title=item.title, brand=item.brand, category=item.category, attributes=attribute_pairs(item.attributes),
            description=item.description, store=self.evaluation.store.name,
            examples=list(version.examples) if self.few_shot else [], tone=self.voice.tone, language=item.language,
        )
        rendered = render_within(version.text, values, count_tokens=self.model.count_tokens,
                                 budget=self.model.prompt_budget(params))
        return self.model.format_prompt(rendered.text, chat=version.use_chat_template)

    def _scored(self, item: Item, prompt: str, completion: runtime.Completion) -> _Candidate:
        """A candidate with its checks (against the drafts of this evaluation written so far) and score."""
        text = completion.text
        if not text:
            return _Candidate(completion, [], -1000.0, good_enough=False)
        target = self.voice.target_length(ContentType.DESCRIPTION, item.language)
        signature = Signature.of(text, item.language)
        pool = [other for other in self.others.get(item.language, []) if other["key"] != item.key]
        chosen = preselect(signature.values, [(other["id"], other["signature"]) for other in pool], limit=20)
        by_id = {other["id"]: other for other in pool}
        context = CheckContext(
            facts=item.facts, content_type=ContentType.DESCRIPTION, language=item.language, target_length=target,
            banned_words=self.voice.banned_words, required_phrases=self.voice.required_phrases,
            prompt_text=prompt, other_texts=[(by_id[pk]["label"], by_id[pk]["text"]) for pk, _ in chosen],
        )
        results = run_checks(text, context)
        score = candidate_score(text, results, facts=item.facts, language=item.language, target_length=target)
        return _Candidate(completion, results, score, good_enough=good_enough(text, results, facts=item.facts))

    def _row(self, item: Item, prompt: str, scored: list[_Candidate]) -> CopyEvaluationDraft:
        order = ranked([candidate.score for candidate in scored])
        best = scored[order[0]]
        best_completion, best_results = best.completion, best.results
        checks = results_to_json(best_results)
        if best_completion.text:
            self._remember(item.language, item.key, item.title, best_completion.text)
        others = [{"text": scored[i].completion.text, "score": scored[i].score,
                   "failed_checks": [r.name for r in scored[i].results if not r.passed],
                   "claims": claims_of(results_to_json(scored[i].results))} for i in order[1:]]
        return CopyEvaluationDraft(
            evaluation=self.evaluation, subset=item.subset, item_key=item.key, product=item.product,
            position=item.position, language=item.language, title=item.title[:500],
            facts={"brand": item.brand, "category": item.category, "attributes": item.attributes},
            reference=item.reference, prompt=prompt, text=best_completion.text, checks=checks,
            failed_checks=[r.name for r in best_results if not r.passed],
            passed=bool(best_completion.text) and not has_errors(best_results), claims=claims_of(checks),
            completion_tokens=sum(candidate.completion.completion_tokens for candidate in scored),
            latency_ms=best_completion.latency_ms, others=others,
            error=best_completion.error or ("" if best_completion.text else "the model wrote nothing"),
        )


@dataclass
class _Candidate:
    completion: runtime.Completion
    results: list
    score: float
    good_enough: bool


# A round's seed is this far from the one before: far enough that no two rounds' sequences share one.
_ROUND_SEED_STEP = 1000


def _similarities(evaluation: CopyEvaluation) -> None:
    """MiniLM cosine between each corpus draft and its human description. The default MiniLM
    whatever EMBEDDING_MODEL says: the yardstick's ruler must not change with a setting."""
    rows = list(evaluation.drafts.filter(similarity__isnull=True).exclude(reference="").exclude(text=""))
    if not rows:
        return
    import numpy as np

    from inference import get_embedder

    embedder = get_embedder()
    drafts = embedder.embed([row.text for row in rows], batch_size=64)
    references = embedder.embed([row.reference for row in rows], batch_size=64)
    norms = np.linalg.norm(drafts, axis=1) * np.linalg.norm(references, axis=1)
    cosines = (drafts * references).sum(axis=1) / np.where(norms == 0, 1, norms)
    for row, cosine in zip(rows, cosines, strict=True):
        row.similarity = round(float(cosine), 4)
    CopyEvaluationDraft.objects.bulk_update(rows, ["similarity"])


def figures_by_subset(drafts: list[CopyEvaluationDraft]) -> dict[str, dict]:
    """The yardstick's figures (content.quality.metrics) per subset: corpus_en, corpus_zh, corpus,
    store and all."""
    groups: dict[str, list[DraftFigures]] = {"corpus_en": [], "corpus_zh": [], "corpus": [], "store": [], "all": []}
    for draft in drafts:
        figures = DraftFigures(draft.passed, draft.claims, tuple(draft.failed_checks), draft.similarity,
                               draft_specificity(draft))
        groups[draft.subset].append(figures)
        groups["all"].append(figures)
        if draft.subset.startswith("corpus"):
            groups["corpus"].append(figures)
    return {name: summarize(rows) for name, rows in groups.items() if rows}


def draft_specificity(draft: CopyEvaluationDraft) -> float | None:
    """The ungrounded details of an English draft, against the facts its prompt was given (and a
    store product's own description, which the checks read too); None for Chinese or no text."""
    if draft.language != Language.EN or not draft.text:
        return None
    facts = draft.facts or {}
    return specificity(draft.text, ProductFacts(
        title=draft.title, brand=facts.get("brand", ""), category=facts.get("category", ""),
        attributes=facts.get("attributes") or {}, description=draft.product.description if draft.product else ""))


def copy_evaluation_finish(evaluation: CopyEvaluation) -> dict:
    """Figures per subset from the drafts as stored, and the time it took."""
    drafts = list(evaluation.drafts.select_related("product"))
    results = figures_by_subset(drafts)
    timing = evaluation.results.get("timing", {})
    if timing.get("seconds"):
        timing["tokens_per_second"] = round(timing["completion_tokens"] / timing["seconds"], 2)
        timing["drafts_per_minute"] = round(60 * len(drafts) / timing["seconds"], 2)
    if drafts:  # best of n: candidates written per draft (n, or fewer when it stops early)
        timing["candidates_per_draft"] = round(timing.get("prompts", 0) / len(drafts), 2)
    results["timing"] = timing
    evaluation.results = results
    evaluation.load_average = round(os.getloadavg()[0], 2)
    evaluation.finished_at = timezone.now()
    evaluation.save(update_fields=["results", "load_average", "finished_at"])
    summary = {"drafts": len(drafts)}
    for name in ("corpus", "store"):
        if name in results:
            summary[f"{name} pass rate"] = results[name]["pass_rate"]
            summary[f"{name} claims per draft"] = results[name]["claims_per_draft"]
    if timing.get("tokens_per_second"):
        summary["tokens per second"] = timing["tokens_per_second"]
    return summary


def copy_evaluation_draft_judge(
    *, membership: Membership, evaluation: CopyEvaluation, draft_id: int, verdict: str
) -> CopyEvaluationDraft:
    """Record a reader's verdict on one of the evaluation's drafts: would a merchant approve it as
    it stands, after an edit, or not at all ("" clears it). What no check can say, kept beside the
    figures so that model versions are compared on it too."""
    require(membership, "content.review")
    if verdict and verdict not in CopyEvaluationDraft.Verdict.values:
        choices = ", ".join(CopyEvaluationDraft.Verdict.values)
        raise ValidationError({"verdict": f"Unknown verdict '{verdict[:40]}': one of {choices}, or none."})
    draft = evaluation.drafts.filter(pk=draft_id).first()
    if draft is None:
        raise DraftNotFound("No such draft in this evaluation.")
    draft.verdict = verdict
    draft.verdict_by = membership.user if verdict else None
    draft.verdict_at = timezone.now() if verdict else None
    draft.save(update_fields=["verdict", "verdict_by", "verdict_at"])
    return draft
