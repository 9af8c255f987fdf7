"""What every store starts with, and the brand voice."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalog.models import Membership, Store
from catalog.permissions import require
from content.defaults import (
    DEFAULT_BANNED_WORDS,
    DEFAULT_TARGET_LENGTHS,
    DEFAULT_TEMPLATES,
    DEFAULT_TONE,
)
from content.models import BrandVoice, ContentType, Language, PromptTemplate, PromptVersion
from content.services.prompts import version_validate

logger = logging.getLogger(__name__)


def store_setup_content(*, store: Store) -> None:
    """Give a new store its brand voice and the default templates (catalog.hooks.store_created).
    Safe to call again: what exists is left alone."""
    with transaction.atomic():
        created = store_defaults_write(store=store, BrandVoice=BrandVoice, PromptTemplate=PromptTemplate,
                                       PromptVersion=PromptVersion)
    if created:
        logger.info("content.store_setup", extra={"store": store.pk, "templates": created})


def store_defaults_write(*, store, BrandVoice, PromptTemplate, PromptVersion) -> int:
    """Write the missing brand voice and default templates (each with an active
    version 1); returns how many templates were added. The model classes are
    passed in so the migration that set up stores made before this app existed
    runs the same code with its historical models."""
    BrandVoice.objects.get_or_create(
        store=store,
        defaults={
            "tone": DEFAULT_TONE,
            "banned_words": list(DEFAULT_BANNED_WORDS),
            "target_lengths": _plain(DEFAULT_TARGET_LENGTHS),
            "default_language": store.default_language if store.default_language in Language.values else "en",
        },
    )
    existing = set(PromptTemplate.objects.filter(store=store).values_list("content_type", "language", "name"))
    missing = [d for d in DEFAULT_TEMPLATES if (d.content_type, d.language, d.name) not in existing]
    # Defaults are validated like any version, then written in a few statements:
    # every new store (and every test) pays for this.
    checked = [version_validate(text=d.text, examples=d.examples, params=d.params) for d in missing]
    templates = PromptTemplate.objects.bulk_create(
        [PromptTemplate(store=store, content_type=d.content_type, language=d.language, name=d.name) for d in missing]
    )
    versions = PromptVersion.objects.bulk_create(
        [PromptVersion(template=template, number=1, text=text, examples=examples, params=params,
                       note="Default template")
         for template, (text, examples, params, _model) in zip(templates, checked, strict=True)]
    )
    for template, version in zip(templates, versions, strict=True):
        template.active_version = version
    PromptTemplate.objects.bulk_update(templates, ["active_version"])
    return len(missing)


def _plain(lengths: dict) -> dict:
    return {str(content_type): {lang: list(bounds) for lang, bounds in by_language.items()}
            for content_type, by_language in lengths.items()}


def brand_voice_for(*, store: Store) -> BrandVoice:
    """The store's brand voice: every store has one from its creation (or from
    the migration that set up older stores), so this read never writes."""
    return BrandVoice.objects.get(store=store)


def brand_voice_update(
    *,
    store: Store,
    membership: Membership,
    tone: str,
    banned_words: list[str],
    required_phrases: list[str],
    target_lengths: dict[str, dict[str, list[int]]],
    default_language: str,
) -> BrandVoice:
    require(membership, "settings.manage")
    if membership.store_id != store.pk:
        raise PermissionDenied("Not a member of this store.")
    if default_language not in Language.values:
        raise ValidationError({"default_language": f"Unknown language '{default_language}'."})
    cleaned_lengths: dict[str, dict[str, list[int]]] = {}
    for content_type, by_language in target_lengths.items():
        if content_type not in ContentType.values:
            raise ValidationError({"target_lengths": f"Unknown content type '{content_type}'."})
        for language, bounds in by_language.items():
            if language not in Language.values:
                raise ValidationError({"target_lengths": f"Unknown language '{language}'."})
            if bounds is None:
                continue
            low, high = (int(value) for value in bounds)
            if not 0 < low <= high:
                raise ValidationError({"target_lengths": (
                    f"{ContentType(content_type).label} ({Language(language).label}): the minimum must be at "
                    f"least 1 and no more than the maximum ({low}-{high})."
                )})
            cleaned_lengths.setdefault(content_type, {})[language] = [low, high]
    with transaction.atomic():
        voice = BrandVoice.objects.select_for_update().get(store=store)
        voice.tone = tone.strip()[:300]
        voice.banned_words = _clean_list(banned_words, 100)
        voice.required_phrases = _clean_list(required_phrases, 200)
        voice.target_lengths = cleaned_lengths
        voice.default_language = default_language
        voice.updated_by = membership.user
        voice.save()
    logger.info("content.brand_voice_updated", extra={"store": store.pk, "user": membership.user_id})
    return voice


def _clean_list(values: list[str], max_length: int) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if len(value) > max_length:
            raise ValidationError(f"'{value[:40]}…' is longer than {max_length} characters.")
        if value and value.lower() not in {item.lower() for item in seen}:
            seen.append(value)
    return seen
