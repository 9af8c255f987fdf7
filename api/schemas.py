"""What the API reads and writes, as pydantic schemas (they make the OpenAPI document)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_EVENTS = 1000


def _storable(value: str) -> str:
    """Postgres text holds neither NUL nor lone surrogates: such a string is a
    bad request, not a server error."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text") from None
    return value


# A string a storefront sends in a path or query: printable up to Postgres.
NO_NUL = r"^[^\x00]+$"
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL), AfterValidator(_storable)]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=NO_NUL),
                       AfterValidator(_storable)]


def finite(value: float) -> float:
    """JSON has no NaN or infinity."""
    return float(value) if math.isfinite(value) else 0.0


# --------------------------------------------------------------------------- events


class Body(BaseModel):
    """A request body: a JSON object and nothing else (ninja's Schema would also
    read attributes off lists and other values), and values of exactly the types
    the document names (no `false` taken for 0)."""

    model_config = ConfigDict(extra="ignore", strict=True)


class EventIn(Body):
    """One shopper event. Fields are checked one event at a time, as in a CSV
    import: a bad event is rejected with its reason while the others are kept."""

    shopper: str | int | None = Field(None, description="The storefront's id of the shopper (required).",
                                      examples=["shopper-1842"])
    type: str | None = Field(None, description="view, search, add_to_cart, purchase, review, like, share or "
                                               "comment (required).", examples=["view"])
    sku: str | None = Field(None, description="The product's SKU (every type but search).", examples=["GP-120"])
    query: str | None = Field(None, description="What the shopper searched for (search events).")
    text: str | None = Field(None, description="The text of a review, comment or share.")
    value: float | str | None = Field(None, description="A rating, quantity or amount.")
    time: str | float | None = Field(None, description="When it happened: ISO 8601, or Unix seconds (or "
                                                       "milliseconds). Default: when it is received.")
    key: str | None = Field(None, description="Idempotency key: an event whose key the store has seen before is "
                                              "not stored again (at most 200 characters).",
                            examples=["order-99812-line-1"])
    campaign: str | None = Field(None, description="The campaign tag from GET /shoppers/{id}/campaign, on the "
                                                   "view and purchase events the campaign led to.")

    def record(self) -> dict[str, Any]:
        return {name: value for name, value in self.model_dump().items() if value is not None}


class EventBatchIn(Body):
    # Not enforced by the schema: more than MAX_EVENTS is a 413, not a 422.
    events: list[EventIn] = Field(..., description=f"At most {MAX_EVENTS:,} events.",
                                  json_schema_extra={"maxItems": MAX_EVENTS})


class Out(BaseModel):
    """A response: the endpoints return dicts, which plain pydantic validates
    fastest (ninja's Schema wraps every object to read attributes)."""


class EventResultOut(Out):
    index: int = Field(..., description="The event's position in the batch, from 0.")
    status: str = Field(..., description="accepted, duplicate (its key was seen before) or rejected.")
    reason: str | None = Field(None, description="Why it was rejected.")


class EventBatchOut(Out):
    received: int
    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResultOut]


# --------------------------------------------------------------------------- products and recommendations


class ProductOut(Out):
    sku: str
    title: str
    brand: str
    category: str | None = Field(None, description="The category's full path.")
    price: str | None = Field(None, description="A decimal string, in `currency`.")
    currency: str
    in_stock: bool


class ReasonOut(Out):
    kind: str = Field(..., description="similar, search, cooccurrence, popular, trending, new or profile.")
    text: str = Field(..., description="The reason as a shopper reads it.")


class RecommendationOut(Out):
    product: ProductOut
    score: float
    parts: dict[str, float] = Field(..., description="The score's parts: profile (similarity to the shopper), "
                                                     "cooccurrence (bought together), popularity, cold_start.")
    reason: ReasonOut


class RecommendationsOut(Out):
    shopper: str
    kind: str = Field(..., description="personal, or fallback (popular products) for a shopper with nothing "
                                       "to go on.")
    items: list[RecommendationOut]


class SimilarOut(Out):
    sku: str
    items: list[RecommendationOut]


class SearchHitOut(Out):
    product: ProductOut
    score: float
    similarity: float | None = Field(None, description="Cosine similarity to the query, when found by meaning.")
    matched_by: str = Field(..., description="meaning, words, or meaning and words.")


class SearchOut(Out):
    query: str
    items: list[SearchHitOut]


# --------------------------------------------------------------------------- copy and questions


class CopyOut(Out):
    content_type: str
    language: str
    text: str
    version: int
    updated_at: datetime


class ProductCopyOut(Out):
    sku: str
    items: list[CopyOut] = Field(..., description="The published copy, one per content type and language.")


class QuestionIn(Body):
    text: str = Field(..., min_length=1, max_length=2000, pattern=r"^[^\x00]*$")
    shopper: str | None = Field(None, max_length=200, pattern=r"^[^\x00]*$",
                                description="The storefront's id of the shopper who asked.")
    generate_answer: bool = Field(False, description="Start writing an answer with the generation model now. "
                                                     "It is served only once a person approved it.")


class QuestionOut(Out):
    id: int
    sku: str
    text: str
    language: str
    asked_at: datetime
    status: str = Field(..., description="waiting (no approved answer yet) or answered.")
    answer: str | None = Field(None, description="The approved answer, once a person approved one.")
    answered_at: datetime | None = None


class QuestionListOut(Out):
    sku: str
    items: list[QuestionOut]


# --------------------------------------------------------------------------- campaigns


class CampaignItemOut(Out):
    product: ProductOut
    text: str = Field(..., description="The approved campaign copy written for this product.")


class CampaignOut(Out):
    id: int
    name: str
    goal: str
    segment: str = Field(..., description="The segment the shopper is in: a top category or brand.")
    tag: str = Field(..., description="Send as `campaign` on the view and purchase events this campaign leads to.")
    items: list[CampaignItemOut]


class ShopperCampaignOut(Out):
    shopper: str
    campaign: CampaignOut | None = Field(None, description="None when no campaign with approved copy is "
                                                           "meant for this shopper.")
