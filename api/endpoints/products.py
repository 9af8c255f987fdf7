"""A product's similar products, published copy and shopper questions, by SKU."""

from __future__ import annotations

from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.auth import EVENTS_WRITE, READ
from api.endpoints.common import recommendation_out
from api.errors import errors
from api.schemas import ProductCopyOut, QuestionIn, QuestionListOut, QuestionOut, SimilarOut, Text
from catalog.selectors import product_for_sku
from content.models import ContentType, Language, ShopperQuestion
from content.selectors.storefront import AnsweredQuestion, answered_questions, product_copies, question_for_product
from content.services import answer_generation_start, shopper_question_create
from recommendations.selectors.discovery import similar_products

router = Router(tags=["products"])


class SimilarQuery(Schema):
    k: int = Field(6, ge=1, le=50, description="How many products.")
    in_stock: bool = Field(False, description="Only products in stock.")


@router.get("/products/{sku}/similar", response={200: SimilarOut, **errors(403, 404)}, auth=READ,
            summary="Products like this one",
            description="Neighbours by meaning (embeddings), ordered with co-occurrence and popularity; each with "
                        "its score parts and reason. Empty while the product waits for its embedding.")
def product_similar(request, sku: Text, query: Query[SimilarQuery]):
    store = request.auth.store
    product = product_for_sku(store=store, sku=sku)
    items = similar_products(store=store, product=product, k=query.k, in_stock=query.in_stock)
    return {"sku": product.sku, "items": [recommendation_out(item) for item in items]}


class CopyQuery(Schema):
    content_type: ContentType | None = Field(None, description="Only this content type.")
    language: Language | None = Field(None, description="Only this language.")


@router.get("/products/{sku}/copy", response={200: ProductCopyOut, **errors(403, 404)}, auth=READ,
            summary="A product's published copy",
            description="The live copy per content type and language: only what a person published.")
def product_copy(request, sku: Text, query: Query[CopyQuery]):
    product = product_for_sku(store=request.auth.store, sku=sku)
    copies = product_copies(product=product, content_type=query.content_type, language=query.language)
    return {"sku": product.sku, "items": [
        {"content_type": copy.content_type, "language": copy.language, "text": copy.text,
         "version": copy.version_number, "updated_at": copy.updated_at} for copy in copies]}


def _question_out(sku: str, answered: AnsweredQuestion) -> dict:
    question = answered.question
    return {"id": question.pk, "sku": sku, "text": question.text, "language": question.language,
            "asked_at": question.asked_at, "status": "answered" if answered.answer is not None else "waiting",
            "answer": answered.answer, "answered_at": answered.answered_at}


@router.post("/products/{sku}/questions", response={201: QuestionOut, **errors(400, 403, 404)}, auth=EVENTS_WRITE,
             summary="Ask a question about a product",
             description="Records a shopper's question. With generate_answer, the generation model starts writing "
                         "an answer; like every answer it waits for a person's approval before this API serves it "
                         "(GET /products/{sku}/questions/{id}).")
def question_post(request, sku: Text, body: QuestionIn):
    product = product_for_sku(store=request.auth.store, sku=sku)
    question = shopper_question_create(product=product, text=body.text, source=ShopperQuestion.Source.API,
                                       shopper_ref=body.shopper or "")
    if body.generate_answer:
        answer_generation_start(question=question)
    return Status(201, _question_out(product.sku, AnsweredQuestion(question, None, None)))


@router.get("/products/{sku}/questions", response={200: QuestionListOut, **errors(403, 404)}, auth=READ,
            summary="A product's answered questions",
            description="Questions with an answer a person approved, newest first.")
def question_list(request, sku: Text):
    product = product_for_sku(store=request.auth.store, sku=sku)
    return {"sku": product.sku,
            "items": [_question_out(product.sku, answered) for answered in answered_questions(product=product)]}


@router.get("/products/{sku}/questions/{question_id}", response={200: QuestionOut, **errors(403, 404)},
            auth=READ, summary="A question and its answer",
            description="`answer` is null until a person approved one.")
def question_detail(request, sku: Text, question_id: int):
    product = product_for_sku(store=request.auth.store, sku=sku)
    return _question_out(product.sku, question_for_product(product=product, question_id=question_id))
