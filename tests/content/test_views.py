"""The content screens: who sees which buttons, who may post, and that
another store's objects are 404."""

import pytest
from django.urls import reverse

from catalog.models import Job
from content.models import BrandVoice, Draft, GenerationJob, PromptTemplate, PromptVersion, ShopperQuestion
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.content.factories import DraftFactory, GenerationJobFactory, PromptTemplateFactory, PromptVersionFactory

pytestmark = pytest.mark.django_db


def url(name, store, **kwargs):
    return reverse(name, kwargs={"store_slug": store.slug, **kwargs})


def description_template(store):
    return PromptTemplate.objects.get(store=store, content_type="description", language="en")


# --------------------------------------------------------------------------- generate


def test_a_viewer_sees_no_generate_buttons(client_as, viewer_member):
    product = ProductFactory(store=viewer_member.store)
    client = client_as(viewer_member)

    product_page = client.get(url("catalog:product", viewer_member.store, product_id=product.pk)).content.decode()
    list_page = client.get(url("catalog:products", viewer_member.store)).content.decode()

    assert "data-generate-product" not in product_page
    assert "data-generate-from-filters" not in list_page
    assert ">Generate</a>" not in list_page  # nor in the navigation


def test_a_viewers_forged_generate_post_is_forbidden_and_creates_nothing(client_as, viewer_member):
    product = ProductFactory(store=viewer_member.store)

    response = client_as(viewer_member).post(url("content:generate", viewer_member.store), {
        "product": [product.pk], "content_type": "description", "language": "en", "variants": 1,
    })

    assert response.status_code == 403
    assert not Job.objects.exists() and not GenerationJob.objects.exists()


def test_an_editor_starts_a_job_from_a_product_page(client_as, editor_member):
    store = editor_member.store
    product = ProductFactory(store=store, title="Digital Caliper 6 Inch")
    client = client_as(editor_member)

    product_page = client.get(url("catalog:product", store, product_id=product.pk)).content.decode()
    assert f"/content/generate/?product={product.pk}" in product_page
    form = client.get(url("content:generate", store) + f"?product={product.pk}")
    assert form.status_code == 200
    assert "Digital Caliper 6 Inch" in form.content.decode()

    response = client.post(url("content:generate", store), {
        "product": [product.pk], "content_type": "description", "language": "en", "variants": 2,
        "tone": "plain", "max_new_tokens": 60,
    })

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    generation = GenerationJob.objects.get(pk=job.pk)
    assert (generation.product_ids, generation.variants, generation.tone, generation.params["max_new_tokens"]) == (
        [product.pk], 2, "plain", 60)


def test_generate_for_these_results_carries_the_catalog_filter(client_as, editor_member):
    store = editor_member.store
    gloves = CategoryFactory(store=store, name="Gloves", path="Gloves")
    wanted = [ProductFactory(store=store, category=gloves) for _ in range(2)]
    ProductFactory(store=store)
    client = client_as(editor_member)

    list_page = client.get(url("catalog:products", store) + f"?category={gloves.pk}").content.decode()
    assert f"/content/generate/?category={gloves.pk}" in list_page
    form = client.get(url("content:generate", store) + f"?category={gloves.pk}").content.decode()
    assert 'data-selection-count>2<' in form

    client.post(url("content:generate", store), {"category": gloves.pk, "content_type": "description",
                                                 "language": "en", "variants": 1})

    generation = GenerationJob.objects.get()
    assert sorted(generation.product_ids) == sorted(p.pk for p in wanted)
    assert generation.filters == {"category": gloves.pk}


def test_generate_says_how_many_products_have_nothing_but_a_title(client_as, editor_member):
    store = editor_member.store
    bare = [ProductFactory(store=store, title="Red Devil 0325 Steel Wool, 8 Pads", description="",
                           attributes={"color": "red", "material": "steel", "pack size": "8 pads"}),
            ProductFactory(store=store, title="Glass Measuring Cylinder 5ml", description="",
                           attributes={"volume": "5 ml"})]  # "5 ml" is the title's "5ml"
    told = [ProductFactory(store=store, title="Nitrile Gloves", description="Powder-free, 4 mil, textured tips."),
            ProductFactory(store=store, title="Safety Can", description="", attributes={"volume": "5 gallon"})]
    client = client_as(editor_member)

    page = client.get(url("content:generate", store), {"product": [p.pk for p in bare + told]}).content.decode()
    only_told = client.get(url("content:generate", store), {"product": [p.pk for p in told]}).content.decode()

    assert "2 of 4 products have nothing but a title" in page and "Copy for them can only restate" in page
    assert "data-title-only" not in only_told


def test_a_refused_start_shows_the_reason_on_the_form(client_as, editor_member):
    product = ProductFactory(store=editor_member.store)

    response = client_as(editor_member).post(url("content:generate", editor_member.store), {
        "product": [product.pk], "content_type": "marketing", "language": "en", "variants": 1,
    })

    assert response.status_code == 400
    assert "Marketing copy needs a campaign goal" in response.content.decode()
    assert not Job.objects.exists()


# --------------------------------------------------------------------------- job page


def test_the_job_page_shows_the_drafts_with_their_failing_checks_and_escapes_model_output(client_as, viewer_member):
    store = viewer_member.store
    draft = DraftFactory(
        store=store, current_text="<script>alert('x')</script> Gloves.", status=Draft.Status.FLAGGED,
        checks=[{"name": "unsupported_claims", "passed": False, "message": "'Made in Italy' is not in the data",
                 "spans": [], "severity": "error"},
                {"name": "length", "passed": True, "message": "ok", "spans": [], "severity": "error"}],
    )

    page = client_as(viewer_member).get(draft.job.job.get_absolute_url()).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Gloves." in page
    assert 'title="&#x27;Made in Italy&#x27; is not in the data">Unsupported claims</span>' in page
    assert "Tokens per second" in page


def test_a_best_of_n_job_counts_the_drafts_it_wrote_not_the_candidates_it_did_not_need(client_as, viewer_member):
    store = viewer_member.store
    # Two products, 8 candidates settled: each product's first candidate was good enough.
    generation = GenerationJobFactory(store=store, candidates=4, job__total=8, job__done=8)
    DraftFactory.create_batch(2, store=store, job=generation)

    page = client_as(viewer_member).get(generation.job.get_absolute_url()).content.decode()

    assert "data-draft-count>2</div>" in page and "data-draft-count>8</div>" not in page
    assert "up to 8: best of 4, written until one is good enough" in page


def test_another_stores_generation_job_is_not_found(client_as, admin_member, other_store):
    foreign = GenerationJobFactory(store=other_store)

    response = client_as(admin_member).get(url("content:job_panel", admin_member.store, job_id=foreign.pk))

    assert response.status_code == 404
    assert client_as(admin_member).get(url("jobs:detail", admin_member.store, job_id=foreign.pk)).status_code == 404


# --------------------------------------------------------------------------- prompts


def test_a_viewer_reads_templates_and_versions_but_gets_no_forms(client_as, viewer_member):
    template = description_template(viewer_member.store)
    client = client_as(viewer_member)

    listing = client.get(url("content:prompts", viewer_member.store)).content.decode()
    detail = client.get(template.get_absolute_url()).content.decode()

    assert template.name in listing and "New template" not in listing
    assert "Product descriptions from {store}" in detail
    assert "data-version-form" not in detail and ">Activate</button>" not in detail


def test_an_editors_forged_version_post_is_forbidden(client_as, editor_member):
    template = description_template(editor_member.store)

    response = client_as(editor_member).post(url("content:version_create", editor_member.store,
                                                 template_id=template.pk), {"text": "Product: {title}"})

    assert response.status_code == 403
    assert template.versions.count() == 1


def test_an_admin_sees_the_unknown_placeholders_named_and_nothing_is_saved(client_as, admin_member):
    template = description_template(admin_member.store)

    response = client_as(admin_member).post(
        url("content:version_create", admin_member.store, template_id=template.pk),
        {"text": "Product: {title}\nColour: {colour}\nDescription:", "examples": "", "params": "{}"},
    )

    assert response.status_code == 400
    assert "Unknown placeholder {colour}." in response.content.decode()
    assert template.versions.count() == 1


@pytest.mark.parametrize("typed", ["http://169.254.169.254/latest/?x=/v1", "/etc/passwd", "default", "gemma"])
def test_a_version_chooses_its_model_from_the_operators_list_and_a_typed_one_is_refused(client_as, admin_member,
                                                                                       typed):
    template = description_template(admin_member.store)
    client = client_as(admin_member)
    form_page = client.get(url("content:template", admin_member.store, template_id=template.pk)).content.decode()

    response = client.post(url("content:version_create", admin_member.store, template_id=template.pk),
                           {"text": "Product: {title}\nDescription:", "params": "{}", "model": typed})

    assert '<select name="model"' in form_page
    assert '<option value="missing-finetune">missing-finetune</option>' in form_page
    assert response.status_code == 400
    assert "not one of the available choices" in response.content.decode()
    assert template.versions.count() == 1


def test_an_admin_adds_a_version_and_activates_an_older_one(client_as, admin_member):
    store = admin_member.store
    template = description_template(store)
    client = client_as(admin_member)

    client.post(url("content:version_create", store, template_id=template.pk), {
        "text": "Product: {title}\nDescription:", "examples": "[]", "params": '{"max_new_tokens": 80}',
        "note": "No examples", "activate": "on",
    })
    template.refresh_from_db()
    assert template.active_version.number == 2
    assert template.active_version.params == {"max_new_tokens": 80}

    first = template.versions.get(number=1)
    client.post(url("content:version_activate", store, version_id=first.pk))

    template.refresh_from_db()
    assert template.active_version == first


def test_another_stores_template_and_version_are_not_found(client_as, admin_member, other_store):
    foreign = PromptTemplateFactory(store=other_store)
    version = PromptVersionFactory(template=foreign)
    client = client_as(admin_member)

    assert client.get(url("content:template", admin_member.store, template_id=foreign.pk)).status_code == 404
    assert client.post(url("content:version_activate", admin_member.store,
                           version_id=version.pk)).status_code == 404
    assert client.post(url("content:version_create", admin_member.store, template_id=foreign.pk),
                       {"text": "{title}"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.active_version is None and foreign.versions.count() == 1


def test_the_new_template_form_creates_a_template(client_as, admin_member):
    response = client_as(admin_member).post(url("content:template_new", admin_member.store), {
        "name": "Bullet points", "content_type": "description", "language": "en",
        "text": "Product: {title}\nBullets:", "examples": "", "params": "",
    })

    template = PromptTemplate.objects.get(store=admin_member.store, name="Bullet points")
    assert response.status_code == 302
    assert template.active_version.number == 1


# --------------------------------------------------------------------------- brand voice


def test_a_viewer_reads_the_brand_voice_and_cannot_change_it(client_as, viewer_member):
    client = client_as(viewer_member)
    page = client.get(url("content:brand_voice", viewer_member.store)).content.decode()
    assert "data-brand-voice>" in page and "data-brand-voice-form" not in page

    response = client.post(url("content:brand_voice", viewer_member.store),
                           {"tone": "shouty", "default_language": "en"})

    assert response.status_code == 403
    assert BrandVoice.objects.get(store=viewer_member.store).tone != "shouty"


def test_an_admin_saves_the_brand_voice(client_as, admin_member):
    response = client_as(admin_member).post(url("content:brand_voice", admin_member.store), {
        "tone": "friendly", "banned_words": "cheap\nmiracle\n", "required_phrases": "", "default_language": "en",
        "length_description_en_min": 40, "length_description_en_max": 90,
    })

    voice = BrandVoice.objects.get(store=admin_member.store)
    assert response.status_code == 302
    assert (voice.tone, voice.banned_words, voice.target_lengths) == (
        "friendly", ["cheap", "miracle"], {"description": {"en": [40, 90]}})


def test_a_target_length_with_only_a_minimum_is_refused(client_as, admin_member):
    response = client_as(admin_member).post(url("content:brand_voice", admin_member.store), {
        "tone": "friendly", "default_language": "en", "length_description_en_min": 40,
    })

    assert response.status_code == 400
    assert "give both a minimum and a maximum" in response.content.decode()


# --------------------------------------------------------------------------- product page


def test_the_product_page_lists_drafts_and_shopper_questions(client_as, viewer_member):
    store = viewer_member.store
    draft = DraftFactory(store=store, current_text="Blue nitrile gloves, 100 per box.")
    ShopperQuestion.objects.create(store=store, product=draft.product, text="Are they latex-free?",
                                   asked_at=draft.created_at)

    page = client_as(viewer_member).get(draft.product.get_absolute_url()).content.decode()

    assert "Blue nitrile gloves, 100 per box." in page
    assert "Are they latex-free?" in page
    assert "Add a question" not in page  # viewers read only


def test_an_editor_adds_a_question_and_a_viewers_post_is_forbidden(client_as, editor_member, viewer_member):
    product = ProductFactory(store=editor_member.store)
    target = url("content:question_create", editor_member.store, product_id=product.pk)

    assert client_as(viewer_member).post(target, {"text": "Sterile?"}).status_code == 403
    assert not ShopperQuestion.objects.exists()

    response = client_as(editor_member).post(target, {"text": "Sterile?"})

    assert response.status_code == 302
    assert ShopperQuestion.objects.get().text == "Sterile?"


def test_the_home_page_counts_drafts_waiting_for_review(client_as, viewer_member):
    store = viewer_member.store
    DraftFactory(store=store, status=Draft.Status.TO_REVIEW)
    DraftFactory(store=store, status=Draft.Status.FLAGGED)

    page = client_as(viewer_member).get(url("home", store)).content.decode()

    assert "Drafts to review" in page
    assert "1 flagged by checks" in page


def test_versions_are_listed_with_their_numbers(client_as, viewer_member):
    template = description_template(viewer_member.store)
    PromptVersion.objects.create(template=template, number=2, text="{title}", note="Second try")

    page = client_as(viewer_member).get(template.get_absolute_url()).content.decode()

    assert "Second try" in page and "?version=2" in page and "?version=1" in page
