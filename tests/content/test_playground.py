"""The prompt playground and Compare: the prompt it shows is the one
generation sends, previews and comparisons run on the worker and never become
drafts, and only members who may generate start them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog.models import Job, JobError
from catalog.services.jobs import job_claim
from content import services
from content.checks import CHECKS
from content.models import Draft, PromptComparison, PromptTemplate, PromptTrial
from content.prompt_text import PromptValues, attribute_pairs, render_within
from content.services import playground
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.conftest import wait_for
from tests.content.factories import DraftFactory, PromptVersionFactory

FINISHED = (Job.Status.SUCCEEDED, Job.Status.PARTLY_FAILED, Job.Status.FAILED, Job.Status.CANCELLED)
# The first load may convert the GGUF (about 100 s here); later loads take seconds.
FIRST_JOB_TIMEOUT = 600
JOB_TIMEOUT = 300


def url(name, store, **kwargs):
    return reverse(name, kwargs={"store_slug": store.slug, **kwargs})


def description_template(store):
    return PromptTemplate.objects.select_related("store", "active_version").get(
        store=store, content_type="description", language="en")


def quick_version(template, number, text="Product: {title}\nDescription:"):
    """A short prompt and few new tokens: these tests need a model run, not long copy."""
    return PromptVersionFactory(template=template, number=number, text=text,
                                params={"max_new_tokens": 12, "stop": ["\n\n"]})


# --------------------------------------------------------------------------- rendering


@pytest.mark.django_db
def test_the_rendered_prompt_is_what_generation_renders_with_examples_and_neighbours(store):
    template = description_template(store)
    version = template.active_version
    category = CategoryFactory(store=store, name="Gloves", path="Safety > Gloves")
    product = ProductFactory(store=store, title="Nitrile Gloves, Box of 100", brand="LabGuard", category=category,
                             attributes={"material": "nitrile", "size": "M"},
                             description="Textured fingertips and a 4 mil wall.")
    neighbour = ProductFactory(store=store, title="Latex Gloves, Box of 50", brand="LabGuard", category=category,
                               attributes={"material": "latex"})
    approved = DraftFactory(store=store, product=neighbour, status=Draft.Status.APPROVED, content_type="description",
                            language="en", current_text="Soft latex gloves for everyday lab work.")
    tone = services.brand_voice_for(store=store).tone

    shown = playground.playground_prompt(version=version, product=product)

    expected = render_within(version.text, PromptValues(
        title=product.title, sku=product.sku, brand="LabGuard", category="Safety > Gloves",
        attributes=attribute_pairs(product.attributes), description=product.description, store=store.name,
        examples=list(version.examples),
        similar=[PromptValues(title=neighbour.title, sku=neighbour.sku, brand="LabGuard", category="Safety > Gloves",
                              attributes=[("material", "latex")], store=store.name, goal=approved.job.goal,
                              tone=tone, language="en", copy=approved.current_text)],
        tone=tone, language="en",
    ), count_tokens=len, budget=None)
    assert shown.text == expected.text
    assert "\nDetails: Textured fingertips and a 4 mil wall.\n" in shown.text  # the merchant's own words
    assert "Soft latex gloves for everyday lab work." in shown.text
    assert (shown.tokens, shown.trimmed, shown.chat_template_pending) == (None, False, False)


@pytest.mark.django_db
def test_another_stores_product_is_refused(store, other_store, editor_member):
    version = description_template(store).active_version
    foreign = ProductFactory(store=other_store)

    with pytest.raises(ValidationError):
        playground.playground_prompt(version=version, product=foreign)
    with pytest.raises(ValidationError):
        playground.playground_preview_start(membership=editor_member, version=version, product=foreign, send=False)
    assert not PromptTrial.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_the_playground_page_escapes_a_product_title(client_as, viewer_member):
    store = viewer_member.store
    template = description_template(store)
    product = ProductFactory(store=store, title="<script>alert(1)</script> Gloves")

    page = client_as(viewer_member).get(url("content:playground", store, template_id=template.pk),
                                        {"product": product.pk}).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Gloves" in page
    assert "data-prompt-text" in page
    assert "data-preview-button" not in page  # a viewer reads, without buttons


@pytest.mark.timeout(120)  # rendering the spec as Python would builds about 1 GB in the web process
@pytest.mark.django_db
def test_a_viewer_opening_an_older_version_with_a_format_spec_gets_the_reason_not_a_huge_prompt(client_as,
                                                                                              viewer_member):
    store = viewer_member.store
    template = description_template(store)
    version = quick_version(template, 90, text="Product: {title:>1000000000}\nDescription:")  # planted, unvalidated
    product = ProductFactory(store=store)

    response = client_as(viewer_member).get(url("content:playground", store, template_id=template.pk),
                                            {"product": product.pk, "version": version.number})

    assert response.status_code == 200
    assert "Write {title} without" in response.content.decode()
    assert len(response.content) < 200_000


@pytest.mark.django_db
def test_another_stores_product_or_template_is_404(client_as, editor_member, other_store):
    store = editor_member.store
    template = description_template(store)
    client = client_as(editor_member)
    foreign = ProductFactory(store=other_store)

    assert client.get(url("content:playground", store, template_id=template.pk),
                      {"product": foreign.pk}).status_code == 404
    assert client.post(url("content:playground_preview", store, template_id=template.pk),
                       {"product": foreign.pk}).status_code == 404
    assert client.get(url("content:playground", store,
                          template_id=description_template(other_store).pk)).status_code == 404
    assert not PromptTrial.objects.exists()


@pytest.mark.django_db
def test_a_viewer_may_not_start_a_preview_or_comparison(client_as, viewer_member):
    store = viewer_member.store
    template = description_template(store)
    second = quick_version(template, number=99)
    product = ProductFactory(store=store)
    client = client_as(viewer_member)

    preview = client.post(url("content:playground_preview", store, template_id=template.pk),
                          {"product": product.pk})
    compare = client.post(url("content:compare_start", store, template_id=template.pk),
                          {"version_a": template.active_version.number, "version_b": second.number, "count": 1})

    assert (preview.status_code, compare.status_code) == (403, 403)
    assert not PromptTrial.objects.exists() and not PromptComparison.objects.exists()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_editors_preview_queues_one_job_and_a_pending_trial(
        client_as, editor_member, django_capture_on_commit_callbacks):
    store = editor_member.store
    template = description_template(store)
    product = ProductFactory(store=store)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as(editor_member).post(
            url("content:playground_preview", store, template_id=template.pk), {"product": product.pk})

    assert response.status_code == 302
    trial = PromptTrial.objects.get()
    assert (trial.product, trial.prompt_version, trial.is_finished) == (product, template.active_version, False)
    assert (trial.job.task_name, trial.job.queue, trial.job.total) == ("content.tasks.run_playground", "gpu", 1)
    assert len(callbacks) == 1
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_a_comparison_needs_two_versions_of_one_template(editor_member):
    store = editor_member.store
    template = description_template(store)
    ProductFactory(store=store)

    with pytest.raises(ValidationError, match="two different versions"):
        playground.playground_compare_start(membership=editor_member, version_a=template.active_version,
                                            version_b=template.active_version, send=False)
    with pytest.raises(ValidationError, match="1 to 20"):
        playground.playground_compare_start(membership=editor_member, version_a=template.active_version,
                                            version_b=quick_version(template, 99), count=21, send=False)
    assert not PromptComparison.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_an_editors_comparison_shows_pending_rows_and_a_viewer_reads_it_without_buttons(
        client_as, editor_member, viewer_member, django_capture_on_commit_callbacks):
    store = editor_member.store
    template = description_template(store)
    second = quick_version(template, 99)
    ProductFactory(store=store, title="A glue")
    ProductFactory(store=store, title="B tape")
    ProductFactory(store=store, title="C gloves")

    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as(editor_member).post(
            url("content:compare_start", store, template_id=template.pk),
            {"version_a": template.active_version.number, "version_b": second.number, "count": 2})

    comparison = PromptComparison.objects.get()
    assert response.status_code == 302 and response.url == comparison.get_absolute_url()
    assert len(callbacks) == 1 and comparison.job.total == 4
    assert PromptTrial.objects.filter(comparison=comparison).count() == 4
    viewer = client_as(viewer_member)
    page = viewer.get(comparison.get_absolute_url()).content.decode()
    assert page.count("data-product=") == 2 and page.count("Writing…") == 4
    assert "A glue" in page and "B tape" in page and "C gloves" not in page
    compare_page = viewer.get(url("content:compare", store, template_id=template.pk)).content.decode()
    assert "data-compare-button" not in compare_page and comparison.get_absolute_url() in compare_page
    template_page = viewer.get(template.get_absolute_url()).content.decode()
    assert "data-playground-link" in template_page and "data-compare-link" in template_page


# --------------------------------------------------------------------------- with the model on a worker


def finished(job, timeout=JOB_TIMEOUT):
    return wait_for(lambda: Job.objects.filter(pk=job.pk, status__in=FINISHED).first(), timeout=timeout,
                    message=f"playground job #{job.pk} to finish")


@pytest.mark.worker
@pytest.mark.model
@pytest.mark.django_db(transaction=True)
def test_a_preview_writes_a_checked_trial_with_the_prompt_generation_sends_and_no_draft(
        celery_worker, editor_member, client_as):
    store = editor_member.store
    template = description_template(store)
    version = quick_version(template, 99)
    product = ProductFactory(store=store, title="Gorilla Original Gorilla Glue, 8 ounce Bottle", brand="Gorilla")

    trial = playground.playground_preview_start(membership=editor_member, version=version, product=product)
    job = finished(trial.job, timeout=FIRST_JOB_TIMEOUT)

    assert job.status == Job.Status.SUCCEEDED, job.error
    trial.refresh_from_db()
    assert trial.output_text.strip() and not trial.error and trial.is_finished
    assert [result["name"] for result in trial.checks] == list(CHECKS)
    assert trial.failed_checks == [r["name"] for r in trial.checks if not r["passed"]]
    assert trial.prompt == playground.playground_prompt(version=version, product=product).text
    assert trial.prompt_tokens > 0 and trial.completion_tokens > 0 and trial.model_id
    assert not Draft.objects.exists()
    # A generation job with the same version sends the model the very same prompt.
    generation = services.generation_start(store=store, membership=editor_member, content_type="description",
                                           product_ids=[product.pk], template_version=version)
    assert finished(generation).status == Job.Status.SUCCEEDED
    assert Draft.objects.get(job_id=generation.pk).prompt == trial.prompt
    panel = client_as(editor_member).get(url("content:trial_panel", store, trial_id=trial.pk)).content.decode()
    assert "data-trial-output" in panel and "Writing" not in panel


@pytest.mark.worker
@pytest.mark.model
@pytest.mark.django_db(transaction=True)
def test_a_comparison_writes_both_versions_for_each_product_side_by_side(celery_worker, editor_member, client_as):
    store = editor_member.store
    template = description_template(store)
    version_a = quick_version(template, 98)
    version_b = quick_version(template, 99, text="Write one sentence about {title} by {brand}.\nSentence:")
    category = CategoryFactory(store=store, name="Supplies", path="Supplies")
    chosen = [ProductFactory(store=store, title="Medline Nitrile Exam Gloves, Box of 100", brand="Medline",
                             category=category),
              ProductFactory(store=store, title="PTFE Thread Seal Tape, 10 Rolls", brand="SealRight",
                             category=category)]

    comparison = playground.playground_compare_start(
        membership=editor_member, version_a=version_a, version_b=version_b, product_ids=[p.pk for p in chosen],
        seed=7)
    job = finished(comparison.job, timeout=FIRST_JOB_TIMEOUT)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.failed, job.total) == (4, 0, 4)
    trials = PromptTrial.objects.filter(comparison=comparison)
    assert sorted((t.prompt_version_id, t.product_id) for t in trials) == sorted(
        (v.pk, p.pk) for v in (version_a, version_b) for p in chosen)
    assert all(t.output_text.strip() and t.checks and t.seed == 7 for t in trials)
    assert not Draft.objects.exists()
    page = client_as(editor_member).get(comparison.get_absolute_url()).content.decode()
    for product in chosen:
        assert f'data-product="{product.pk}"' in page
    assert page.count("data-trial-output") == 4
    assert 'data-summary-version="98"' in page and 'data-summary-version="99"' in page

    # Run again: nothing is rewritten; a product deleted meanwhile fails alone.
    kept = dict(trials.exclude(product=chosen[1]).values_list("pk", "output_text"))
    deleted_pk = chosen[1].pk
    chosen[1].delete()
    # A second delivery after a crash: the job still says running, its heartbeat old, and is claimed again.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, finished_at=None,
                                         heartbeat_at=timezone.now() - timedelta(hours=1))
    again = job_claim(job.pk)
    result = playground.playground_run(again)
    assert dict(PromptTrial.objects.filter(comparison=comparison).values_list("pk", "output_text")) == kept
    assert result == {"previews": 2, "failed": 2}
    assert (again.done, again.failed, again.total) == (2, 2, 4)
    assert list(JobError.objects.filter(job=job).values_list("message", flat=True)) == [
        f"Product #{deleted_pk} was deleted before its preview was written."]
