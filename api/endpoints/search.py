"""Semantic search over the store's products."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from api.auth import READ
from api.endpoints.common import product_out
from api.errors import errors
from api.schemas import SearchOut, SearchText, Text, finite
from catalog.selectors import category_by_name
from recommendations.selectors.discovery import semantic_search

router = Router(tags=["search"])


class SearchQuery(Schema):
    q: SearchText = Field(..., description="What the shopper typed.")
    k: int = Field(20, ge=1, le=100, description="How many products.")
    in_stock: bool = Field(False, description="Only products in stock.")
    category: Text | None = Field(None, description="Only this category (full path, or a unique name) and below.")


@router.get("/search", response={200: SearchOut, **errors(403, 404)}, auth=READ, summary="Search products",
            description="By meaning (the query's embedding) and by words (Postgres full-text search), blended by "
                        "reciprocal rank fusion.")
def search(request, query: Query[SearchQuery]):
    store = request.auth.store
    category_id = category_by_name(store=store, name=query.category).pk if query.category else None
    hits = semantic_search(store=store, query=query.q, k=query.k, in_stock=query.in_stock, category_id=category_id)
    return {"query": query.q, "items": [
        {"product": product_out(hit.product), "score": finite(hit.score),
         "similarity": finite(hit.similarity) if hit.similarity is not None else None,
         "matched_by": hit.matched_by} for hit in hits]}
