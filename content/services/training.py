"""Fine-tuning as a product feature: model versions, their training jobs, and which one a store
(or a template) writes with.

- `model_version_train` records a ModelVersion and sends its training job (the `gpu` queue);
  `model_version_train_run` is the job's body: it builds the training set, trains a LoRA adapter
  over the configured model (catalog.generation_model.adapter_train: PEFT on transformers, a GPU
  when there is one), converts it for llama.cpp and marks the version ready. Progress is written
  after every optimiser step, which is also where a cancelled job stops.
- Two sources of training data: the product-copy corpus (targets paired only with facts that
  support them, content.quality.grounding) and the store's approved drafts (an edited one weighs
  more, by how much the reviewer changed). `retrain_from_approvals` continues the active version
  with the approvals it has not seen.
- `model_version_activate` / `model_version_roll_back` choose what a store or template writes
  with; every choice is a ModelActivation row, so rolling back is choosing the previous one.
- `model_version_install_bundled` installs the tuned adapter the app ships (content/adapters/),
  which `load_demo` activates for the demo store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog import generation_model as runtime
from catalog.models import Job, Membership, Store
from catalog.permissions import require
from catalog.services.jobs import JobCancelled, job_create, job_progress
from content.checks import find_unsupported_claims
from content.models import ContentType, Language, ModelActivation, ModelVersion, PromptTemplate
from content.prompt_text import PromptValues, attribute_pairs, render
from content.quality.corpus import CorpusMissing, corpus_products, training_products
from content.quality.training_pairs import (
    GROUNDING_VERSION,
    PromptShape,
    TrainingPair,
    continuation,
    corpus_pairs,
    pairs_hash,
)
from content.selectors import active_version
from content.selectors.model_versions import active_model_version, approved_drafts, previous_activation
from content.selectors.quality import heldout_store_products
from content.services.generation import MAX_CANDIDATES, product_facts
from content.services.setup import brand_voice_for

logger = logging.getLogger(__name__)

TRAIN_TASK = "content.tasks.run_training"
# A tune on this 2-core machine must take under an hour: the set is sized from the measured
# speed (bench/RESULTS.md, "fine-tuning") so training fits 45 minutes, leaving room for loading,
# preparing the data and converting the adapter.
TRAINING_BUDGET_SECONDS = 45 * 60
# Examples/s measured (Gemma 3 270M, LoRA r 8, batch 4; bench/RESULTS.md, "fine-tuning"): the
# bundled adapter's tune on 2 Xeon cores in bfloat16 autocast (AMX), fp32 on the same cores (a CPU
# without native bfloat16 trains in fp32), and a GPU. Used until this deployment has measured its
# own (the speed of its last training run).
MEASURED_EXAMPLES_PER_SECOND = {"cpu-bf16": 0.76, "cpu": 0.5, "cuda": 12.0}
MAX_EXAMPLES = 20_000
# English first: most stores write English; Chinese keeps the zh templates served.
LANGUAGE_SHARES = {"en": 0.6, "zh": 0.4}
DEFAULT_PARAMS = {"rank": 8, "alpha": 16, "dropout": 0.05, "learning_rate": 3e-4, "epochs": 1, "batch_size": 4}
# An approved draft a reviewer edited weighs 1 + this x its normalised edit distance (at most 3).
EDIT_WEIGHT = 4.0
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "adapters"
BUNDLED_NAME = "product-copy-v1"
# Best of n a tuned version (the bundled one, and each the store trains) writes with by default.
# The yardstick (bench/RESULTS.md, "Copy quality"): one candidate passes every check for 61% of
# corpus drafts and 56% of store drafts, best of 4 for 99% and 88% with 0.01 and 0.12 claims per
# draft, the goals being 70% and 0.2. Candidates stop at the first good enough one, so n is a cap:
# the bundled version writes 1.94 per draft on average, and a version whose first candidates are
# good writes fewer.
TUNED_CANDIDATES = 4


# --------------------------------------------------------------------------- training


def model_version_train(
    *,
    store: Store,
    membership: Membership | None,
    sources: list[str],
    name: str = "",
    max_examples: int | None = None,
    params: dict | None = None,
    parent: ModelVersion | None = None,
    seed: int = 2024,
    note: str = "",
    send: bool = True,
) -> ModelVersion:
    """Record a model version and send its training job. `membership` None is the operator (a
    management command); anyone else must be an admin of the store."""
    if membership is not None:
        require(membership, "models.manage")
        if membership.store_id != store.pk:
            raise PermissionDenied("Not a member of this store.")
    sources = list(dict.fromkeys(sources))
    trainable = (ModelVersion.Source.CORPUS, ModelVersion.Source.APPROVALS)
    unknown = [source for source in sources if source not in trainable]
    if not sources or unknown:
        raise ValidationError({"sources": "Train on the product-copy corpus, the store's approved drafts, or both."})
    if ModelVersion.Source.CORPUS in sources and not corpus_available():
        raise ValidationError({"sources": (
            f"The product-copy corpus is not on this machine ({settings.PRODUCT_COPY_DIR}); set PRODUCT_COPY_DIR "
            "or train on approved drafts only.")})
    if max_examples is not None and not 1 <= max_examples <= MAX_EXAMPLES:
        raise ValidationError({"max_examples": f"Between 1 and {MAX_EXAMPLES:,} examples."})
    try:
        merged = {**DEFAULT_PARAMS, **(params or {}), "seed": seed}
        from inference.finetune import LoraParams

        merged = LoraParams.from_dict(merged).to_dict()
    except (ValueError, TypeError) as exc:
        raise ValidationError({"params": str(exc)}) from None
    if parent is not None and (parent.store_id != store.pk or not parent.is_ready):
        raise ValidationError({"parent": "Continue from a ready model version of this store."})
    base = runtime.base_model_id()
    if parent is not None and parent.base_model_id != base:
        raise ValidationError({"parent": f"{parent.label} was trained on another base model ({parent.base_model_id})."})
    user = membership.user if membership is not None else None
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()  # numbers are per store
        number = (ModelVersion.objects.filter(store=store).aggregate(n=Max("number"))["n"] or 0) + 1
        label = name.strip()[:120] or _default_name(sources)
        job = job_create(store=store, kind=Job.Kind.FINE_TUNING, title=f"Fine-tuning v{number} {label}",
                         task_name=TRAIN_TASK, user=user, send=send,
                         params={"sources": sources, "max_examples": max_examples})
        version = ModelVersion.objects.create(
            store=store, number=number, name=label, base_model_id=base, job=job, sources=sources,
            adapter=f"store-{store.pk}/v{number}-{secrets.token_hex(4)}", parent=parent, params=merged,
            candidates=TUNED_CANDIDATES,
            training_data={"max_examples": max_examples, "seed": seed}, note=note.strip()[:500], created_by=user,
        )
    logger.info("training.started", extra={"store": store.pk, "version": version.pk, "sources": sources})
    return version


def _default_name(sources: list[str]) -> str:
    if sources == [ModelVersion.Source.APPROVALS]:
        return "tuned on approved drafts"
    if sources == [ModelVersion.Source.CORPUS]:
        return "tuned on product copy"
    return "tuned on product copy and approved drafts"


def retrain_from_approvals(*, store: Store, membership: Membership) -> ModelVersion:
    """A new version that continues the active one (or starts from the base model) with the
    approved drafts it has not learnt from yet."""
    active = active_model_version(store=store)
    since = active.approvals_until if active is not None else None
    if not approved_drafts(store=store, after=since).exists():
        raise ValidationError({"sources": "No approved drafts since the last version learnt from them."})
    return model_version_train(store=store, membership=membership, sources=[ModelVersion.Source.APPROVALS],
                               parent=active, name="retrained on approved drafts")


def corpus_available() -> bool:
    folder = Path(settings.PRODUCT_COPY_DIR)
    return (folder / "products.csv").is_file() and (folder / "zh_advertisegen.csv").is_file()


def model_version_train_run(job: Job) -> dict:
    version = ModelVersion.objects.select_related("store", "parent").get(job=job)
    if version.status == ModelVersion.Status.READY:
        return _summary(version)  # a second delivery after the first finished
    try:
        return _train(job, version)
    except JobCancelled:
        _finish(version, status=ModelVersion.Status.CANCELLED)
        raise
    except Exception as exc:
        _finish(version, status=ModelVersion.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise


def _train(job: Job, version: ModelVersion) -> dict:
    folder = runtime.adapter_path(version.adapter)
    if not (folder / "adapter_config.json").is_file():  # else an earlier run trained it and died after
        pairs, record, until = training_set(store=version.store, sources=version.sources,
                                            max_examples=version.training_data.get("max_examples"),
                                            seed=int(version.params.get("seed", 2024)), since_parent=version.parent)
        if not pairs:
            raise ValidationError("No training examples: " + json.dumps(record["sources"]))
        version.training_examples = len(pairs)
        version.training_data_hash = pairs_hash(pairs)
        version.training_data = {**version.training_data, **record}
        version.approvals_until = until or (version.parent.approvals_until if version.parent else None)
        version.save(update_fields=["training_examples", "training_data_hash", "training_data", "approvals_until"])
        steps = -(-len(pairs) // int(version.params.get("batch_size", 4))) * int(version.params.get("epochs", 1))
        job_progress(job, done=0, total=steps)
        curve: list[list[float]] = []

        def on_step(report) -> None:
            curve.append([report.step, round(report.loss, 4)])
            if report.step % 10 == 0 or report.step == report.total_steps:
                ModelVersion.objects.filter(pk=version.pk).update(loss_curve=curve)
            job_progress(job, done=report.step, total=report.total_steps)  # raises JobCancelled

        parent = version.parent.adapter if version.parent is not None and version.parent.adapter else ""
        result = runtime.adapter_train(
            examples=[(pair.prompt, pair.completion, pair.weight) for pair in pairs], params=version.params,
            adapter=version.adapter, init_adapter=parent, on_step=on_step,
        )
        version.loss_curve = [[step, loss] for step, loss in result.loss_curve]
        version.training_seconds = result.seconds
        version.examples_per_second = result.examples_per_second
        version.device = result.device
    _prepare(version)
    _finish(version, status=ModelVersion.Status.READY)
    return _summary(version)


def _prepare(version: ModelVersion) -> None:
    """The adapter as the default engine reads it, written into its own folder (adapter.gguf)."""
    runtime.adapter_prepare(version.adapter)
    folder = runtime.adapter_path(version.adapter)
    version.adapter_bytes = sum(path.stat().st_size for path in folder.iterdir() if path.is_file())


def _finish(version: ModelVersion, *, status: str, error: str = "") -> None:
    version.status = status
    version.error = error[:5000]
    version.finished_at = timezone.now()
    version.save()
    logger.info("training.finished", extra={"version": version.pk, "status": status})


def _summary(version: ModelVersion) -> dict:
    return {"model version": version.label, "examples": version.training_examples,
            "examples per second": round(version.examples_per_second, 3),
            "adapter MB": round(version.adapter_bytes / 1e6, 2)}


# --------------------------------------------------------------------------- the training set


def training_set(
    *, store: Store, sources: list[str], max_examples: int | None, seed: int,
    since_parent: ModelVersion | None = None,
) -> tuple[list[TrainingPair], dict, object]:
    """The pairs a version trains on, the record of where they came from, and the time of the
    last approved draft among them. Approved drafts come first (each weighted), the corpus fills
    the rest up to `max_examples` (or what the time budget allows at the measured speed)."""
    record: dict = {"sources": {}}
    pairs: list[TrainingPair] = []
    limit = max_examples or budget_examples()
    until = None
    if ModelVersion.Source.APPROVALS in sources:
        since = since_parent.approvals_until if since_parent is not None else None
        approved, info, until = approval_pairs(store=store, since=since)
        pairs += approved[:limit]
        record["sources"]["approvals"] = {**info, "until": until.isoformat() if until else None}
    if ModelVersion.Source.CORPUS in sources and len(pairs) < limit:
        corpus, info = corpus_training_pairs(store=store, limit=limit - len(pairs), seed=seed)
        pairs += corpus
        record["sources"]["corpus"] = info
    record["examples"] = len(pairs)
    record["limit"] = limit
    return pairs, record, until


def budget_examples() -> int:
    """How many examples fit the time budget at this deployment's measured speed."""
    device = "cuda" if runtime.model_spec().device != "cpu" and _cuda() else "cpu"
    last = (ModelVersion.objects.filter(status=ModelVersion.Status.READY, examples_per_second__gt=0,
                                        device__startswith=device).order_by("-finished_at").first())
    if last is not None:
        rate = last.examples_per_second
    elif device == "cpu" and _cpu_bf16():
        rate = MEASURED_EXAMPLES_PER_SECOND["cpu-bf16"]
    else:
        rate = MEASURED_EXAMPLES_PER_SECOND[device]
    return max(1, min(MAX_EXAMPLES, int(rate * TRAINING_BUDGET_SECONDS)))


def _cpu_bf16() -> bool:
    import torch

    from inference.finetune import bf16_autocast

    return bf16_autocast(torch.device("cpu"))


def _cuda() -> bool:
    from inference.runtime import cuda_device_count

    return cuda_device_count() > 0


def description_shapes(*, store: Store) -> dict[str, PromptShape]:
    """Per language, how a description prompt of this store looks (its active template)."""
    voice = brand_voice_for(store=store)
    shapes = {}
    for language in (Language.EN, Language.ZH):
        version = active_version(store=store, content_type=ContentType.DESCRIPTION, language=language)
        target = voice.target_length(ContentType.DESCRIPTION, language)
        if version is None or target is None:
            continue
        shapes[language] = PromptShape(language=language, template_text=version.text, store=store.name,
                                       tone=voice.tone, target_length=target, banned_words=tuple(voice.banned_words))
    return shapes


def tuned_prompt(*, shape: PromptShape, title: str, brand: str, category: str, attributes: dict) -> str:
    """A description prompt as generation renders it for a tuned model: no few-shot examples."""
    values = PromptValues(title=title, brand=brand, category=category, attributes=attribute_pairs(attributes),
                          store=shape.store, tone=shape.tone, language=shape.language)
    return render(shape.template_text, values)


def corpus_training_pairs(*, store: Store, limit: int, seed: int) -> tuple[list[TrainingPair], dict]:
    shapes = description_shapes(store=store)
    cache = _cache_path(shapes=shapes, limit=limit, seed=seed, store=store)
    if cache.is_file():
        data = json.loads(cache.read_text())
        return [TrainingPair(**pair) for pair in data["pairs"]], data["info"]
    try:
        products = corpus_products(Path(settings.PRODUCT_COPY_DIR))
    except CorpusMissing as exc:
        raise ValidationError(str(exc)) from None
    usable = training_products(products, exclude_titles=[p.title for p in heldout_store_products(store=store)])
    pairs: list[TrainingPair] = []
    info: dict = {"per_language": {}}
    for language, shape in shapes.items():
        wanted = round(limit * LANGUAGE_SHARES.get(language, 0))
        if wanted <= 0:
            continue
        found, stats = corpus_pairs(
            usable, shape=shape, limit=wanted, seed=seed,
            render=lambda p, attributes, s: tuned_prompt(shape=s, title=p.title, brand=p.brand, category=p.category,
                                                         attributes=attributes),
        )
        pairs += found
        info["per_language"][language] = {"considered": stats.considered, "kept": stats.kept,
                                          "left_out": stats.reasons,
                                          "moved_claims": sum(pair.mode == "move" for pair in found)}
    # Interleave the languages in a seeded order: batches are formed by length inside the trainer.
    pairs.sort(key=lambda pair: hashlib.sha256(f"{seed}:{pair.key}".encode()).hexdigest())
    info["grounding_version"] = GROUNDING_VERSION
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".tmp")
    partial.write_text(json.dumps({"pairs": [asdict(pair) for pair in pairs], "info": info}, ensure_ascii=False))
    os.replace(partial, cache)
    return pairs, info


def _cache_path(*, shapes: dict[str, PromptShape], limit: int, seed: int, store: Store) -> Path:
    folder = Path(settings.PRODUCT_COPY_DIR)
    files = [folder / "products.csv", folder / "zh_advertisegen.csv"]
    identity = json.dumps({
        "version": GROUNDING_VERSION, "limit": limit, "seed": seed,
        "shapes": {language: shape.fingerprint() for language, shape in shapes.items()},
        "files": [[path.name, path.stat().st_size, int(path.stat().st_mtime)] for path in files if path.exists()],
        "heldout": sorted(p.pk for p in heldout_store_products(store=store)),
    }, sort_keys=True)
    key = hashlib.sha256(identity.encode()).hexdigest()[:20]
    return Path(settings.VAR_DIR) / "cache" / "training" / f"corpus-{key}.json"


def approval_pairs(*, store: Store, since=None) -> tuple[list[TrainingPair], dict, object]:
    """The store's approved descriptions as pairs: the prompt re-rendered as a tuned model gets
    it, the approved text as the target, weighted by how much the reviewer changed. Drafts whose
    text states what the product data does not are left out (a reviewer may know it is true, but
    the model would learn to state what it is not given); so are the yardstick's products."""
    shapes = description_shapes(store=store)
    held = {p.pk for p in heldout_store_products(store=store)}
    drafts = (approved_drafts(store=store, after=since).exclude(product_id__in=held)
              .select_related("product", "product__category").order_by("approved_at", "id"))
    pairs: list[TrainingPair] = []
    left_out = {"unsupported claims": 0, "no template": 0}
    edited = 0
    until = None
    for draft in drafts.iterator(chunk_size=500):
        until = max(until, draft.approved_at) if until and draft.approved_at else (draft.approved_at or until)
        shape = shapes.get(draft.language)
        if shape is None:
            left_out["no template"] += 1
            continue
        product = draft.product
        facts = product_facts(product)
        if find_unsupported_claims(draft.current_text, facts.text()):
            left_out["unsupported claims"] += 1
            continue
        prompt = tuned_prompt(shape=shape, title=product.title, brand=product.brand, category=facts.category,
                              attributes=product.attributes or {})
        change = draft.edit_distance or 0.0
        edited += change > 0
        pairs.append(TrainingPair(key=f"draft-{draft.pk}", language=draft.language, prompt=prompt,
                                  completion=continuation(prompt, draft.current_text.strip()), mode="approved",
                                  moved=0, weight=min(3.0, 1.0 + EDIT_WEIGHT * change)))
    return pairs, {"examples": len(pairs), "edited": edited, "left_out": left_out}, until


# --------------------------------------------------------------------------- choosing the active version


def model_version_set_candidates(*, store: Store, membership: Membership, model_version: ModelVersion,
                                 candidates: int) -> ModelVersion:
    """Set the best of n a version writes when a job does not choose (its yardstick figures are
    the guide: more candidates, fewer flagged drafts, more machine time)."""
    require(membership, "models.manage")
    if membership.store_id != store.pk or model_version.store_id != store.pk:
        raise PermissionDenied("That model version belongs to another store.")
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise ValidationError({"candidates": f"Best of 1 to {MAX_CANDIDATES} candidates."})
    ModelVersion.objects.filter(pk=model_version.pk).update(candidates=candidates)
    model_version.candidates = candidates
    logger.info("model_version.candidates", extra={"store": store.pk, "version": model_version.pk,
                                                   "candidates": candidates})
    return model_version


def model_version_activate(
    *, store: Store, membership: Membership, model_version: ModelVersion | None,
    template: PromptTemplate | None = None, note: str = "",
) -> ModelActivation:
    """Make `model_version` (None: the base model) what the store, or one template, writes with."""
    require(membership, "models.manage")
    if membership.store_id != store.pk:
        raise PermissionDenied("Not a member of this store.")
    if template is not None and template.store_id != store.pk:
        raise PermissionDenied("That template belongs to another store.")
    if model_version is not None:
        if model_version.store_id != store.pk:
            raise PermissionDenied("That model version belongs to another store.")
        if not model_version.is_ready:
            status = model_version.get_status_display().lower()
            raise ValidationError({"model_version": f"{model_version.label} is {status}, not ready."})
        base = runtime.base_model_id()
        if model_version.base_model_id != base:
            raise ValidationError({"model_version": (
                f"{model_version.label} was trained on {model_version.base_model_id}; the configured model is "
                f"{base}.")})
    activation = ModelActivation.objects.create(store=store, template=template, model_version=model_version,
                                                activated_by=membership.user, note=note.strip()[:300])
    logger.info("model_version.activated", extra={"store": store.pk, "template": getattr(template, "pk", None),
                                                  "version": getattr(model_version, "pk", None)})
    return activation


def model_version_roll_back(*, store: Store, membership: Membership,
                            template: PromptTemplate | None = None) -> ModelActivation:
    """Choose again what was chosen before the current choice."""
    require(membership, "models.manage")
    previous = previous_activation(store=store, template=template)
    if previous is None:
        raise ValidationError({"model_version": "There is no earlier choice to roll back to."})
    return model_version_activate(store=store, membership=membership, model_version=previous.model_version,
                                  template=template, note="Rolled back")


def template_model_clear(*, store: Store, membership: Membership, template: PromptTemplate) -> int:
    """Let a template follow the store's choice again."""
    require(membership, "models.manage")
    if template.store_id != store.pk or membership.store_id != store.pk:
        raise PermissionDenied("That template belongs to another store.")
    deleted, _ = ModelActivation.objects.filter(store=store, template=template).delete()
    return deleted


# --------------------------------------------------------------------------- the bundled adapter


def bundled_record() -> dict | None:
    """What the bundled adapter's training.json says (examples, data hash, speed, loss), or None
    when the app ships none."""
    path = BUNDLED_DIR / BUNDLED_NAME / "training.json"
    return json.loads(path.read_text()) if path.is_file() else None


def model_version_install_bundled(*, store: Store, membership: Membership | None = None,
                                  activate: bool = True) -> ModelVersion | None:
    """Install the tuned adapter the app ships as a model version of the store (once), and make it
    the store's choice when `activate`. None when there is no bundled adapter or it does not fit
    the configured model."""
    if membership is not None:
        require(membership, "models.manage")
    record = bundled_record()
    if record is None:
        return None
    base = runtime.base_model_id()
    if record.get("base_model_id") != base:
        logger.info("model_version.bundled_skipped", extra={"base": base, "bundled": record.get("base_model_id")})
        return None
    existing = ModelVersion.objects.filter(store=store, sources=[ModelVersion.Source.BUNDLED],
                                           training_data_hash=record.get("data_hash", "")).first()
    if existing is not None:
        return existing
    adapter = f"bundled/{BUNDLED_NAME}"
    target = runtime.adapter_path(adapter)
    if not (target / "adapter_config.json").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.parent / f".{target.name}-{secrets.token_hex(4)}"
        shutil.copytree(BUNDLED_DIR / BUNDLED_NAME, partial)
        os.replace(partial, target)
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()
        number = (ModelVersion.objects.filter(store=store).aggregate(n=Max("number"))["n"] or 0) + 1
        version = ModelVersion.objects.create(
            store=store, number=number, name="tuned on product copy (bundled)", status=ModelVersion.Status.READY,
            base_model_id=base, adapter=adapter, sources=[ModelVersion.Source.BUNDLED],
            training_examples=record.get("examples", 0), training_data_hash=record.get("data_hash", ""),
            training_data=record.get("training_data", {}), params=record.get("params", {}),
            loss_curve=record.get("loss_curve", []), training_seconds=record.get("seconds", 0.0),
            examples_per_second=record.get("examples_per_second", 0.0), device=record.get("device", ""),
            adapter_bytes=sum(p.stat().st_size for p in target.iterdir() if p.is_file()),
            candidates=TUNED_CANDIDATES, note=record.get("note", ""), finished_at=timezone.now(),
        )
        if activate:
            ModelActivation.objects.create(store=store, model_version=version, note="Bundled with the app")
    return version
