"""Prompt templates and their immutable versions, the brand voice, shopper
questions, generation jobs and the drafts they write. The review
workflow (content/services/review.py) moves drafts through the statuses defined here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.urls import reverse

from catalog.models import Job, Product, Store


class ContentType(models.TextChoices):
    DESCRIPTION = "description", "Product description"
    MARKETING = "marketing", "Marketing copy"
    ANSWER = "answer", "Answer to a shopper question"
    VIDEO_SCRIPT = "video_script", "Video script"


class Language(models.TextChoices):
    EN = "en", "English"
    ZH = "zh", "Chinese"


# --------------------------------------------------------------------------- brand voice


class BrandVoice(models.Model):
    """How a store sounds. Prompts read the tone; the checks read the banned
    words, required phrases and target lengths."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="brand_voice")
    tone = models.CharField(max_length=300, blank=True, default="")
    banned_words = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    required_phrases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    # {"description": {"en": [60, 140], "zh": [80, 250]}, ...}: words in English,
    # characters in Chinese (words are not separated by spaces there).
    target_lengths = models.JSONField(default=dict, blank=True)
    default_language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Brand voice of {self.store}"

    def target_length(self, content_type: str, language: str) -> tuple[int, int] | None:
        bounds = (self.target_lengths.get(content_type) or {}).get(language)
        if not bounds or len(bounds) != 2:
            return None
        return int(bounds[0]), int(bounds[1])


# --------------------------------------------------------------------------- prompts


class PromptTemplate(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="prompt_templates")
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    language = models.CharField(max_length=8, choices=Language.choices)
    name = models.CharField(max_length=120)
    # Rolling back is activating an older version; versions themselves never change.
    active_version = models.ForeignKey(
        "PromptVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["content_type", "language", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "content_type", "language", "name"], name="prompttemplate_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_content_type_display()}, {self.language})"

    def get_absolute_url(self) -> str:
        return reverse("content:template", kwargs={"store_slug": self.store.slug, "template_id": self.pk})


class PromptVersion(models.Model):
    """An immutable numbered version of a template: no service edits one; a
    change is a new row with the next number."""

    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    # [{"input": "...", "output": "..."}]: rendered into {examples}.
    examples = models.JSONField(default=list, blank=True)
    # Validated with inference.GenerationParams.from_dict when saved.
    params = models.JSONField(default=dict, blank=True)
    use_chat_template = models.BooleanField(default=False)
    # The name of a model the operator configured (catalog.generation_model.configured_models);
    # empty: the default. Rows saved before names were required may hold a path or a URL,
    # which generation refuses (ModelNotConfigured) instead of loading.
    model = models.CharField(max_length=500, blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="promptversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.template.name} v{self.number}"


# --------------------------------------------------------------------------- shopper questions


class ShopperQuestion(models.Model):
    class Source(models.TextChoices):
        DASHBOARD = "dashboard", "Entered in the dashboard"
        API = "api", "Storefront API"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="shopper_questions")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="shopper_questions")
    text = models.TextField()
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.DASHBOARD)
    # The storefront's own id for the shopper who asked.
    shopper_ref = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    asked_at = models.DateTimeField()

    class Meta:
        ordering = ["-asked_at", "-id"]
        indexes = [models.Index(fields=["product", "-asked_at"], name="question_product_asked")]

    def __str__(self) -> str:
        return self.text[:80]


# --------------------------------------------------------------------------- generation


class GenerationJob(models.Model):
    """What a generation job was asked to do; its status, progress and per-item
    errors live on catalog.Job (same primary key), so the jobs page lists it
    with every other job."""

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE, related_name="generation")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="generation_jobs")
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    language = models.CharField(max_length=8, choices=Language.choices)
    template_version = models.ForeignKey(PromptVersion, on_delete=models.RESTRICT, related_name="generation_jobs")
    tone = models.CharField(max_length=300, blank=True, default="")
    goal = models.CharField(max_length=300, blank=True, default="")  # marketing copy
    instruction = models.CharField(max_length=300, blank=True, default="")  # "shorter" on regenerate
    variants = models.PositiveSmallIntegerField(default=1)
    # Best of n: candidates written per variant; the best that passes the checks is put forward,
    # the others stay as variants not put forward (Draft.Status.CANDIDATE).
    candidates = models.PositiveSmallIntegerField(default=1)
    model_version = models.ForeignKey("ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="generation_jobs")
    # The version's parameters with the job's overrides applied.
    params = models.JSONField(default=dict, blank=True)
    product_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    question_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)  # answer jobs
    # The catalog filter the products came from (kept for the record; the ids are what runs).
    filters = models.JSONField(default=dict, blank=True)
    parent_draft = models.ForeignKey("Draft", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    batch_size = models.PositiveSmallIntegerField(null=True, blank=True)  # None: 2 x GENERATION_BATCH_SIZE
    model_id = models.CharField(max_length=500, blank=True, default="")
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)
    generation_seconds = models.FloatField(default=0.0)  # time spent inside the model
    trimmed_prompts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Generation #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", kwargs={"store_slug": self.store.slug, "job_id": self.pk})

    @property
    def tokens_per_second(self) -> float | None:
        if self.generation_seconds <= 0 or not self.completion_tokens:
            return None
        return self.completion_tokens / self.generation_seconds


class Draft(models.Model):
    class Status(models.TextChoices):
        TO_REVIEW = "to_review", "To review"
        FLAGGED = "flagged", "Flagged"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PUBLISHED = "published", "Published"
        # Best of n: a candidate the job wrote but did not put forward; kept as a variant.
        CANDIDATE = "candidate", "Not put forward"

    REVIEWABLE = (Status.TO_REVIEW, Status.FLAGGED)
    # The queue's tabs: every status but the candidates best of n did not put forward.
    QUEUE_STATUSES = (Status.TO_REVIEW, Status.FLAGGED, Status.APPROVED, Status.REJECTED, Status.PUBLISHED)

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="drafts")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="drafts")
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    language = models.CharField(max_length=8, choices=Language.choices)
    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="drafts")
    prompt_version = models.ForeignKey(PromptVersion, on_delete=models.RESTRICT, related_name="drafts")
    question = models.ForeignKey(
        ShopperQuestion, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts"
    )
    variant = models.PositiveSmallIntegerField(default=1)
    prompt = models.TextField(blank=True, default="")  # what the model was given
    generated_text = models.TextField(blank=True, default="")  # as the model wrote it, never changed
    current_text = models.TextField(blank=True, default="")  # edited by people in review
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_REVIEW)
    # Best of n: how the job ranked this candidate (higher is better; see content.quality.scoring).
    score = models.FloatField(null=True, blank=True)
    checks = models.JSONField(default=list, blank=True)  # [CheckResult.to_dict()] of current_text
    failed_checks = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # MinHash of current_text and its LSH band keys: near-duplicate candidates
    # come from an indexed overlap instead of comparing every draft.
    signature = ArrayField(models.BigIntegerField(), default=list, blank=True)
    band_keys = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    model_id = models.CharField(max_length=500, blank=True, default="")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    prompt_trimmed = models.BooleanField(default=False)
    # Optimistic locking for edits: a save carries the version it started from.
    version = models.PositiveIntegerField(default=1)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    # Review: who decided last, and when each step happened.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True, default="")
    # Set on approval, for the prompt record: normalized edit distance between
    # generated_text and the approved current_text (0 unchanged, 1 all different)
    # and seconds from creation to approval.
    edit_distance = models.FloatField(null=True, blank=True)
    review_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A job run twice writes each product/question/variant once.
            models.UniqueConstraint(
                fields=["job", "product", "question", "variant"],
                name="draft_unique_job_item_variant",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="draft_queue"),
            # Keyset pagination of the review queue on (-created_at, -id).
            models.Index(fields=["store", "status", "-created_at", "-id"], name="draft_queue_keyset"),
            models.Index(fields=["job", "status"], name="draft_job_status"),
            models.Index(fields=["prompt_version", "status"], name="draft_version_status"),
            models.Index(fields=["store", "content_type", "status"], name="draft_store_type_status"),
            models.Index(fields=["product", "content_type", "language", "-created_at"], name="draft_product_latest"),
            GinIndex(fields=["failed_checks"], name="draft_failed_checks_gin"),
            GinIndex(fields=["band_keys"], name="draft_band_keys_gin"),
        ]

    def __str__(self) -> str:
        return f"Draft #{self.pk} ({self.get_content_type_display()}) of {self.product_id}"

    @property
    def is_reviewable(self) -> bool:
        return self.status in self.REVIEWABLE

    @property
    def failing_results(self) -> list[dict]:
        return [result for result in self.checks if not result.get("passed")]


# --------------------------------------------------------------------------- review


class DraftEvent(models.Model):
    """One line of a draft's history: a transition, an edit, a comment. Written
    only by content.services.review, never changed afterwards."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PUBLISHED = "published", "Published"
        REOPENED = "reopened", "Reopened"
        REGENERATED = "regenerated", "Regenerated"
        COMMENTED = "commented", "Commented"
        RESTORED = "restored", "Restored"
        # The draft's text stopped being the live copy (another draft was
        # published, or an older version restored); it goes back to approved.
        UNPUBLISHED = "unpublished", "Replaced on the live copy"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="draft_events")
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    # {"version": n, "before": ..., "after": ...} for edits, {"job": id} for regenerate.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["draft", "created_at"], name="draftevent_draft_created"),
            # The home page's acceptance chart: a store's decisions by week.
            models.Index(fields=["store", "action", "created_at"], name="draftevent_store_action"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} draft #{self.draft_id}"


class PublishedCopy(models.Model):
    """The live copy of a product for one content type and language, kept apart
    from drafts; its history is in PublishedCopyVersion."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="published_copies")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="published_copies")
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    language = models.CharField(max_length=8, choices=Language.choices)
    text = models.TextField()
    version_number = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "content_type", "language"], name="publishedcopy_unique_product_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_content_type_display()} ({self.language}) of {self.product_id} v{self.version_number}"


class PublishedCopyVersion(models.Model):
    copy = models.ForeignKey(PublishedCopy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    restored_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["copy", "number"], name="publishedcopyversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"v{self.number} of {self.copy_id}"


# --------------------------------------------------------------------------- playground


class PromptComparison(models.Model):
    """Two versions of one template run on the same products with the same
    seed (Compare). Its PromptTrial rows hold the outputs."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="prompt_comparisons")
    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="comparisons")
    version_a = models.ForeignKey(PromptVersion, on_delete=models.CASCADE, related_name="+")
    version_b = models.ForeignKey(PromptVersion, on_delete=models.CASCADE, related_name="+")
    product_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    seed = models.PositiveIntegerField()
    goal = models.CharField(max_length=300, blank=True, default="")  # marketing copy
    question = models.CharField(max_length=500, blank=True, default="")  # answers
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="comparison")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Comparison #{self.pk}: v{self.version_a.number} / v{self.version_b.number}"

    def get_absolute_url(self) -> str:
        return reverse("content:comparison", kwargs={"store_slug": self.store.slug, "comparison_id": self.pk})


class PromptTrial(models.Model):
    """One output of a version for one product, written by the playground: a
    try, not a draft, so it never enters the review queue."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="prompt_trials")
    prompt_version = models.ForeignKey(PromptVersion, on_delete=models.CASCADE, related_name="trials")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prompt_trials")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="prompt_trials")
    comparison = models.ForeignKey(PromptComparison, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="trials")
    goal = models.CharField(max_length=300, blank=True, default="")
    question = models.CharField(max_length=500, blank=True, default="")
    seed = models.PositiveIntegerField(null=True, blank=True)
    prompt = models.TextField(blank=True, default="")  # exactly what the model was given
    prompt_tokens = models.PositiveIntegerField(default=0)
    prompt_trimmed = models.BooleanField(default=False)
    output_text = models.TextField(blank=True, default="")
    checks = models.JSONField(default=list, blank=True)  # [CheckResult.to_dict()]
    failed_checks = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    model_id = models.CharField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A job run twice writes each (version, product) once.
            models.UniqueConstraint(fields=["job", "prompt_version", "product"], name="prompttrial_unique_job_item")
        ]
        indexes = [models.Index(fields=["prompt_version", "-created_at"], name="prompttrial_version_created")]

    def __str__(self) -> str:
        return f"Trial #{self.pk} of v{self.prompt_version_id} on {self.product_id}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def failing_results(self) -> list[dict]:
        return [result for result in self.checks if not result.get("passed")]


# --------------------------------------------------------------------------- campaigns


class Campaign(models.Model):
    """A personalised campaign: a goal ("Back to school, 15% off binders"), the
    shoppers it speaks to, split into segments by their top category or brand
    (optionally only those active lately), and the content type its copy is
    written as. Each segment gets products from its shoppers' recommendations and
    a generation job that writes copy around them; the drafts go through review
    like any other, and the API serves a shopper the approved copy of their
    segment."""

    class SegmentBy(models.TextChoices):
        CATEGORY = "category", "Top category"
        BRAND = "brand", "Top brand"

    class Status(models.TextChoices):
        BUILDING = "building", "Finding segments"
        READY = "ready", "Running"
        FAILED = "failed", "Failed"
        ENDED = "ended", "Ended"

    CONTENT_TYPES = (ContentType.MARKETING, ContentType.VIDEO_SCRIPT)

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    goal = models.CharField(max_length=300)
    content_type = models.CharField(max_length=20, choices=ContentType.choices, default=ContentType.MARKETING)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    segment_by = models.CharField(max_length=10, choices=SegmentBy.choices, default=SegmentBy.CATEGORY)
    # Only shoppers with an event in the last this many days; None: every shopper with a profile.
    active_days = models.PositiveIntegerField(null=True, blank=True)
    max_segments = models.PositiveSmallIntegerField(default=5)
    products_per_segment = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "status", "-created_at"], name="campaign_store_status")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("content:campaign", kwargs={"store_slug": self.store.slug, "campaign_id": self.pk})


class CampaignSegment(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="segments")
    value = models.CharField(max_length=200)  # the category or brand
    size = models.PositiveIntegerField(default=0)  # shoppers in it when the campaign was built
    product_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)  # best first
    generation = models.ForeignKey(GenerationJob, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size", "value"]
        constraints = [models.UniqueConstraint(fields=["campaign", "value"], name="campaignsegment_unique_value")]

    def __str__(self) -> str:
        return f"{self.value} ({self.size})"

    @property
    def tag(self) -> str:
        """What the storefront sends back as `campaign` on the events the campaign led to."""
        return f"{self.campaign_id}:{self.pk}"


class CampaignServe(models.Model):
    """A shopper the API served a segment's copy to (once per shopper): the
    base of the segment's click and purchase rates."""

    segment = models.ForeignKey(CampaignSegment, on_delete=models.CASCADE, related_name="serves")
    shopper_ref = models.CharField(max_length=200)
    first_served_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "shopper_ref"], name="campaignserve_unique")]

    def __str__(self) -> str:
        return f"{self.shopper_ref} in {self.segment_id}"


# --------------------------------------------------------------------------- model versions


class ModelVersion(models.Model):
    """A tuned model a store can write with: the operator's configured base model plus a LoRA
    adapter the app itself trained (or shipped), never a path or URL someone typed. Its record:
    where the training data came from (sources, count, hash), the parameters, the loss curve,
    the speed, and the yardstick's results (CopyEvaluation rows)."""

    class Status(models.TextChoices):
        TRAINING = "training", "Training"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        CORPUS = "corpus", "Product-copy corpus"
        APPROVALS = "approvals", "This store's approved drafts"
        BUNDLED = "bundled", "Bundled with the app"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="model_versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRAINING)
    # The configured model the adapter was trained on (GENERATION_MODEL's id); an adapter only
    # fits the model it was trained on, so generation refuses a version whose base differs.
    base_model_id = models.CharField(max_length=500)
    # A folder under MODEL_ADAPTER_DIR, relative to it, written by the app.
    adapter = models.CharField(max_length=300, blank=True, default="")
    adapter_bytes = models.PositiveBigIntegerField(default=0)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_version")
    sources = ArrayField(models.CharField(max_length=20, choices=Source.choices), default=list, blank=True)
    training_examples = models.PositiveIntegerField(default=0)
    training_data_hash = models.CharField(max_length=64, blank=True, default="")
    # Per source: examples used, products considered, why others were left out; the approvals cutoff.
    training_data = models.JSONField(default=dict, blank=True)
    # Approved drafts up to this moment are in the training data ("retrain" counts those after it).
    approvals_until = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    loss_curve = models.JSONField(default=list, blank=True)  # [[step, loss], ...]
    training_seconds = models.FloatField(default=0.0)
    examples_per_second = models.FloatField(default=0.0)
    device = models.CharField(max_length=60, blank=True, default="")
    # Whether prompts keep the template's few-shot examples: a tuned model learnt the task, so by
    # default its prompts leave them out (and their tokens).
    few_shot = models.BooleanField(default=False)
    # Best of n for jobs that write with this version and do not choose: what the yardstick found
    # worth its cost for it (the bundled version: 4, bench/RESULTS.md "Copy quality").
    candidates = models.PositiveSmallIntegerField(default=1)
    note = models.CharField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["store", "-number"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="modelversion_unique_number")]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("content:model_version", kwargs={"store_slug": self.store.slug, "version_id": self.pk})

    @property
    def label(self) -> str:
        return f"v{self.number} {self.name}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class ModelActivation(models.Model):
    """Which model version a store (or one of its templates) writes with, from `created_at` on:
    the latest row wins, and the rows are the history rolling back walks. A null version is
    the base model without an adapter."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="model_activations")
    template = models.ForeignKey(PromptTemplate, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="model_activations")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="activations")
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "template", "-created_at"], name="modelactivation_latest")]

    def __str__(self) -> str:
        return f"{self.model_version or 'base model'} for {self.template or self.store}"


# --------------------------------------------------------------------------- the copy yardstick


class CopyEvaluation(models.Model):
    """One run of the yardstick: a model version and a store's description templates writing for
    a fixed, seeded held-back set (corpus products and some of the store's own), with every check
    run on every draft. `results` holds the figures per subset; the drafts are kept."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="copy_evaluations")
    job = models.OneToOneField(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="copy_evaluation")
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="evaluations")
    model_id = models.CharField(max_length=500, blank=True, default="")
    # {"en": PromptVersion id, "zh": ...}: the description templates' versions used.
    template_versions = models.JSONField(default=dict, blank=True)
    candidates = models.PositiveSmallIntegerField(default=1)  # best of n
    # Candidates are written one at a time until one is good enough (content.quality.scoring);
    # False: all n are written, as every evaluation before it was.
    stop_early = models.BooleanField(default=True)
    constrain_numbers = models.BooleanField(default=True)
    # English drafts write only copy's generic words and the product's own (content.quality.words).
    constrain_words = models.BooleanField(default=True)
    seed = models.PositiveIntegerField(default=0)
    # Over the templates' parameters (a benchmark's smoke run writes shorter drafts); usually empty.
    params_overrides = models.JSONField(default=dict, blank=True)
    corpus_per_language = models.PositiveSmallIntegerField(default=100)
    product_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)  # the store's held-back products
    results = models.JSONField(default=dict, blank=True)  # {subset: {metric: value}}
    load_average = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Copy evaluation #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("content:copy_evaluation", kwargs={"store_slug": self.store.slug, "evaluation_id": self.pk})

    @property
    def label(self) -> str:
        model = self.model_version.label if self.model_version_id else "base model"
        if self.candidates == 1:
            return model
        return f"{model}, best of {self.candidates}" + ("" if self.stop_early else " (all written)")


class CopyEvaluationDraft(models.Model):
    """One product's draft in a yardstick run, with its checks and the candidates it beat, and a
    reader's verdict: whether a merchant would approve it as it stands, after an edit, or not at
    all (what no check can say)."""

    class Verdict(models.TextChoices):
        AS_IS = "as_is", "Approve as it stands"
        AFTER_EDIT = "after_edit", "Approve after an edit"
        REJECT = "reject", "Reject"

    evaluation = models.ForeignKey(CopyEvaluation, on_delete=models.CASCADE, related_name="drafts")
    subset = models.CharField(max_length=20)  # "corpus_en", "corpus_zh", "store"
    item_key = models.CharField(max_length=64)  # corpus id or product SKU
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8, choices=Language.choices)
    title = models.CharField(max_length=500)
    facts = models.JSONField(default=dict, blank=True)  # brand, category, attributes as given
    reference = models.TextField(blank=True, default="")  # the human description (corpus products)
    prompt = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="")
    checks = models.JSONField(default=list, blank=True)
    failed_checks = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    passed = models.BooleanField(default=False)
    claims = models.PositiveSmallIntegerField(default=0)
    similarity = models.FloatField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    # The other candidates of best-of-n: [{"text", "failed_checks", "claims", "score"}]
    others = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True, default="")
    verdict_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    verdict_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "subset", "position"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "subset", "item_key"], name="copyevaluationdraft_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subset} {self.item_key} in evaluation #{self.evaluation_id}"

    @property
    def failing_results(self) -> list[dict]:
        return [result for result in self.checks if not result.get("passed")]
