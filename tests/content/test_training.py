"""Model versions: who may train and choose them, the training data of both sources, activation
per store and per template with roll back, and the bundled version the demo ships."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import Job
from content.models import Draft, GenerationJob, ModelActivation, ModelVersion, PromptTemplate
from content.selectors.model_versions import active_model_version, retrain_summary
from content.selectors.quality import heldout_store_products
from content.services.generation import generation_start
from content.services.training import (
    BUNDLED_DIR,
    BUNDLED_NAME,
    TUNED_CANDIDATES,
    approval_pairs,
    corpus_training_pairs,
    model_version_activate,
    model_version_install_bundled,
    model_version_roll_back,
    model_version_train,
    retrain_from_approvals,
)
from tests.catalog.factories import ProductFactory
from tests.content.factories import DraftFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[2] / "bench" / "fixtures" / "smoke" / "product-copy"


@pytest.fixture
def corpus(settings, tmp_path):
    settings.PRODUCT_COPY_DIR = FIXTURE
    settings.VAR_DIR = tmp_path  # the prepared-pairs cache
    return FIXTURE


@pytest.fixture
def adapters(settings, tmp_path):
    settings.MODEL_ADAPTER_DIR = tmp_path / "adapters"
    return settings.MODEL_ADAPTER_DIR


def ready_version(store, number=1, **fields):
    return ModelVersion.objects.create(store=store, number=number, name=f"v{number}", status=ModelVersion.Status.READY,
                                       base_model_id="gemma-3-270m-q4_k_m", adapter=f"store-{store.pk}/v{number}",
                                       **fields)


# --------------------------------------------------------------------------- starting a training job


def test_only_admins_train_and_a_refused_request_changes_nothing(store, editor_member, corpus):
    with pytest.raises(PermissionDenied):
        model_version_train(store=store, membership=editor_member, sources=["corpus"])

    assert not ModelVersion.objects.exists() and not Job.objects.exists()


def test_training_on_a_missing_corpus_names_the_setting(store, admin_member, settings, tmp_path):
    settings.PRODUCT_COPY_DIR = tmp_path / "nowhere"

    with pytest.raises(ValidationError, match="PRODUCT_COPY_DIR"):
        model_version_train(store=store, membership=admin_member, sources=["corpus"])

    assert not ModelVersion.objects.exists()


def test_a_training_job_is_recorded_with_its_version_on_the_gpu_queue(store, admin_member, corpus):
    version = model_version_train(store=store, membership=admin_member, sources=["corpus", "approvals"],
                                  max_examples=40, params={"rank": 4}, send=False)

    assert (version.number, version.status, version.sources) == (1, ModelVersion.Status.TRAINING,
                                                                 ["corpus", "approvals"])
    assert version.params["rank"] == 4 and version.params["seed"] == 2024
    assert version.base_model_id == "gemma-3-270m-q4_k_m" and version.adapter.startswith(f"store-{store.pk}/v1-")
    assert (version.job.kind, version.job.queue) == (Job.Kind.FINE_TUNING, "gpu")
    assert version.candidates == TUNED_CANDIDATES  # best of up to 4 once ready, as the bundled version
    again = model_version_train(store=store, membership=admin_member, sources=["approvals"], send=False)
    assert again.number == 2


def test_bad_parameters_are_refused_by_name(store, admin_member, corpus):
    with pytest.raises(ValidationError, match="unknown training parameter"):
        model_version_train(store=store, membership=admin_member, sources=["corpus"], params={"ranks": 4})
    with pytest.raises(ValidationError, match="Train on the product-copy corpus"):
        model_version_train(store=store, membership=admin_member, sources=["reviews"])

    assert not ModelVersion.objects.exists()


# --------------------------------------------------------------------------- training data


def test_corpus_pairs_come_from_both_languages_are_grounded_and_cached(store, corpus):
    pairs, info = corpus_training_pairs(store=store, limit=6, seed=3)

    assert {pair.language for pair in pairs} == {"en", "zh"}
    assert info["per_language"]["en"]["kept"] + info["per_language"]["zh"]["kept"] == len(pairs)
    held = {"SMOKE-dev-00000", "SMOKE-dev-00001", "SMOKE-dev-00002"}
    assert not held & {pair.key for pair in pairs}  # AdvertiseGen's dev split is the yardstick's
    for pair in pairs:
        assert "Bench Supply" in pair.prompt and "{" not in pair.prompt
        assert "Digital Caliper 6 Inch" not in pair.prompt or pair.key == "SMOKE-IS-002"  # no few-shot examples
    again, info_again = corpus_training_pairs(store=store, limit=6, seed=3)
    assert again == pairs and info_again == info


def test_approved_drafts_weigh_by_the_reviewers_edit_and_unsupported_ones_stay_out(store):
    now = timezone.now()
    ProductFactory.create_batch(3, store=store)
    plain = DraftFactory(store=store, product__title="Nitrile Gloves, Box of 100", status=Draft.Status.APPROVED,
                         current_text="Nitrile gloves for the lab, 100 to a box.", edit_distance=0.0, approved_at=now)
    edited = DraftFactory(store=store, product__title="Glass Beaker 250 ml", status=Draft.Status.PUBLISHED,
                          current_text="A glass beaker that holds 250 ml.", edit_distance=0.4, approved_at=now)
    DraftFactory(store=store, product__title="Steel Ruler", status=Draft.Status.APPROVED, approved_at=now,
                 current_text="A steel ruler, 12 inches long, made in Japan.", edit_distance=0.0)
    tape = DraftFactory(store=store, product__title="Tape", status=Draft.Status.REJECTED, current_text="Tape.")
    ProductFactory.create_batch(5, store=store)
    assert tape.product in heldout_store_products(store=store)  # 3 of 12: none of the approved ones

    pairs, info, until = approval_pairs(store=store)

    weights = {pair.key: pair.weight for pair in pairs}
    assert weights == {f"draft-{plain.pk}": 1.0, f"draft-{edited.pk}": pytest.approx(2.6)}
    assert info["left_out"]["unsupported claims"] == 1 and info["edited"] == 1 and until == now
    pair = next(p for p in pairs if p.key == f"draft-{edited.pk}")
    assert pair.completion == " A glass beaker that holds 250 ml."
    assert pair.prompt.endswith("Product: Glass Beaker 250 ml\nBrand: LabGuard\nFeatures: material: nitrile\n"
                                "Description:")
    assert "Digital Caliper" not in pair.prompt  # tuned prompts leave the examples out


def test_the_yardstick_products_are_never_trained_on(store):
    ProductFactory.create_batch(80, store=store)
    held = heldout_store_products(store=store)
    DraftFactory(store=store, product=held[0], status=Draft.Status.APPROVED, approved_at=timezone.now(),
                 current_text="Plain copy.", edit_distance=0.0)

    pairs, _, _ = approval_pairs(store=store)

    assert len(held) == 16 and pairs == []


def test_retrain_counts_the_approvals_since_the_last_version_that_learnt_them(store, admin_member):
    earlier = timezone.now() - timezone.timedelta(days=2)
    ready_version(store, sources=["approvals"], approvals_until=earlier)
    for edit, when in ((0.0, earlier), (0.0, timezone.now()), (0.3, timezone.now())):
        DraftFactory(store=store, status=Draft.Status.APPROVED, approved_at=when, edit_distance=edit)

    summary = retrain_summary(store=store)

    assert (summary.new_examples, summary.edited, summary.total_examples) == (2, 1, 3)
    assert summary.last_version.number == 1


def test_retrain_with_nothing_new_is_refused(store, admin_member):
    with pytest.raises(ValidationError, match="No approved drafts"):
        retrain_from_approvals(store=store, membership=admin_member)

    assert not ModelVersion.objects.exists()


# --------------------------------------------------------------------------- choosing what writes


def test_admins_choose_per_store_and_per_template_and_roll_back(store, admin_member):
    first, second = ready_version(store, 1), ready_version(store, 2)
    template = PromptTemplate.objects.get(store=store, content_type="description", language="en")
    other_template = PromptTemplate.objects.get(store=store, content_type="description", language="zh")

    model_version_activate(store=store, membership=admin_member, model_version=first)
    model_version_activate(store=store, membership=admin_member, model_version=second)
    model_version_activate(store=store, membership=admin_member, model_version=first, template=template)

    assert active_model_version(store=store) == second
    assert active_model_version(store=store, template=template) == first
    assert active_model_version(store=store, template=other_template) == second  # follows the store
    model_version_roll_back(store=store, membership=admin_member)
    assert active_model_version(store=store) == first
    model_version_activate(store=store, membership=admin_member, model_version=None)
    assert active_model_version(store=store) is None  # the base model
    assert ModelActivation.objects.filter(store=store, template=None).count() == 4


def test_editors_and_other_stores_cannot_choose_and_nothing_changes(store, other_store, admin_member, editor_member):
    mine, theirs = ready_version(store, 1), ready_version(other_store, 1)
    failed = ModelVersion.objects.create(store=store, number=2, name="broken", status=ModelVersion.Status.FAILED,
                                         base_model_id="gemma-3-270m-q4_k_m")

    with pytest.raises(PermissionDenied):
        model_version_activate(store=store, membership=editor_member, model_version=mine)
    with pytest.raises(PermissionDenied):
        model_version_activate(store=store, membership=admin_member, model_version=theirs)
    with pytest.raises(ValidationError, match="not ready"):
        model_version_activate(store=store, membership=admin_member, model_version=failed)
    with pytest.raises(ValidationError, match="no earlier choice"):
        model_version_roll_back(store=store, membership=admin_member)

    assert not ModelActivation.objects.exists()


def test_a_job_that_does_not_choose_writes_best_of_n_of_its_model_version(store, admin_member, editor_member):
    product = ProductFactory(store=store)
    model_version_activate(store=store, membership=admin_member, model_version=ready_version(store, 1, candidates=3))

    def started(**options):
        job = generation_start(store=store, membership=editor_member, content_type="description",
                               product_ids=[product.pk], send=False, **options)
        return job.total, GenerationJob.objects.get(pk=job.pk).candidates

    assert started() == (3, 3)
    assert started(candidates=1) == (1, 1)  # a job that chooses keeps its choice
    model_version_activate(store=store, membership=admin_member, model_version=None)
    assert started() == (1, 1)  # the base model writes one


def test_a_version_trained_on_another_base_model_is_refused(store, admin_member):
    foreign = ready_version(store, 1)
    ModelVersion.objects.filter(pk=foreign.pk).update(base_model_id="llama-3-8b@1234")
    foreign.refresh_from_db()

    with pytest.raises(ValidationError, match="trained on llama-3-8b@1234"):
        model_version_activate(store=store, membership=admin_member, model_version=foreign)

    assert not ModelActivation.objects.exists()


# --------------------------------------------------------------------------- the bundled version


@pytest.mark.skipif(not (BUNDLED_DIR / BUNDLED_NAME / "training.json").is_file(), reason="no bundled adapter")
def test_the_bundled_version_installs_once_with_its_record(store, adapters):
    record = json.loads((BUNDLED_DIR / BUNDLED_NAME / "training.json").read_text())

    version = model_version_install_bundled(store=store, activate=True)
    again = model_version_install_bundled(store=store, activate=True)

    assert again == version and ModelVersion.objects.filter(store=store).count() == 1
    assert active_model_version(store=store) == version
    assert (version.training_examples, version.training_data_hash) == (record["examples"], record["data_hash"])
    assert version.sources == ["bundled"] and version.loss_curve == record["loss_curve"]
    assert version.candidates == TUNED_CANDIDATES == 4  # best of 4: what the yardstick found worth its cost
    folder = adapters / version.adapter
    assert {"adapter_config.json", "adapter_model.safetensors", "adapter.gguf"} <= {p.name for p in folder.iterdir()}
    assert version.adapter_bytes == sum(p.stat().st_size for p in folder.iterdir()) <= 10_000_000
    shutil.rmtree(adapters)


@pytest.mark.model
@pytest.mark.skipif(not (BUNDLED_DIR / BUNDLED_NAME / "training.json").is_file(), reason="no bundled adapter")
def test_prepare_generation_model_writes_what_the_worker_and_the_stores_version_run_from(store, adapters):
    from django.core.management import call_command

    from catalog import generation_model
    from inference.gguf_cache import llama_gguf
    from inference.lora import LoraAdapter, merged_model

    version = model_version_install_bundled(store=store, activate=True)
    out, err = io.StringIO(), io.StringIO()

    call_command("prepare_generation_model", stdout=out, stderr=err)

    spec = generation_model.model_spec()
    assert f"Model default: {llama_gguf(spec)}" in out.getvalue() and "vocabulary" in str(llama_gguf(spec))
    assert f"{store.name}: {version.label} ready" in out.getvalue()
    # The tests configure a model whose file is missing: said, and the others still prepared.
    assert err.getvalue().splitlines() == [
        "Model missing-finetune: GGUF file not found: /nonexistent/models/gemma-finetuned.gguf"]
    merged = merged_model(LoraAdapter(adapters / version.adapter / generation_model.ADAPTER_GGUF), base=spec)
    assert merged.is_file()  # built by the command: the first job waits for no merge
    merged.unlink()
    shutil.rmtree(adapters)
