"""A store's model version trained on its approved drafts by a real Celery worker (the gpu queue)
with the real default model: progress per step, the adapter converted for llama.cpp, the version
chosen for the store and used by the next generation job; and a cancelled training run."""

import shutil

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import Job
from catalog.services.jobs import job_cancel
from content import services
from content.models import Draft, GenerationJob, ModelVersion
from content.selectors.model_versions import retrain_summary
from content.services.training import model_version_activate, model_version_train
from tests.catalog.factories import ProductFactory
from tests.conftest import wait_for
from tests.content.factories import DraftFactory

pytestmark = [pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]

FINISHED = (ModelVersion.Status.READY, ModelVersion.Status.FAILED, ModelVersion.Status.CANCELLED)
TINY = {"rank": 2, "alpha": 4, "batch_size": 3, "learning_rate": 1e-3, "warmup_steps": 1}
APPROVED = [
    ("Nitrile Exam Gloves, Box of 100", "Nitrile exam gloves for the lab, 100 to a box, easy to pull on.", 0.0),
    ("Glass Beaker, 250 ml", "A glass beaker that holds 250 ml, for mixing and measuring at the bench.", 0.3),
    ("Steel Ruler", "A steel ruler with clear markings for quick, straight measurements.", 0.0),
    ("Spray Bottle", "A spray bottle for water and cleaning solutions around the workshop.", 0.1),
    ("Cable Ties", "Cable ties that bundle loose wires into a neat run behind the bench.", 0.0),
    ("Safety Goggles", "Safety goggles that keep splashes and dust away from the eyes.", 0.5),
]


@pytest.fixture
def approved(admin_member):
    store = admin_member.store
    drafts = [DraftFactory(store=store, product=ProductFactory(store=store, title=title, attributes={}),
                           status=Draft.Status.APPROVED, current_text=text, edit_distance=edit,
                           approved_at=timezone.now()) for title, text, edit in APPROVED]
    ProductFactory.create_batch(2, store=store)  # 8 products: the yardstick holds back 2 (drafts of neither)
    return drafts


def finished(version, timeout=900):
    return wait_for(lambda: ModelVersion.objects.filter(pk=version.pk, status__in=FINISHED).first(),
                    timeout=timeout, message=f"training of {version.label}")


def test_a_version_trained_on_approvals_is_chosen_and_writes_the_next_job(celery_worker, admin_member, approved):
    store = admin_member.store
    assert retrain_summary(store=store).new_examples == 6

    version = model_version_train(store=store, membership=admin_member, sources=["approvals"], params=TINY)
    try:
        version = finished(version)
        assert version.status == ModelVersion.Status.READY, version.error
        job = Job.objects.get(pk=version.job_id)
        examples = version.training_data["sources"]["approvals"]["examples"]
        assert job.status == Job.Status.SUCCEEDED and job.done == job.total == -(-examples // 3)
        assert examples == version.training_examples and 4 <= examples <= 6  # held-back products' drafts left out
        assert [step for step, _ in version.loss_curve] == list(range(1, job.total + 1))
        assert version.examples_per_second > 0 and version.device.startswith("cpu")
        folder = settings.MODEL_ADAPTER_DIR / version.adapter
        assert (folder / "adapter.gguf").read_bytes()[:4] == b"GGUF"
        assert version.adapter_bytes == sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        assert retrain_summary(store=store).new_examples == 0  # what it learnt is no longer new

        model_version_activate(store=store, membership=admin_member, model_version=version)
        generation = services.generation_start(store=store, membership=admin_member, content_type="description",
                                               product_ids=[approved[0].product_id],
                                               params_overrides={"max_new_tokens": 16})
        wait_for(lambda: Job.objects.filter(pk=generation.pk, status=Job.Status.SUCCEEDED).exists(), timeout=600,
                 message="the generation job")
        written = GenerationJob.objects.get(pk=generation.pk)
        assert written.model_version == version and written.candidates == version.candidates == 4
        assert written.model_id == f"gemma-3-270m-q4_k_m+{store.pk}.v{version.number}"
        # Best of up to 4: one draft put forward, the other candidates written (if any) kept beside it.
        draft = Draft.objects.exclude(status=Draft.Status.CANDIDATE).get(job=written)
        assert 1 <= Draft.objects.filter(job=written).count() <= 4
        assert draft.model_id == written.model_id and "Digital Caliper" not in draft.prompt  # no few-shot
    finally:
        shutil.rmtree(settings.MODEL_ADAPTER_DIR / f"store-{store.pk}", ignore_errors=True)


def test_a_cancelled_training_run_stops_and_leaves_no_adapter(celery_worker, admin_member, approved):
    store = admin_member.store
    version = model_version_train(store=store, membership=admin_member, sources=["approvals"],
                                  params={**TINY, "batch_size": 1, "epochs": 5})
    job = Job.objects.get(pk=version.job_id)
    wait_for(lambda: Job.objects.filter(pk=job.pk, done__gte=1).exists(), timeout=600, message="the first step")

    job_cancel(job=job, membership=admin_member)

    version = finished(version, timeout=300)
    job.refresh_from_db()
    assert (version.status, job.status) == (ModelVersion.Status.CANCELLED, Job.Status.CANCELLED)
    assert job.done < job.total
    assert not (settings.MODEL_ADAPTER_DIR / version.adapter).exists()
