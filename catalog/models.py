"""Stores (tenants), their members, the catalog, and the background jobs that
every app runs (imports, generation, embeddings, evaluation, fine-tuning)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from catalog.importing import sku_key, sku_normalize
from catalog.permissions import Role, role_can


class Store(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    default_language = models.CharField(max_length=8, default="en")
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("home", kwargs={"store_slug": self.slug})


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="membership_unique_user_store")]

    def __str__(self) -> str:
        return f"{self.user} in {self.store} ({self.role})"

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)


class Category(models.Model):
    """A node of the store's category tree; `path` is the full name from the
    root ("Abrasive & Finishing Products > Sanding Rolls")."""

    PATH_SEPARATOR = " > "

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=1000)
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["store", "path"], name="category_unique_store_path")]

    def __str__(self) -> str:
        return self.path

    @property
    def ancestors_names(self) -> list[str]:
        return self.path.split(self.PATH_SEPARATOR)


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    # As the merchant wrote it, normalised (catalog.importing.sku_normalize).
    sku = models.CharField(max_length=64)
    # The product's identity within the store (catalog.importing.sku_key): SKUs that
    # differ only in case or zero-width characters are one product. Case folding can
    # lengthen a text ("ß" -> "ss"), hence the room.
    sku_key = models.CharField(max_length=200)
    title = models.CharField(max_length=500)
    brand = models.CharField(max_length=200, blank=True, default="")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    attributes = models.JSONField(default=dict, blank=True)
    stock = models.IntegerField(default=0)
    language = models.CharField(max_length=8, default="en")
    # The merchant's own text from the import; generated copy lives in the content app.
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search = models.GeneratedField(
        expression=SearchVector(
            Coalesce("sku", models.Value("")),
            Coalesce("title", models.Value("")),
            Coalesce("brand", models.Value("")),
            config="simple",
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku_key"], name="product_unique_store_sku_key"),
            # A row written without its key (bulk_create skips save()) fails loudly.
            models.CheckConstraint(condition=~models.Q(sku_key=""), name="product_sku_key_set"),
            models.CheckConstraint(condition=models.Q(price__gte=Decimal("0")), name="product_price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["store", "title", "id"], name="product_store_title"),
            models.Index(fields=["store", "-updated_at", "-id"], name="product_store_updated"),
            models.Index(fields=["store", "category", "title", "id"], name="product_store_category"),
            models.Index(fields=["store", "brand"], name="product_store_brand"),
            GinIndex(fields=["search"], name="product_search_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.title}"

    def save(self, *args, **kwargs):
        # Derived data, not a rule: the key always follows the SKU, however the row is saved.
        self.sku = sku_normalize(self.sku)
        self.sku_key = sku_key(self.sku)
        if kwargs.get("update_fields") is not None and "sku" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sku_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"store_slug": self.store.slug, "product_id": self.pk})

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


# --------------------------------------------------------------------------- API keys


class ApiKey(models.Model):
    """A store's key for its storefront's calls to the REST API. The key itself
    is shown once, when it is made; only its SHA-256 is kept. A key is random
    (256 bits), so a fast hash is as safe here as a slow one is for passwords,
    and a request finds its key with one indexed lookup."""

    class Scope(models.TextChoices):
        EVENTS_WRITE = "events:write", "Send shopper events and questions"
        READ = "read", "Read recommendations, similar products, search, published copy and campaigns"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The key's first characters, shown in the list so a merchant can tell keys apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=20, choices=Scope.choices), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="apikey_store_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


# --------------------------------------------------------------------------- jobs


class Job(models.Model):
    """One background job of any kind, with its progress. Apps keep what is
    particular to a kind in their own model linked one-to-one (ImportBatch,
    content's GenerationJob), so one jobs page lists them all."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        GENERATION = "generation", "Generation"
        EMBEDDING = "embedding", "Embedding"
        PROFILES = "profiles", "Profiles"
        EVALUATION = "evaluation", "Evaluation"
        FINE_TUNING = "fine_tuning", "Fine-tuning"
        CAMPAIGN = "campaign", "Campaign"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTLY_FAILED = "partly_failed", "Partly failed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The Celery task that runs the job, called with the job id: kept so a job whose
    # worker died can be sent again.
    task_name = models.CharField(max_length=200)
    queue = models.CharField(max_length=40, default="default")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    worker = models.CharField(max_length=200, blank=True, default="")
    # Claims so far; the number of the current claim is also its token: every write
    # of a run says which attempt it belongs to, so a run that lost its claim stops.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the task message last went to the broker; null while it has not (the
    # broker was down): the sweep sends it then.
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="job_store_created"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", kwargs={"store_slug": self.store.slug, "job_id": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_unsent(self) -> bool:
        """Queued, but its message never reached the broker: it waits for the sweep."""
        return self.status == self.Status.QUEUED and self.sent_at is None

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * (self.done + self.failed) / self.total))

    @property
    def duration(self) -> timedelta | None:
        if not self.started_at:
            return None
        return (self.finished_at or timezone.now()) - self.started_at

    @property
    def rate_per_second(self) -> float | None:
        """Items per second since the job started."""
        elapsed = self.duration
        processed = self.done + self.failed
        if not elapsed or not processed or elapsed.total_seconds() <= 0:
            return None
        return processed / elapsed.total_seconds()

    @property
    def eta(self) -> timedelta | None:
        rate = self.rate_per_second
        if not self.is_active or not rate or not self.total:
            return None
        remaining = max(0, self.total - self.done - self.failed)
        return timedelta(seconds=round(remaining / rate))


class JobError(models.Model):
    """A per-item failure: the product (or file row) and the reason."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="errors")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)
    row_number = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A job that runs twice records one failure per product, not two.
            models.UniqueConstraint(
                fields=["job", "product"], condition=models.Q(product__isnull=False), name="joberror_unique_product"
            )
        ]

    def __str__(self) -> str:
        return self.message[:80]


# --------------------------------------------------------------------------- import


def _import_upload_path(instance: ImportBatch, filename: str) -> str:
    return f"imports/{instance.store_id}/{timezone.now():%Y%m%d-%H%M%S}-{filename}"


class ImportBatch(models.Model):
    """An uploaded catalog file: validated at upload (the preview), imported by a
    job when the merchant confirms."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        QUEUED = "queued", "Importing"
        IMPORTED = "imported", "Imported"
        DISCARDED = "discarded", "Discarded"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    file = models.FileField(upload_to=_import_upload_path, max_length=500)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)
    encoding = models.CharField(max_length=30, blank=True, default="")
    delimiter = models.CharField(max_length=5, blank=True, default="")
    columns = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    # [{"row": 7, "column": "price", "message": "..."}], the first few hundred.
    errors = models.JSONField(default=list)
    preview = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEW)
    skip_invalid = models.BooleanField(default=False)
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batch")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("catalog:import_preview", kwargs={"store_slug": self.store.slug, "batch_id": self.pk})
