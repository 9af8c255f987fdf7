"""Turning the apps' objects into the API's shapes."""

from __future__ import annotations

from api.schemas import finite
from catalog.models import Product
from recommendations.selectors.ranking import Recommendation


def product_out(product: Product) -> dict:
    return {
        "sku": product.sku, "title": product.title, "brand": product.brand,
        "category": product.category.path if product.category_id else None,
        "price": str(product.price) if product.price is not None else None,
        "currency": product.currency, "in_stock": product.stock > 0,
    }


def recommendation_out(item: Recommendation) -> dict:
    return {
        "product": product_out(item.product), "score": finite(item.score),
        "parts": {name: finite(value) for name, value in item.parts.items()},
        "reason": {"kind": item.reason.kind, "text": item.reason_text},
    }
