"""Shopper questions about a product. The storefront API (a later issue) and
the dashboard both come through here."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import Membership, Product
from catalog.permissions import require
from content.checks import guess_language
from content.models import Language, ShopperQuestion

logger = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 2000


def shopper_question_create(
    *,
    product: Product,
    text: str,
    membership: Membership | None = None,
    source: str = ShopperQuestion.Source.DASHBOARD,
    shopper_ref: str = "",
    asked_at=None,
) -> ShopperQuestion:
    """Record a question. From the dashboard it needs a member who may
    generate content; from the storefront the caller has checked its API key."""
    if membership is not None:
        require(membership, "content.generate")
        if membership.store_id != product.store_id:
            raise PermissionDenied("Not a member of this store.")
    text = " ".join(text.split())
    if not text:
        raise ValidationError({"text": "The question is empty."})
    if len(text) > MAX_QUESTION_LENGTH:
        raise ValidationError({"text": f"A question has at most {MAX_QUESTION_LENGTH} characters."})
    language = guess_language(text)
    question = ShopperQuestion.objects.create(
        store_id=product.store_id,
        product=product,
        text=text,
        language=language if language in Language.values else Language.EN,
        source=source,
        shopper_ref=shopper_ref[:200],
        created_by=membership.user if membership is not None else None,
        asked_at=asked_at or timezone.now(),
    )
    logger.info("content.question_created", extra={"question": question.pk, "product": product.pk})
    return question
