"""Shoppers, their events, product embeddings, shopper profiles, per-store
recommendation settings and offline evaluation runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from pgvector.django import HnswIndex, VectorField

from catalog.models import Category, Job, Product, Store

# The column type fixes the dimension (an HNSW index needs it). all-MiniLM-L6-v2
# gives 384; a model with another dimension needs a migration that changes these
# columns, and the embedder refuses to write vectors of the wrong size.
EMBEDDING_DIMENSIONS = 384


class EventType(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    ADD_TO_CART = "add_to_cart", "Added to cart"
    PURCHASE = "purchase", "Bought"
    REVIEW = "review", "Reviewed"
    LIKE = "like", "Liked"
    SHARE = "share", "Shared"
    COMMENT = "comment", "Commented"


# Event types whose text (a query, a comment, a share's message) goes into the profile.
TEXT_EVENT_TYPES = frozenset({EventType.SEARCH, EventType.COMMENT, EventType.SHARE, EventType.REVIEW})
SOCIAL_EVENT_TYPES = frozenset({EventType.LIKE, EventType.SHARE, EventType.COMMENT, EventType.REVIEW})


class Shopper(models.Model):
    """A storefront visitor, known by the storefront's own id. The counters are
    kept by the ingestion service so lists never count events."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="shoppers", db_index=False)
    external_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    event_count = models.PositiveIntegerField(default=0)
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # When events were last added: the profile is rebuilt when it is older.
    events_updated_at = models.DateTimeField(null=True, blank=True)
    profile_stale = models.BooleanField(default=False)

    class Meta:
        ordering = ["-last_event_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "external_id"], name="shopper_unique_store_external_id")
        ]
        indexes = [
            models.Index(fields=["store", "-last_event_at", "-id"], name="shopper_store_recent"),
            models.Index(fields=["store"], condition=models.Q(profile_stale=True), name="shopper_profile_stale"),
        ]

    def __str__(self) -> str:
        return self.external_id

    def get_absolute_url(self) -> str:
        return reverse("recommendations:shopper", kwargs={"store_slug": self.store.slug, "shopper_id": self.pk})


class Event(models.Model):
    """One thing a shopper did. Product events name the product; searches carry
    the query; social events (like, share, comment, review) may carry text."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="events", db_index=False)
    shopper = models.ForeignKey(Shopper, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_type = models.CharField(max_length=20, choices=EventType.choices)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    query = models.CharField(max_length=500, blank=True, default="")
    text = models.TextField(blank=True, default="")
    value = models.FloatField(null=True, blank=True)  # a rating, a quantity, an amount: the storefront's choice
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, default="api")
    # Set by the storefront (or derived from the row for files): a repeat is ignored.
    idempotency_key = models.CharField(max_length=200, blank=True, default="")
    # The storefront's tag of the campaign that led to this event (what the API's
    # campaign endpoint hands out): campaign pages count the shoppers who responded.
    campaign = models.CharField(max_length=100, blank=True, default="")
    # The query or social text embedded (by the profile builder, on the model queue).
    text_embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    text_model_id = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="event_unique_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["store", "id"], name="event_store_id"),
            models.Index(fields=["shopper", "-occurred_at", "-id"], name="event_shopper_recent"),
            models.Index(fields=["store", "campaign", "event_type"], condition=~models.Q(campaign=""),
                         name="event_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.shopper_id} {self.event_type} {self.product_id or self.query}"

    @property
    def has_text(self) -> bool:
        return bool(self.query or self.text)


class ProductEmbedding(models.Model):
    """A product's vector, with the model that made it and the text's hash.

    `dirty` is set when the product changed (an import, a published description:
    catalog.hooks.products_changed); the batched task also compares
    the product's updated_at and the model id, so a change made any other way,
    or a new model, is caught too. A change that leaves the text as it was
    (stock, price) clears the flag without running the model."""

    product = models.OneToOneField(Product, primary_key=True, on_delete=models.CASCADE, related_name="embedding")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    model_id = models.CharField(max_length=200, blank=True, default="")
    text_hash = models.CharField(max_length=64, blank=True, default="")
    source_updated_at = models.DateTimeField(null=True, blank=True)  # the product's updated_at that was embedded
    embedded_at = models.DateTimeField(null=True, blank=True)
    dirty = models.BooleanField(default=True)
    # Copies of the product's filter columns, so a filtered vector query reads this
    # table alone (a join costs a lookup per candidate: measured 2.6x slower for an
    # exact scan of 10k rows). Kept by embeddings_mark_dirty and the embedding job;
    # the products shown are checked against the catalog again (ranking.materialise).
    in_stock = models.BooleanField(default=False)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 db_index=False)

    class Meta:
        indexes = [
            # The operator class must match the distance the queries use (CosineDistance, <=>).
            HnswIndex(
                name="product_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            models.Index(fields=["store", "category"], name="product_embedding_category"),
            models.Index(fields=["store"], condition=models.Q(dirty=True), name="product_embedding_dirty"),
        ]

    def __str__(self) -> str:
        return f"embedding of product {self.product_id} ({self.model_id or 'none'})"


class ShopperProfile(models.Model):
    """What the recommender knows about a shopper, as of `built_at`: the vector
    u = f(x1..xn), the categories and brands they care about, event counts, and
    an optional readable summary written by the generation model."""

    shopper = models.OneToOneField(Shopper, primary_key=True, on_delete=models.CASCADE, related_name="profile")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    vector = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    model_id = models.CharField(max_length=200, blank=True, default="")
    top_categories = models.JSONField(default=list, blank=True)  # [{"name": ..., "share": 0.4}]
    top_brands = models.JSONField(default=list, blank=True)
    event_counts = models.JSONField(default=dict, blank=True)  # {"view": 12, "purchase": 2}
    recent_queries = models.JSONField(default=list, blank=True)
    built_at = models.DateTimeField()
    summary = models.TextField(blank=True, default="")
    summary_model = models.CharField(max_length=200, blank=True, default="")
    summary_built_at = models.DateTimeField(null=True, blank=True)
    # The shopper's stored recommendations (recommendations.services.serving): their top
    # STORED_K under the default filters, each [product id, score, parts, reason kind, reason
    # text], computed from the events up to `recommended_for` (the shopper's
    # events_updated_at then), with the embedding model `recommended_model`.
    recommended = models.JSONField(default=list, blank=True)
    recommended_kind = models.CharField(max_length=20, blank=True, default="")
    recommended_for = models.DateTimeField(null=True, blank=True)
    recommended_model = models.CharField(max_length=200, blank=True, default="")
    recommended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"profile of shopper {self.shopper_id}"


class RecommendationSettings(models.Model):
    """A store's overrides of the scoring defaults (recommendations.scoring):
    only the values an admin changed are stored, so a store that never changed
    a value follows the tuned defaults."""

    store = models.OneToOneField(
        Store, primary_key=True, on_delete=models.CASCADE, related_name="recommendation_settings"
    )
    profile = models.JSONField(default=dict, blank=True)  # ProfileSettings overrides (event_weights nested)
    hybrid = models.JSONField(default=dict, blank=True)  # HybridSettings overrides
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "recommendation settings"

    def __str__(self) -> str:
        return f"recommendation settings of store {self.store_id}"


class EvaluationRun(models.Model):
    """One offline evaluation of the methods on a store's events: what was
    asked (`params`), with which settings, and the metrics per method."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="evaluation_runs")
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluation_run")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)  # recommendations.evaluation.run_evaluation's output

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="evaluation_store_created")]

    def __str__(self) -> str:
        return f"evaluation #{self.pk} of store {self.store_id}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:evaluation", kwargs={"store_slug": self.store.slug}) + f"?run={self.pk}"

    @property
    def methods(self) -> dict:
        return self.result.get("methods", {})

    @property
    def hybrid_ndcg(self) -> float | None:
        k = self.params.get("k", 10)
        return self.methods.get("hybrid", {}).get("normal", {}).get(f"ndcg@{k}")
