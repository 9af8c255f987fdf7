"""The recommendation screens: what each role sees and may do, store
isolation, the htmx partials."""

import pytest
from django.urls import reverse

from catalog.models import Job
from recommendations.config import DEFAULTS
from recommendations.forms import SettingsForm
from recommendations.models import RecommendationSettings, Shopper
from tests.catalog.factories import MembershipFactory, ProductFactory, StoreFactory, UserFactory
from tests.conftest import broker_at

pytestmark = pytest.mark.django_db


def _url(store, name, **kwargs):
    return reverse(f"recommendations:{name}", kwargs={"store_slug": store.slug, **kwargs})


def _settings_post(**changes):
    form = SettingsForm(config=DEFAULTS)
    data = {name: form.initial[name] for name in form.fields}
    return {**data, **changes}


def test_the_shoppers_list_shows_shoppers_in_few_queries(client_as, viewer_member, behaviour,
                                                        django_assert_max_num_queries):
    client = client_as(viewer_member)
    with django_assert_max_num_queries(12):
        response = client.get(_url(viewer_member.store, "shoppers"))

    assert response.status_code == 200
    assert b"s-sander" in response.content and b"s-crowd-5" in response.content
    filtered = client.get(_url(viewer_member.store, "shoppers"), {"q": "s-lab"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="shopper-table")
    assert b"s-labcrowd-0" in filtered.content and b"s-sander" not in filtered.content
    assert b"<html" not in filtered.content


def test_a_shopper_page_shows_the_timeline_profile_and_recommendations_with_reasons(client_as, viewer_member,
                                                                                   behaviour):
    store = viewer_member.store
    shopper = Shopper.objects.get(store=store, external_id="s-sander")

    response = client_as(viewer_member).get(_url(store, "shopper", shopper_id=shopper.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="rec-item"') == 10
    assert html.count("data-reason") == 10
    assert "Bought by shoppers who bought Sanding Discs 5 Inch 120 Grit" in html
    assert "Sandpaper Sheets Assorted Grit 60-3000 for Wood Finishing</a>" in html  # in the timeline


def test_the_in_stock_toggle_re_renders_only_the_list(client_as, viewer_member, behaviour):
    store = viewer_member.store
    shopper = Shopper.objects.get(store=store, external_id="s-sander")
    url = _url(store, "shopper_recommendations", shopper_id=shopper.pk)
    client = client_as(viewer_member)

    in_stock = client.get(url, {"in_stock": "1"}, HTTP_HX_REQUEST="true").content.decode()
    everything = client.get(url, {"in_stock": "0"}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in in_stock
    assert "out of stock</span>" not in in_stock
    assert "out of stock</span>" in everything
    assert client.get(url, {"in_stock": "0"}).status_code == 302  # without htmx: the full page


def test_another_stores_shopper_is_a_404_and_a_non_member_sees_no_store(client_as, viewer_member, behaviour):
    other = StoreFactory(slug="elsewhere")
    theirs = Shopper.objects.create(store=other, external_id="x-1")
    client = client_as(viewer_member)

    assert client.get(_url(viewer_member.store, "shopper", shopper_id=theirs.pk)).status_code == 404
    assert client.get(_url(viewer_member.store, "shopper_recommendations", shopper_id=theirs.pk),
                      HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(_url(other, "shoppers")).status_code == 404
    theirs_product = ProductFactory(store=other)
    assert client.get(_url(viewer_member.store, "similar", product_id=theirs_product.pk)).status_code == 404


def test_search_similar_section_and_storefront_preview_render(client_as, viewer_member, behaviour):
    store = viewer_member.store
    client = client_as(viewer_member)
    product = store.products.get(sku="BK-1")
    shopper = Shopper.objects.get(store=store, external_id="s-lab")

    search = client.get(_url(store, "search"), {"q": "glass beaker"})
    similar = client.get(_url(store, "similar", product_id=product.pk), HTTP_HX_REQUEST="true")
    page = client.get(reverse("catalog:product", kwargs={"store_slug": store.slug, "product_id": product.pk}))
    preview = client.get(_url(store, "preview"), {"shopper": shopper.pk, "product": product.pk})

    assert search.status_code == 200 and b"Borosilicate Glass Beaker Set" in search.content
    assert similar.status_code == 200 and similar.content.decode().count('class="rec-item"') == 6
    assert b"data-similar-products" in page.content  # the section registered on the product page
    assert preview.status_code == 200
    assert b"Recommended for you" in preview.content and b"s-lab" in preview.content


def test_only_admins_save_settings_and_only_changed_values_are_stored(client_as, admin_member, editor_member):
    store = admin_member.store
    diversity = 0.35 if DEFAULTS.hybrid.mmr_lambda != 0.65 else 0.4  # anything but the default
    data = _settings_post(half_life_days=DEFAULTS.profile.half_life_days + 3, diversity=diversity)

    refused = client_as(editor_member).post(_url(store, "settings_save"), data)
    assert refused.status_code == 403
    assert not RecommendationSettings.objects.filter(store=store).exists()

    saved = client_as(admin_member).post(_url(store, "settings_save"), data)
    assert saved.status_code == 302
    row = RecommendationSettings.objects.get(store=store)
    assert (row.profile, row.hybrid, row.updated_by) == (
        {"half_life_days": DEFAULTS.profile.half_life_days + 3}, {"mmr_lambda": round(1 - diversity, 6)},
        admin_member.user)


def test_settings_that_the_scoring_refuses_are_shown_not_saved(client_as, admin_member):
    data = _settings_post(product_weight=0, query_weight=0, social_weight=0)

    response = client_as(admin_member).post(_url(admin_member.store, "settings_save"), data)

    assert response.status_code == 400
    assert b"at least one of product, query and social weight must be positive" in response.content
    assert not RecommendationSettings.objects.filter(store=admin_member.store).exists()


def test_the_settings_preview_compares_saved_and_proposed_lists(client_as, viewer_member, behaviour):
    response = client_as(viewer_member).post(_url(viewer_member.store, "settings_preview"),
                                             _settings_post(cooccurrence_weight=0, popularity_weight=0),
                                             HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card-body preview-row"') == 3
    assert not RecommendationSettings.objects.exists()


def test_viewers_cannot_start_jobs(client_as, viewer_member):
    client = client_as(viewer_member)
    store = viewer_member.store

    assert client.post(_url(store, "embeddings_refresh")).status_code == 403
    assert client.post(_url(store, "profiles_rebuild")).status_code == 403
    assert client.post(_url(store, "evaluation_run"), {"methods": ["popularity"], "k": 10, "seed": 0,
                                                       "cold_fraction": 0.1}).status_code == 403
    assert Job.objects.count() == 0


def test_an_editor_uploads_events_and_lands_on_the_job(client_as, editor_member, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("events.csv", b"shopper,type,sku\nA,view,AB-1\n", content_type="text/csv")
    response = client_as(editor_member).post(_url(editor_member.store, "events_import"), {"file": upload})

    job = Job.objects.get(store=editor_member.store, kind=Job.Kind.IMPORT)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.queue, job.total) == ("default", 1)


@pytest.mark.django_db(transaction=True)
def test_an_upload_while_the_broker_is_down_is_kept_and_says_it_waits_for_the_worker(client_as, editor_member,
                                                                                      catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(editor_member)
    upload = SimpleUploadedFile("events.csv", b"shopper,type,sku\nA,view,AB-1\n", content_type="text/csv")
    with broker_at("redis+socket:///nonexistent/valkey.sock?virtual_host=1"):
        response = client.post(_url(editor_member.store, "events_import"), {"file": upload})

    job = Job.objects.get(store=editor_member.store, kind=Job.Kind.IMPORT)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.sent_at) == (Job.Status.QUEUED, None)
    assert "Queued: it will start when the worker is reachable." in client.get(job.get_absolute_url()).content.decode()


def test_the_evaluation_page_shows_the_table_and_the_chart_data(client_as, editor_member, behaviour):
    from catalog.services.jobs import run_job
    from recommendations.services.evaluation import evaluation_run, evaluation_start

    run = evaluation_start(store=editor_member.store, membership=editor_member, background=False,
                           params={"methods": ["popularity", "item_knn"]})
    run_job(run.job_id, evaluation_run)

    response = client_as(editor_member).get(_url(editor_member.store, "evaluation"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-method="popularity"' in html and 'data-method="item_knn"' in html
    assert '"label": "item_knn"' in html  # the chart's series, as JSON
    home = client_as(editor_member).get(reverse("home", kwargs={"store_slug": editor_member.store.slug}))
    assert b"Latest recommendation evaluation" in home.content


def test_a_user_of_two_stores_sees_each_stores_shoppers_only(client, behaviour, store):
    user = UserFactory(username="two-stores")
    other = StoreFactory(slug="second")
    MembershipFactory(user=user, store=store, role="viewer")
    MembershipFactory(user=user, store=other, role="viewer")
    Shopper.objects.create(store=other, external_id="only-in-second")
    client.force_login(user)

    first = client.get(_url(store, "shoppers")).content
    second = client.get(_url(other, "shoppers")).content

    assert b"s-sander" in first and b"only-in-second" not in first
    assert b"only-in-second" in second and b"s-sander" not in second
