"""Offline evaluation of a store's recommendations: its events become the
evaluation package's InteractionData (any store, any events in the supported
shapes), the methods run on the model queue as a job, and the metrics are kept
per run (EvaluationRun) for the table and the chart across runs.

Product events are the interactions, in time order (ties by id); each
shopper's last one is the test item (leave-last-out). Catalog vectors are the
store's product embeddings, brought up to date first.
"""

from __future__ import annotations

import logging
import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Job, Membership, Store
from catalog.permissions import require
from catalog.services.jobs import job_create, job_progress
from recommendations.config import store_config
from recommendations.embedding_model import get_embedder
from recommendations.evaluation import make_data, run_evaluation
from recommendations.evaluation.data import InteractionData, subsample_shoppers
from recommendations.evaluation.methods import METHOD_NAMES
from recommendations.models import EMBEDDING_DIMENSIONS, EvaluationRun, Event, ProductEmbedding
from recommendations.services.embeddings import embed_batch, embeddings_sync
from recommendations.vectors import VectorBytes, stack, vector_from_bytes

logger = logging.getLogger(__name__)

EVALUATION_TASK = "recommendations.tasks.evaluate"
DEFAULT_PARAMS = {"k": 10, "seed": 0, "cold_fraction": 0.1, "methods": list(METHOD_NAMES), "max_shoppers": None}


class EvaluationDataError(ValueError):
    """The store has nothing the evaluation can use; the message says what is missing."""


def clean_params(params: dict | None) -> dict:
    """Defaults filled in and each value checked; ValidationError names the bad one."""
    merged = {**DEFAULT_PARAMS, **(params or {})}
    methods = [name for name in merged["methods"] if name]
    unknown = sorted(set(methods) - set(METHOD_NAMES))
    if unknown or not methods:
        raise ValidationError(f"Choose methods among {', '.join(METHOD_NAMES)}.")
    try:
        k, seed = int(merged["k"]), int(merged["seed"])
        cold_fraction = float(merged["cold_fraction"])
        max_shoppers = int(merged["max_shoppers"]) if merged["max_shoppers"] else None
    except (TypeError, ValueError):
        raise ValidationError("k, seed and the sample must be whole numbers; the cold share a number.") from None
    if not 1 <= k <= 100 or not 0.0 < cold_fraction < 1.0 or (max_shoppers is not None and max_shoppers < 10):
        raise ValidationError("k runs from 1 to 100, the cold share between 0 and 1, a sample has 10+ shoppers.")
    ordered = [name for name in METHOD_NAMES if name in methods]
    return {"k": k, "seed": seed, "cold_fraction": cold_fraction, "methods": ordered, "max_shoppers": max_shoppers}


def evaluation_start(*, store: Store, membership: Membership | None, params: dict | None = None,
                     background: bool = True) -> EvaluationRun:
    """Create the run and its job (on the model queue). `membership` None: a
    management command acting for the operator."""
    if membership is not None:
        require(membership, "catalog.edit")
    params = clean_params(params)
    user = membership.user if membership is not None else None
    # One transaction: the task is sent after the commit, so the worker finds the run.
    with transaction.atomic():
        job = job_create(
            store=store, kind=Job.Kind.EVALUATION,
            title=f"Evaluate recommendations ({', '.join(params['methods'])})",
            task_name=EVALUATION_TASK, user=user, params=params, total=len(params["methods"]),
            send=background,
        )
        return EvaluationRun.objects.create(store=store, job=job, created_by=user, params=params)


def store_interaction_data(*, store: Store, max_shoppers: int | None = None, seed: int = 0) -> InteractionData:
    """The store's product events over its embedded catalog."""
    catalog = list(
        ProductEmbedding.objects.filter(store=store, model_id=get_embedder().model_id, embedding__isnull=False)
        .order_by("product_id")
        .values_list("product_id", "product__category__name", VectorBytes("embedding"))
    )
    if not catalog:
        raise EvaluationDataError("No product of this store has an embedding yet.")
    known = {row[0] for row in catalog}
    events = [
        row for row in Event.objects.filter(store=store, product__isnull=False)
        .order_by("occurred_at", "id")
        .values_list("shopper_id", "product_id", "occurred_at", "event_type")
        .iterator(chunk_size=20000)
        if row[1] in known
    ]
    if not events:
        raise EvaluationDataError("This store has no product events to evaluate on.")
    data = make_data(
        shopper_ids=[row[0] for row in events],
        item_ids=[row[1] for row in events],
        order=[row[2].timestamp() for row in events],
        event_types=[row[3] for row in events],
        catalog=[row[0] for row in catalog],
        item_vectors=stack([vector_from_bytes(row[2]) for row in catalog], EMBEDDING_DIMENSIONS),
        item_categories=[row[1] or "" for row in catalog],
        order_kind="timestamp",
    )
    if max_shoppers:
        data = subsample_shoppers(data, max_shoppers, seed)
    return data


def evaluation_run(job: Job) -> dict:
    """Job body: bring the vectors up to date, then run each method (one progress
    step each) and keep the metrics on the EvaluationRun."""
    store, params = job.store, job.params
    run = EvaluationRun.objects.get(job=job)
    embedder = get_embedder()
    embeddings_sync(store=store, model_id=embedder.model_id)
    while embed_batch(store=store, embedder=embedder, size=256) is not None:
        job_progress(job)  # a heartbeat, and a chance to cancel
    data = store_interaction_data(store=store, max_shoppers=params.get("max_shoppers"), seed=params["seed"])
    config = store_config(store=store)
    threads = min(4, len(os.sched_getaffinity(0)))
    result: dict = {}
    for done, name in enumerate(params["methods"], start=1):
        one = run_evaluation(
            data, methods=[name], k=params["k"], seed=params["seed"], cold_fraction=params["cold_fraction"],
            profile_settings=config.profile, hybrid_settings=config.hybrid, threads=threads,
        )
        methods = {**result.get("methods", {}), **one["methods"]}
        result = {**one, "methods": methods, "seconds": round(result.get("seconds", 0.0) + one["seconds"], 3)}
        job_progress(job, done=done, total=len(params["methods"]))
    EvaluationRun.objects.filter(pk=run.pk).update(result=result, finished_at=timezone.now())
    k = params["k"]
    summary = {"shoppers": result["dataset"]["shoppers"], "events": result["dataset"]["events"]}
    for name, runs in result["methods"].items():
        summary[f"{name} ndcg@{k}"] = runs["normal"][f"ndcg@{k}"]
    logger.info("evaluation.done", extra={"store": store.pk, "run": run.pk, **summary})
    return summary
