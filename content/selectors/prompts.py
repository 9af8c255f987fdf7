"""Reads of prompt templates and their versions."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from catalog.models import Store
from content.errors import TemplateNotFound, VersionNotFound
from content.models import Draft, PromptTemplate, PromptVersion

ACCEPTED = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)


def templates_for_store(*, store: Store) -> list[PromptTemplate]:
    return list(
        PromptTemplate.objects.filter(store=store)
        .select_related("active_version", "active_version__author")
        .annotate(version_count=Count("versions"))
        .order_by("content_type", "language", "name")
    )


def template_for_store(*, store: Store, template_id: int) -> PromptTemplate:
    template = PromptTemplate.objects.select_related("active_version").filter(store=store, pk=template_id).first()
    if template is None:
        raise TemplateNotFound("No such template in this store.")
    return template


def template_versions(*, template: PromptTemplate) -> list[PromptVersion]:
    return list(
        template.versions.select_related("author").annotate(
            draft_count=Count("drafts"),
            accepted_count=Count("drafts", filter=Q(drafts__status__in=ACCEPTED)),
        ).order_by("-number")
    )


def version_for_store(*, store: Store, version_id: int) -> PromptVersion:
    version = (PromptVersion.objects.select_related("template", "template__store")
               .filter(template__store=store, pk=version_id).first())
    if version is None:
        raise VersionNotFound("No such template version in this store.")
    return version


def template_version_by_number(*, versions: list[PromptVersion], number: str | int | None,
                               default: PromptVersion | None) -> PromptVersion:
    """One of a template's versions by its number (a page's ?version=), else `default`."""
    if number in (None, ""):
        if default is None:
            raise VersionNotFound("This template has no version yet.")
        return default
    chosen = next((version for version in versions if str(version.number) == str(number)), None)
    if chosen is None:
        raise VersionNotFound("No such version of this template.")
    return chosen


def active_version(*, store: Store, content_type: str, language: str) -> PromptVersion | None:
    """The active version of the store's template for this content type and
    language (the first by name when there are several)."""
    template = (
        PromptTemplate.objects.filter(
            store=store, content_type=content_type, language=language, active_version__isnull=False
        )
        .select_related("active_version__template")
        .order_by("name", "id")
        .first()
    )
    return template.active_version if template else None


def version_choices(*, store: Store) -> list[PromptTemplate]:
    """Templates with their versions (newest first), for the Generate form."""
    return list(
        PromptTemplate.objects.filter(store=store)
        .prefetch_related(Prefetch("versions", queryset=PromptVersion.objects.order_by("-number")))
        .order_by("content_type", "language", "name")
    )


