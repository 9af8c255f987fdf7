"""The generation job's body run in this process with the real default model:
trimming against the real tokenizer, answers grounded in a question, and a
product whose prompt cannot fit. (test_tasks.py runs jobs on the worker.)"""

import pytest
from django.test import override_settings
from django.utils import timezone

from catalog.models import Job, JobError
from catalog.services.jobs import run_job
from content import services
from content.models import Draft, GenerationJob
from content.services.generation import generation_run
from tests.catalog.factories import ProductFactory
from tests.content.factories import ShopperQuestionFactory

pytestmark = [pytest.mark.model, pytest.mark.django_db]

SHORT = {"max_new_tokens": 24}


@override_settings(GENERATION_CONTEXT_LENGTH=160)
def test_long_prompts_are_trimmed_and_one_that_cannot_fit_fails_alone(editor_member):
    store = editor_member.store
    normal = ProductFactory(store=store, title="Nitrile Exam Gloves, Box of 100", brand="Medline",
                            attributes={"material": "nitrile", "pack size": "100"})
    # 500 characters of part numbers: too long for a 136-token prompt budget on its own.
    huge = ProductFactory(store=store, title=" ".join(f"X{n:03d}-Q{n * 7:04d}" for n in range(50))[:500])
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[normal.pk, huge.pk], params_overrides=SHORT, send=False)

    run_job(job.pk, generation_run)

    job.refresh_from_db()
    assert job.status == Job.Status.PARTLY_FAILED, job.error
    assert (job.done, job.failed) == (1, 1)
    draft = Draft.objects.get(job_id=job.pk)
    assert draft.product == normal and draft.prompt_trimmed and draft.current_text
    assert "Digital Caliper" not in draft.prompt  # the examples went after the attributes
    assert draft.prompt.endswith("Product: Nitrile Exam Gloves, Box of 100\nBrand: Medline\nDescription:")
    assert draft.prompt_tokens <= 160 - 24
    error = JobError.objects.get(job=job)
    assert error.product == huge
    assert error.message.startswith("The prompt could not be rendered: The prompt needs ")
    assert GenerationJob.objects.get(pk=job.pk).trimmed_prompts == 1


def test_an_answer_is_written_for_each_open_question_grounded_in_the_product(editor_member):
    store = editor_member.store
    product = ProductFactory(store=store, title="Digital Pocket Scale 500 g x 0.01 g", brand="Mitsuwa",
                             attributes={"capacity": "500 g"}, description="Weighs samples up to 500 g.")
    question = ShopperQuestionFactory(product=product, text="Can it weigh a 2 kg bag of flour?")
    job = services.generation_start(store=store, membership=editor_member, content_type="answer",
                                    product_ids=[product.pk], params_overrides=SHORT, variants=2, send=False)

    run_job(job.pk, generation_run)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    drafts = list(Draft.objects.filter(job_id=job.pk).order_by("variant"))
    assert [(d.question, d.variant) for d in drafts] == [(question, 1), (question, 2)]
    assert all(d.current_text for d in drafts)
    assert drafts[0].prompt.endswith(
        "Product: Digital Pocket Scale 500 g x 0.01 g\nBrand: Mitsuwa\nFacts: capacity: 500 g\n"
        "Description: Weighs samples up to 500 g.\nQuestion: Can it weigh a 2 kg bag of flour?\nAnswer:"
    )


def test_a_job_streams_its_batches_through_one_model_call_and_writes_each_as_it_is_done(
        editor_member, caplog, monkeypatch):
    # Batches of 2 drafts, decoded 2 at a time: the next batch's prompts start as soon as a draft
    # of the one before is done, not after its longest draft, and each batch is still written
    # (and its progress saved) on its own.
    store = editor_member.store
    chosen = [ProductFactory(store=store, title=f"Borosilicate beaker, {size} ml", brand="Pyrex")
              for size in (50, 100, 250, 400, 600, 1000)]
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], params_overrides=SHORT, batch_size=2,
                                    send=False)
    progress: list[int] = []
    from catalog.services import jobs

    recorded = jobs.job_progress

    def recording_progress(job, **fields):
        if fields.get("done") is not None:
            progress.append(fields["done"])
        return recorded(job, **fields)

    monkeypatch.setattr("content.services.generation.job_progress", recording_progress)

    with caplog.at_level("INFO", logger="inference.generation.llama.generator"):
        run_job(job.pk, generation_run)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert Draft.objects.filter(job_id=job.pk).count() == 6
    calls = [record for record in caplog.records
             if record.name == "inference.generation.llama.generator" and record.msg == "generation.batch_done"]
    assert [(call.prompts, call.batch_size) for call in calls] == [(6, 2)]
    assert progress == [0, 2, 4, 6]


def test_a_job_cancelled_midway_frees_the_model_at_once(editor_member, monkeypatch):
    from catalog import generation_model
    from catalog.services import jobs
    from inference.generation import get_generator

    store = editor_member.store
    chosen = [ProductFactory(store=store, title=f"Nitrile gloves, size {size}", brand="Medline")
              for size in ("S", "M", "L", "XL")]
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in chosen], params_overrides=SHORT, batch_size=1,
                                    send=False)
    recorded = jobs.job_progress

    def cancelling_progress(job, **fields):
        if fields.get("done"):
            Job.objects.filter(pk=job.pk).update(cancel_requested_at=timezone.now())
        return recorded(job, **fields)

    monkeypatch.setattr("content.services.generation.job_progress", cancelling_progress)

    run_job(job.pk, generation_run)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert Draft.objects.filter(job_id=job.pk).count() == 1
    generator = get_generator(generation_model.model_spec())
    assert generator._lock.acquire(blocking=False)  # the stream was closed
    generator._lock.release()
    context = generator._decoder.context
    assert all(context.first_position(sequence) == -1 for sequence in range(1, context.sequences))
