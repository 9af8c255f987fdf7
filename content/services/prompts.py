"""Prompt templates and their versions. A version never changes once saved:
a change is a new version with the next number, and rolling back is
activating an older one."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from catalog import generation_model as runtime
from catalog.models import Membership, Store
from catalog.permissions import require
from content.models import ContentType, Language, PromptTemplate, PromptVersion
from content.prompt_text import PromptTemplateError, validate_examples, validate_template_text

logger = logging.getLogger(__name__)


def _same_store(membership: Membership, store_id: int) -> None:
    if membership.store_id != store_id:
        raise PermissionDenied("Not a member of this store.")


def version_validate(*, text: str, examples, params, model: str = runtime.DEFAULT_MODEL
                     ) -> tuple[str, list[dict], dict, str]:
    """The text, examples, parameters and model as they will be stored, or a
    ValidationError per field (unknown placeholders named, a model the operator
    did not configure)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    errors: dict[str, str] = {}
    try:
        examples = validate_examples(examples)
    except PromptTemplateError as exc:
        errors["examples"] = str(exc)
        examples = []
    try:
        validate_template_text(text, examples=examples)
    except PromptTemplateError as exc:
        errors["text"] = str(exc)
    try:
        params = runtime.validate_params(params or {})
    except ValueError as exc:
        errors["params"] = str(exc)
    try:
        model = runtime.model_validate(model)
    except ValueError as exc:
        errors["model"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return text, examples, params, model


def version_add(
    *,
    template: PromptTemplate,
    author,
    text: str,
    examples=None,
    params: dict | None = None,
    use_chat_template: bool = False,
    model: str = runtime.DEFAULT_MODEL,
    note: str = "",
    activate: bool = False,
) -> PromptVersion:
    """Save the next version of a template (no permission check: callers check;
    the defaults of a new store come through here with no author)."""
    text, examples, params, model = version_validate(text=text, examples=examples, params=params, model=model)
    with transaction.atomic():
        # The template row lock serialises numbering: two admins saving at once get 4 and 5.
        template = PromptTemplate.objects.select_for_update().get(pk=template.pk)
        number = (template.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = PromptVersion.objects.create(
            template=template, number=number, text=text, examples=examples, params=params,
            use_chat_template=use_chat_template, model=model, author=author,
            note=note.strip()[:500],
        )
        if activate or template.active_version_id is None:
            template.active_version = version
            template.save(update_fields=["active_version"])
    logger.info("prompt.version_created", extra={"template": template.pk, "number": number, "active": activate})
    return version


def prompt_version_create(
    *,
    template: PromptTemplate,
    membership: Membership,
    text: str,
    examples=None,
    params: dict | None = None,
    use_chat_template: bool = False,
    model: str = runtime.DEFAULT_MODEL,
    note: str = "",
    activate: bool = False,
) -> PromptVersion:
    require(membership, "prompts.manage")
    _same_store(membership, template.store_id)
    return version_add(
        template=template, author=membership.user, text=text, examples=examples, params=params,
        use_chat_template=use_chat_template, model=model, note=note, activate=activate,
    )


def prompt_version_activate(*, version: PromptVersion, membership: Membership) -> PromptTemplate:
    require(membership, "prompts.manage")
    _same_store(membership, version.template.store_id)
    with transaction.atomic():
        template = PromptTemplate.objects.select_for_update().get(pk=version.template_id)
        previous = template.active_version_id
        template.active_version = version
        template.save(update_fields=["active_version"])
    logger.info("prompt.version_activated", extra={
        "template": template.pk, "version": version.number, "previous": previous, "user": membership.user_id,
    })
    return template


def prompt_template_create(
    *,
    store: Store,
    membership: Membership,
    content_type: str,
    language: str,
    name: str,
    text: str,
    examples=None,
    params: dict | None = None,
    note: str = "",
) -> PromptTemplate:
    """A new template with its version 1 (active)."""
    require(membership, "prompts.manage")
    _same_store(membership, store.pk)
    if content_type not in ContentType.values:
        raise ValidationError({"content_type": f"Unknown content type '{content_type}'."})
    if language not in Language.values:
        raise ValidationError({"language": f"Unknown language '{language}'."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A template needs a name."})
    version_validate(text=text, examples=examples, params=params)  # refuse before creating anything
    try:
        with transaction.atomic():
            template = PromptTemplate.objects.create(store=store, content_type=content_type, language=language,
                                                     name=name[:120])
            version_add(template=template, author=membership.user, text=text, examples=examples, params=params,
                        note=note, activate=True)
    except IntegrityError:
        raise ValidationError({"name": f"A {ContentType(content_type).label.lower()} template named "
                                       f"'{name}' already exists for this language."}) from None
    template.refresh_from_db()
    return template
