"""Services of the content app: store defaults, prompt versions, brand voice,
shopper questions, and starting a generation job (no model needed)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalog import services as catalog_services
from catalog.models import Job
from catalog.selectors import ProductFilters
from content import services
from content.defaults import DEFAULT_TEMPLATES
from content.models import BrandVoice, ContentType, GenerationJob, PromptTemplate, PromptVersion, ShopperQuestion
from tests.catalog.factories import CategoryFactory, MembershipFactory, ProductFactory
from tests.content.factories import DraftFactory, PromptTemplateFactory, PromptVersionFactory, ShopperQuestionFactory

pytestmark = pytest.mark.django_db

GOOD_TEXT = "{examples}\n\nProduct: {title}\nDescription:"


def template_of(store, content_type="description", language="en"):
    return PromptTemplate.objects.get(store=store, content_type=content_type, language=language)


# --------------------------------------------------------------------------- defaults


def test_a_new_store_gets_a_brand_voice_and_every_default_template_with_an_active_version():
    store = catalog_services.store_create(name="Fresh Store")

    templates = PromptTemplate.objects.filter(store=store).select_related("active_version")
    assert sorted((t.content_type, t.language) for t in templates) == sorted(
        (ct, lang) for ct in ContentType.values for lang in ("en", "zh")
    )
    for template in templates:
        assert template.active_version.number == 1
        assert template.active_version.author is None
        assert len(template.active_version.examples) == 2
        assert template.active_version.params["stop"][0] == "\n\n"
    voice = BrandVoice.objects.get(store=store)
    assert voice.tone and voice.target_length("description", "en") == (30, 120)
    assert voice.target_length("description", "zh") == (40, 250)


def test_setting_up_a_store_twice_changes_nothing():
    store = catalog_services.store_create(name="Fresh Store")
    before = list(PromptVersion.objects.filter(template__store=store).values_list("pk", flat=True))

    services.store_setup_content(store=store)

    assert list(PromptVersion.objects.filter(template__store=store).values_list("pk", flat=True)) == before
    assert PromptTemplate.objects.filter(store=store).count() == len(DEFAULT_TEMPLATES)


# --------------------------------------------------------------------------- prompt versions


def test_an_admin_adds_a_version_with_the_next_number_and_activates_it(admin_member):
    template = PromptTemplateFactory(store=admin_member.store)
    PromptVersionFactory(template=template, number=1)
    PromptVersionFactory(template=template, number=2)

    version = services.prompt_version_create(
        template=template, membership=admin_member, text=GOOD_TEXT + "\r\n",
        examples=[{"input": "Product: A\nDescription:", "output": "Fine."}],
        params={"max_new_tokens": 100, "temperature": 1, "stop": "\n\n"}, note="Shorter", activate=True,
    )

    template.refresh_from_db()
    assert version.number == 3
    assert template.active_version == version
    assert version.text == GOOD_TEXT + "\n"
    assert version.params == {"max_new_tokens": 100, "temperature": 1.0, "stop": ["\n\n"]}
    assert version.author == admin_member.user


def test_a_version_with_unknown_placeholders_is_refused_naming_them_and_nothing_is_saved(admin_member):
    template = PromptTemplateFactory(store=admin_member.store)

    with pytest.raises(ValidationError) as caught:
        services.prompt_version_create(template=template, membership=admin_member,
                                       text="Product: {title} in {colour} by {maker}\nDescription:")

    assert caught.value.message_dict["text"][0].startswith("Unknown placeholders {colour}, {maker}.")
    assert not PromptVersion.objects.filter(template=template).exists()


def test_a_version_with_a_format_spec_is_refused_and_nothing_is_saved(admin_member):
    template = PromptTemplateFactory(store=admin_member.store)

    with pytest.raises(ValidationError) as caught:
        services.prompt_version_create(template=template, membership=admin_member,
                                       text="Product: {title:>1000000000}\nDescription:")

    assert caught.value.message_dict["text"][0].startswith("Write {title} without")
    assert not PromptVersion.objects.filter(template=template).exists()


@pytest.mark.parametrize("model", ["http://127.0.0.1:9/v1", "/srv/models/other.gguf", "Missing-Finetune", "nope"])
def test_a_version_may_only_name_a_model_the_operator_configured(admin_member, model):
    template = PromptTemplateFactory(store=admin_member.store)

    with pytest.raises(ValidationError) as caught:
        services.prompt_version_create(template=template, membership=admin_member, text=GOOD_TEXT, model=model)
    chosen = services.prompt_version_create(template=template, membership=admin_member, text=GOOD_TEXT,
                                            model="missing-finetune")

    assert "is not one the operator configured" in caught.value.message_dict["model"][0]
    assert list(PromptVersion.objects.filter(template=template).values_list("model", flat=True)) == [chosen.model]
    assert chosen.model == "missing-finetune"


def test_a_version_with_bad_generation_parameters_is_refused(admin_member):
    template = PromptTemplateFactory(store=admin_member.store)

    with pytest.raises(ValidationError) as caught:
        services.prompt_version_create(template=template, membership=admin_member, text=GOOD_TEXT,
                                       params={"temperature": "hot", "beams": 4})

    assert "beams" in caught.value.message_dict["params"][0]
    assert not PromptVersion.objects.filter(template=template).exists()


def test_an_editor_can_neither_add_nor_activate_versions(editor_member):
    template = PromptTemplateFactory(store=editor_member.store)
    old = PromptVersionFactory(template=template, number=1)
    newer = PromptVersionFactory(template=template, number=2)
    template.active_version = newer
    template.save()

    with pytest.raises(PermissionDenied):
        services.prompt_version_create(template=template, membership=editor_member, text=GOOD_TEXT)
    with pytest.raises(PermissionDenied):
        services.prompt_version_activate(version=old, membership=editor_member)

    template.refresh_from_db()
    assert template.active_version == newer
    assert template.versions.count() == 2


def test_rolling_back_is_activating_an_older_version(admin_member):
    template = PromptTemplateFactory(store=admin_member.store)
    old = PromptVersionFactory(template=template, number=1)
    template.active_version = PromptVersionFactory(template=template, number=2)
    template.save()

    services.prompt_version_activate(version=old, membership=admin_member)

    template.refresh_from_db()
    assert template.active_version == old


def test_an_admin_of_another_store_cannot_touch_this_stores_templates(admin_member, other_store):
    foreign = PromptTemplateFactory(store=other_store)

    with pytest.raises(PermissionDenied):
        services.prompt_version_create(template=foreign, membership=admin_member, text=GOOD_TEXT)

    assert not foreign.versions.exists()


def test_a_new_template_starts_with_an_active_version_1_and_names_are_unique(admin_member):
    template = services.prompt_template_create(
        store=admin_member.store, membership=admin_member, content_type="marketing", language="en",
        name="Short ads", text="Product: {title}\nCampaign: {goal}\nAd:",
    )

    assert template.active_version.number == 1
    with pytest.raises(ValidationError) as caught:
        services.prompt_template_create(store=admin_member.store, membership=admin_member,
                                        content_type="marketing", language="en", name="Short ads",
                                        text="Product: {title}\nAd:")
    assert "already exists" in caught.value.message_dict["name"][0]


# --------------------------------------------------------------------------- brand voice


def test_an_admin_updates_the_brand_voice(admin_member):
    voice = services.brand_voice_update(
        store=admin_member.store, membership=admin_member, tone="warm", banned_words=["cheap", " Cheap ", ""],
        required_phrases=["Free returns"], target_lengths={"description": {"en": [50, 90]}}, default_language="zh",
    )

    voice.refresh_from_db()
    assert (voice.tone, voice.banned_words, voice.required_phrases, voice.default_language) == (
        "warm", ["cheap"], ["Free returns"], "zh")
    assert voice.target_lengths == {"description": {"en": [50, 90]}}
    assert voice.updated_by == admin_member.user


def test_an_editor_cannot_change_the_brand_voice(editor_member):
    before = services.brand_voice_for(store=editor_member.store).tone

    with pytest.raises(PermissionDenied):
        services.brand_voice_update(store=editor_member.store, membership=editor_member, tone="loud",
                                    banned_words=[], required_phrases=[], target_lengths={}, default_language="en")

    assert BrandVoice.objects.get(store=editor_member.store).tone == before


# --------------------------------------------------------------------------- questions


def test_an_editor_records_a_shopper_question_and_its_language_is_detected(editor_member):
    product = ProductFactory(store=editor_member.store)

    question = services.shopper_question_create(product=product, text="  这个手套不含乳胶吗？ ",
                                                membership=editor_member)

    assert (question.text, question.language, question.store_id) == ("这个手套不含乳胶吗？", "zh", product.store_id)


def test_a_viewer_cannot_record_a_question(viewer_member):
    product = ProductFactory(store=viewer_member.store)

    with pytest.raises(PermissionDenied):
        services.shopper_question_create(product=product, text="Latex-free?", membership=viewer_member)

    assert not ShopperQuestion.objects.exists()


# --------------------------------------------------------------------------- generation_start


def test_starting_a_job_records_what_to_write_and_queues_it_on_the_gpu_queue(editor_member):
    store = editor_member.store
    products = [ProductFactory(store=store) for _ in range(3)]

    job = services.generation_start(
        store=store, membership=editor_member, content_type="description",
        product_ids=[p.pk for p in products], variants=2, params_overrides={"max_new_tokens": 40},
    )

    generation = GenerationJob.objects.get(pk=job.pk)
    assert (job.kind, job.status, job.total, job.queue, job.task_name) == (
        Job.Kind.GENERATION, Job.Status.QUEUED, 6, "gpu", "content.tasks.run_generation")
    assert job.created_by == editor_member.user
    assert generation.product_ids == [p.pk for p in products]
    assert generation.template_version == template_of(store).active_version
    assert generation.params["max_new_tokens"] == 40
    assert generation.params["temperature"] == 0.6  # the rest from the template...
    assert generation.params["top_k"] == 50  # ...and the runtime's defaults, recorded
    assert generation.tone == services.brand_voice_for(store=store).tone
    assert job.title == "Product description (English) for 3 products"


def test_the_job_is_sent_only_after_the_transaction_commits(editor_member, django_capture_on_commit_callbacks):
    product = ProductFactory(store=editor_member.store)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.generation_start(store=editor_member.store, membership=editor_member,
                                  content_type="description", product_ids=[product.pk])

    assert len(callbacks) == 1


def test_a_viewer_cannot_start_a_job_and_nothing_is_created(viewer_member):
    product = ProductFactory(store=viewer_member.store)

    with pytest.raises(PermissionDenied):
        services.generation_start(store=viewer_member.store, membership=viewer_member, content_type="description",
                                  product_ids=[product.pk])

    assert not Job.objects.exists()
    assert not GenerationJob.objects.exists()


def test_products_of_another_store_are_refused(editor_member, other_store):
    foreign = ProductFactory(store=other_store)

    with pytest.raises(ValidationError, match="not in this store"):
        services.generation_start(store=editor_member.store, membership=editor_member,
                                  content_type="description", product_ids=[foreign.pk])

    assert not Job.objects.exists()


def test_another_stores_template_version_is_refused(editor_member, other_store):
    product = ProductFactory(store=editor_member.store)
    foreign = PromptVersionFactory(template__store=other_store)

    with pytest.raises(PermissionDenied):
        services.generation_start(store=editor_member.store, membership=editor_member,
                                  content_type="description", product_ids=[product.pk], template_version=foreign)

    assert not Job.objects.exists()


def test_a_version_of_another_content_type_is_refused(editor_member):
    product = ProductFactory(store=editor_member.store)
    marketing = template_of(editor_member.store, "marketing").active_version

    with pytest.raises(ValidationError, match="writes marketing copy"):
        services.generation_start(store=editor_member.store, membership=editor_member,
                                  content_type="description", product_ids=[product.pk], template_version=marketing)


def test_the_language_comes_from_the_chosen_version(editor_member):
    product = ProductFactory(store=editor_member.store)

    job = services.generation_start(store=editor_member.store, membership=editor_member,
                                    content_type="description", product_ids=[product.pk], language="zh")

    generation = GenerationJob.objects.get(pk=job.pk)
    assert generation.language == "zh"
    assert generation.template_version == template_of(editor_member.store, language="zh").active_version


def test_a_catalog_filter_selects_the_products_and_is_kept_for_the_record(editor_member):
    store = editor_member.store
    gloves = CategoryFactory(store=store, name="Gloves", path="Gloves")
    inside = [ProductFactory(store=store, category=gloves, title=f"Glove {n}") for n in range(3)]
    ProductFactory(store=store, title="Beaker")

    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    filters=ProductFilters(category_id=gloves.pk), limit=2)

    generation = GenerationJob.objects.get(pk=job.pk)
    assert generation.product_ids == [inside[0].pk, inside[1].pk]
    assert generation.filters == {"category": gloves.pk}
    assert job.total == 2


def test_marketing_copy_needs_a_goal(editor_member):
    product = ProductFactory(store=editor_member.store)

    with pytest.raises(ValidationError) as caught:
        services.generation_start(store=editor_member.store, membership=editor_member, content_type="marketing",
                                  product_ids=[product.pk])

    assert "campaign goal" in caught.value.message_dict["goal"][0]


def test_an_answer_job_runs_over_the_open_questions_of_the_products(editor_member):
    store = editor_member.store
    product, quiet = ProductFactory(store=store), ProductFactory(store=store)
    first = ShopperQuestionFactory(product=product, text="Latex-free?")
    answered = ShopperQuestionFactory(product=product, text="Sterile?")
    DraftFactory(store=store, product=product, question=answered, status="approved")

    job = services.generation_start(store=store, membership=editor_member, content_type="answer",
                                    product_ids=[product.pk, quiet.pk])

    generation = GenerationJob.objects.get(pk=job.pk)
    assert generation.question_ids == [first.pk]
    assert generation.product_ids == [product.pk]
    assert job.total == 1


def test_an_answer_job_without_open_questions_is_refused(editor_member):
    product = ProductFactory(store=editor_member.store)

    with pytest.raises(ValidationError, match="has a shopper question"):
        services.generation_start(store=editor_member.store, membership=editor_member, content_type="answer",
                                  product_ids=[product.pk])


def test_too_many_variants_are_refused(editor_member):
    product = ProductFactory(store=editor_member.store)

    with pytest.raises(ValidationError):
        services.generation_start(store=editor_member.store, membership=editor_member,
                                  content_type="description", product_ids=[product.pk], variants=9)


def test_a_member_of_another_store_cannot_start_a_job_here(store, other_store):
    outsider = MembershipFactory(store=other_store, role="admin")
    product = ProductFactory(store=store)

    with pytest.raises(PermissionDenied), transaction.atomic():
        services.generation_start(store=store, membership=outsider, content_type="description",
                                  product_ids=[product.pk])

    assert not Job.objects.exists()


def test_deleting_a_store_deletes_its_content(store):
    DraftFactory(store=store)

    store.delete()

    assert not PromptTemplate.objects.exists() and not GenerationJob.objects.exists()
