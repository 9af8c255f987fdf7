"""Generation jobs with the real default model on a real Celery worker
through the real broker. Few products and few new tokens keep this quick."""

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Job, JobError
from catalog.services.jobs import job_cancel, job_send
from content import services
from content.checks import CHECKS
from content.models import Draft, GenerationJob, PromptTemplate
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.conftest import CUT_OFF_MODEL, wait_for
from tests.content.factories import PromptVersionFactory

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]

FINISHED = (Job.Status.SUCCEEDED, Job.Status.PARTLY_FAILED, Job.Status.FAILED, Job.Status.CANCELLED)
# The first load converts the GGUF (about 100 s here); later loads take seconds.
FIRST_JOB_TIMEOUT = 600
JOB_TIMEOUT = 300
SHORT = {"max_new_tokens": 24}

DEMO_PRODUCTS = [
    ("B0000223SK", "PORTER-CABLE 740001201 4 1/2-Inch by 10yd 120 Grit Adhesive-Backed Sanding Roll", "PORTER-CABLE",
     {"grit": "120 grit", "size": "4 1/2-Inch by 10yd"}),
    ("B0000223UV", "Gorilla Original Gorilla Glue, Waterproof Polyurethane Glue, 8 ounce Bottle, Brown", "Gorilla",
     {"volume": "8 ounce", "material": "polyurethane", "color": "brown"}),
    ("B00004Z4EO", "Medline Nitrile Exam Gloves, Powder-Free, Box of 100", "Medline",
     {"pack size": "100", "material": "nitrile"}),
    ("B000FK3XY2", "Digital Caliper 6 Inch, Stainless Steel, 0.01 mm Resolution", "Neiko",
     {"size": "6 Inch", "material": "stainless steel"}),
    ("B000BQL3FU", "Borosilicate Glass Beaker Set, 50/100/250/500 ml", "ClearLab",
     {"material": "borosilicate, glass", "volume": "50-500 ml"}),
    ("B001GAQ4BK", "PTFE Thread Seal Tape 1/2 Inch x 520 Inch, 10 Rolls", "SealRight",
     {"material": "ptfe", "pack size": "10"}),
    ("B0002YQJ1S", "Safety Glasses with Clear Anti-Fog Lens, Pack of 12", "3M",
     {"pack size": "12", "color": "clear"}),
    ("B000NPUKHM", "Cordless Hot Glue Gun with 30 Glue Sticks", "Gorilla",
     {"pack size": "30"}),
]


def quick_version(store):
    """A prompt without examples: tests about the job's life need a model run,
    not the default prompt's few hundred tokens of examples."""
    return PromptVersionFactory(template__store=store, text="Product: {title}\nDescription:",
                                params={"max_new_tokens": 12, "stop": ["\n\n"]})


def products(store, count):
    category = CategoryFactory(store=store, name="Supplies", path="Supplies")
    return [ProductFactory(store=store, sku=sku, title=title, brand=brand, attributes=attributes, category=category)
            for sku, title, brand, attributes in DEMO_PRODUCTS[:count]]


def finished(job, timeout=JOB_TIMEOUT):
    return wait_for(lambda: Job.objects.filter(pk=job.pk, status__in=FINISHED).first(), timeout=timeout,
                    message=f"generation job #{job.pk} to finish")


def test_a_job_over_three_products_writes_checked_drafts_and_reaches_its_total(celery_worker, editor_member):
    store = editor_member.store
    chosen = products(store, 3)

    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], params_overrides=SHORT)

    job = finished(job, timeout=FIRST_JOB_TIMEOUT)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.failed, job.total) == (3, 0, 3)
    drafts = list(Draft.objects.filter(job_id=job.pk).order_by("product_id"))
    assert [d.product_id for d in drafts] == [p.pk for p in chosen]
    for draft in drafts:
        assert draft.generated_text.strip() and draft.current_text == draft.generated_text
        assert [result["name"] for result in draft.checks] == list(CHECKS)
        assert draft.status in (Draft.Status.TO_REVIEW, Draft.Status.FLAGGED)
        assert draft.failed_checks == [r["name"] for r in draft.checks if not r["passed"]]
        assert f"\n\nProduct: {draft.product.title}\nBrand: {draft.product.brand}\nCategory: Supplies\n" in draft.prompt
        assert draft.prompt.endswith("\nDescription:")
        assert draft.completion_tokens > 0 and draft.prompt_tokens > 100 and draft.latency_ms > 0
        assert draft.model_id and draft.version == 1 and not draft.prompt_trimmed
    generation = GenerationJob.objects.get(pk=job.pk)
    assert generation.completion_tokens == sum(d.completion_tokens for d in drafts)
    assert generation.tokens_per_second > 0
    assert job.result["drafts"] == 3


def test_a_job_of_eight_products_writes_eight_drafts_with_tokens_and_latency(celery_worker, editor_member):
    store = editor_member.store
    chosen = products(store, 8)

    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], params_overrides=SHORT)

    job = finished(job, timeout=FIRST_JOB_TIMEOUT)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.failed, job.total) == (8, 0, 8)
    drafts = list(Draft.objects.filter(job_id=job.pk))
    assert sorted(d.product_id for d in drafts) == sorted(p.pk for p in chosen)
    for draft in drafts:
        assert draft.generated_text.strip()
        assert 0 < draft.completion_tokens <= SHORT["max_new_tokens"] and draft.prompt_tokens > 100
        assert draft.latency_ms > 0 and draft.model_id == "gemma-3-270m-q4_k_m"
    generation = GenerationJob.objects.get(pk=job.pk)
    assert generation.completion_tokens == sum(d.completion_tokens for d in drafts)
    assert generation.tokens_per_second > 0


def test_cancelling_stops_the_job_after_the_batch_it_is_on(celery_worker, editor_member):
    store = editor_member.store
    chosen = products(store, 6)
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], template_version=quick_version(store),
                                    batch_size=1)

    wait_for(lambda: Job.objects.filter(pk=job.pk, done__gte=1).exists(), timeout=FIRST_JOB_TIMEOUT,
             message="the first batch")
    job_cancel(job=job, membership=editor_member)

    job = finished(job)
    assert job.status == Job.Status.CANCELLED
    written = Draft.objects.filter(job_id=job.pk).count()
    assert 1 <= written < 6
    assert job.done == written


def test_a_second_run_after_a_crash_writes_only_the_missing_drafts(celery_worker, editor_member):
    store = editor_member.store
    chosen = products(store, 3)
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], template_version=quick_version(store))
    finished(job, timeout=FIRST_JOB_TIMEOUT)
    kept = dict(Draft.objects.filter(job_id=job.pk).exclude(product=chosen[2]).values_list("product_id", "pk"))
    # The worker died after two products: the third draft never got written and
    # the job still says running, with an old heartbeat.
    Draft.objects.filter(job_id=job.pk, product=chosen[2]).delete()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, done=2, finished_at=None,
                                         heartbeat_at=timezone.now() - timezone.timedelta(hours=1))

    job_send(job_id=job.pk, task_name=job.task_name)

    job = finished(job)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.total, job.attempts) == (3, 3, 2)
    drafts = Draft.objects.filter(job_id=job.pk)
    assert drafts.count() == 3
    assert dict(drafts.exclude(product=chosen[2]).values_list("product_id", "pk")) == kept  # not redone
    assert drafts.filter(product=chosen[2]).count() == 1


def test_a_product_that_fails_is_recorded_while_the_others_complete(celery_worker, editor_member):
    store = editor_member.store
    chosen = products(store, 3)
    deleted = chosen[1].pk
    with transaction.atomic():
        job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                        product_ids=[p.pk for p in chosen], template_version=quick_version(store))
        # Deleted after the job was asked for, before the worker got to it.
        chosen[1].delete()

    job = finished(job)
    assert job.status == Job.Status.PARTLY_FAILED
    assert (job.done, job.failed, job.total) == (2, 1, 3)
    assert [error.message for error in JobError.objects.filter(job=job)] == [
        f"Product #{deleted} was deleted before its copy was written."
    ]
    assert sorted(Draft.objects.filter(job_id=job.pk).values_list("product_id", flat=True)) == sorted(
        [chosen[0].pk, chosen[2].pk])


def test_a_missing_model_file_fails_the_job_with_a_readable_reason(celery_worker, admin_member):
    store = admin_member.store
    chosen = products(store, 2)
    template = PromptTemplate.objects.get(store=store, content_type="description", language="en")
    broken = services.prompt_version_create(
        template=template, membership=admin_member, text=template.active_version.text,
        examples=template.active_version.examples, params=template.active_version.params,
        model="missing-finetune", note="A fine-tune that was never copied here",
    )

    job = services.generation_start(store=store, membership=admin_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], template_version=broken)

    job = finished(job)
    assert job.status == Job.Status.FAILED
    assert "could not be loaded" in job.error
    assert "/nonexistent/models/gemma-finetuned.gguf" in job.error and "not found" in job.error
    assert not Draft.objects.filter(job_id=job.pk).exists()


def test_a_broken_model_file_fails_the_job_with_a_readable_reason(celery_worker, admin_member):
    store = admin_member.store
    chosen = products(store, 2)
    broken = CUT_OFF_MODEL  # the header of a copy that was cut off (GENERATION_MODELS offers it)
    template = PromptTemplate.objects.get(store=store, content_type="description", language="en")
    version = services.prompt_version_create(
        template=template, membership=admin_member, text=template.active_version.text,
        examples=template.active_version.examples, params=template.active_version.params,
        model="cut-off-finetune", note="A fine-tune whose copy broke off",
    )

    job = services.generation_start(store=store, membership=admin_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], template_version=version)

    job = finished(job)
    assert job.status == Job.Status.FAILED
    assert "The generation model 'cut-off-finetune' could not be loaded: " in job.error
    assert f"could not load GGUF file {broken}: " in job.error
    assert not Draft.objects.filter(job_id=job.pk).exists()
