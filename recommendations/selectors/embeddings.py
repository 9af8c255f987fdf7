"""How current a store's product vectors are."""

from __future__ import annotations

from django.db.models import Count, Max, Q

from catalog.models import Job, Product, Store
from recommendations.embedding_model import configured_model_id
from recommendations.models import ProductEmbedding


def embedding_status(*, store: Store) -> dict:
    """How current the store's vectors are, for the settings page and the home page."""
    model_id = configured_model_id()
    products = Product.objects.filter(store=store).count()
    counts = ProductEmbedding.objects.filter(store=store).aggregate(
        current=Count("pk", filter=Q(model_id=model_id, embedding__isnull=False, dirty=False)),
        dirty=Count("pk", filter=Q(dirty=True)),
        other_model=Count("pk", filter=~Q(model_id=model_id) & Q(embedding__isnull=False)),
        last=Max("embedded_at"),
    )
    return {
        "model_id": model_id,
        "products": products,
        "current": counts["current"],
        "waiting": max(products - counts["current"], 0),
        "dirty": counts["dirty"],
        "other_model": counts["other_model"],
        "last_embedded_at": counts["last"],
        "active_job": Job.objects.filter(store=store, kind=Job.Kind.EMBEDDING, status__in=Job.ACTIVE_STATUSES).first(),
    }
