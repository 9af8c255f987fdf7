"""Reads of model versions: which one a store or template writes with, their records, the
activation history, and how many approved drafts a retrain would add."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from catalog.models import Store
from content.errors import ModelVersionNotFound
from content.models import ContentType, Draft, ModelActivation, ModelVersion, PromptTemplate

# Approved drafts a retrain learns from: descriptions, the copy the tuned prompt format writes.
TRAINABLE_CONTENT_TYPES = (ContentType.DESCRIPTION,)
ACCEPTED = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)


def model_versions_for_store(*, store: Store) -> list[ModelVersion]:
    return list(ModelVersion.objects.filter(store=store).select_related("created_by", "parent", "job")
                .order_by("-number"))


def model_version_for_store(*, store: Store, version_id: int) -> ModelVersion:
    version = ModelVersion.objects.select_related("parent", "job", "created_by").filter(
        store=store, pk=version_id).first()
    if version is None:
        raise ModelVersionNotFound("No such model version in this store.")
    return version


def _latest(store: Store, template: PromptTemplate | None) -> ModelActivation | None:
    return (ModelActivation.objects.filter(store=store, template=template)
            .select_related("model_version").order_by("-created_at", "-id").first())


def active_model_version(*, store: Store, template: PromptTemplate | None = None) -> ModelVersion | None:
    """The version the template writes with: the template's own choice if it has one, else the
    store's; None is the base model. A version that is not ready (never, once activated) counts
    as the base model."""
    activation = _latest(store, template) if template is not None else None
    if activation is None:
        activation = _latest(store, None)
    version = activation.model_version if activation is not None else None
    return version if version is not None and version.is_ready else None


def template_has_own_model(*, template: PromptTemplate) -> bool:
    return ModelActivation.objects.filter(store_id=template.store_id, template=template).exists()


def activation_history(*, store: Store, template: PromptTemplate | None = None, limit: int = 20) -> list:
    return list(ModelActivation.objects.filter(store=store, template=template)
                .select_related("model_version", "activated_by").order_by("-created_at", "-id")[:limit])


def previous_activation(*, store: Store, template: PromptTemplate | None = None) -> ModelActivation | None:
    """The choice before the current one: what rolling back returns to."""
    rows = list(ModelActivation.objects.filter(store=store, template=template)
                .select_related("model_version").order_by("-created_at", "-id")[:2])
    return rows[1] if len(rows) == 2 else None


def approved_drafts(*, store: Store, after=None) -> QuerySet[Draft]:
    """The store's approved (or published) descriptions, the training data of a retrain."""
    drafts = Draft.objects.filter(store=store, status__in=ACCEPTED, content_type__in=TRAINABLE_CONTENT_TYPES)
    if after is not None:
        drafts = drafts.filter(approved_at__gt=after)
    return drafts


@dataclass(frozen=True)
class RetrainSummary:
    new_examples: int  # approved since the last version that learnt from approvals
    edited: int  # of those, how many a reviewer changed before approving
    total_examples: int
    since: object  # the cutoff, or None when no version learnt from approvals yet
    last_version: ModelVersion | None


def retrain_summary(*, store: Store) -> RetrainSummary:
    last = (ModelVersion.objects.filter(store=store, status=ModelVersion.Status.READY,
                                        sources__contains=[ModelVersion.Source.APPROVALS])
            .order_by("-approvals_until", "-number").first())
    since = last.approvals_until if last is not None else None
    new = approved_drafts(store=store, after=since)
    return RetrainSummary(
        new_examples=new.count(),
        edited=new.filter(~Q(edit_distance=0), edit_distance__isnull=False).count(),
        total_examples=approved_drafts(store=store).count(),
        since=since,
        last_version=last,
    )
