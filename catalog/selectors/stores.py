"""Reads of stores: what the home page counts, and which stores a user works in."""

from __future__ import annotations

from catalog.models import Category, Job, Membership, Product, Store
from catalog.selectors.products import count_capped


def store_overview(*, store: Store) -> dict:
    products = Product.objects.filter(store=store)
    product_count, capped = count_capped(products, cap=1_000_000)
    return {
        "product_count": product_count,
        "product_count_capped": capped,
        "in_stock": products.filter(stock__gt=0).count(),
        "category_count": Category.objects.filter(store=store).count(),
        "active_jobs": list(Job.objects.filter(store=store, status__in=Job.ACTIVE_STATUSES)[:10]),
        "recent_jobs": list(Job.objects.filter(store=store)[:6]),
    }


def first_membership(*, user) -> Membership | None:
    """The user's membership in the first of their stores, by name."""
    return Membership.objects.filter(user=user).select_related("store").order_by("store__name").first()
