"""What a storefront may read of the content app: published copy, and shopper
questions with their answers once a person approved one (never a draft that
waits for review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from catalog.models import Product
from content.errors import QuestionNotFound
from content.models import Draft, PublishedCopy, ShopperQuestion

ANSWERED = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)


def product_copies(*, product: Product, content_type: str | None = None,
                   language: str | None = None) -> list[PublishedCopy]:
    qs = PublishedCopy.objects.filter(product=product)
    if content_type:
        qs = qs.filter(content_type=content_type)
    if language:
        qs = qs.filter(language=language)
    return list(qs.order_by("content_type", "language"))


@dataclass(frozen=True)
class AnsweredQuestion:
    question: ShopperQuestion
    answer: str | None
    answered_at: datetime | None


def _approved_answers():
    return Prefetch("drafts", queryset=Draft.objects.filter(status__in=ANSWERED)
                    .order_by("-approved_at", "-id").only("id", "question_id", "current_text", "approved_at"),
                    to_attr="approved_answers")


def _with_answer(question: ShopperQuestion) -> AnsweredQuestion:
    approved = question.approved_answers
    if not approved:
        return AnsweredQuestion(question, None, None)
    return AnsweredQuestion(question, approved[0].current_text, approved[0].approved_at)


def question_for_product(*, product: Product, question_id: int) -> AnsweredQuestion:
    """The question with its latest approved answer (or none yet); QuestionNotFound
    when it is not this product's."""
    question = (ShopperQuestion.objects.filter(product=product, pk=question_id)
                .prefetch_related(_approved_answers()).first())
    if question is None:
        raise QuestionNotFound("No such question for this product.")
    return _with_answer(question)


def answered_questions(*, product: Product, limit: int = 50) -> list[AnsweredQuestion]:
    """The product's questions that have an approved answer, newest first."""
    questions = (ShopperQuestion.objects.filter(product=product, drafts__status__in=ANSWERED).distinct()
                 .prefetch_related(_approved_answers()).order_by("-asked_at", "-id")[:limit])
    return [_with_answer(question) for question in questions]
