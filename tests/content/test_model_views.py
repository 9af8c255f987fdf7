"""The Models and Copy quality screens: who sees and may do what, another store's objects are 404,
and a refused post changes nothing."""

import pytest
from django.urls import reverse

from content.models import CopyEvaluation, CopyEvaluationDraft, ModelActivation, ModelVersion
from content.selectors.model_versions import active_model_version

pytestmark = pytest.mark.django_db


def url(name, store, **kwargs):
    return reverse(name, kwargs={"store_slug": store.slug, **kwargs})


def ready_version(store, number=1):
    return ModelVersion.objects.create(store=store, number=number, name="tuned on product copy",
                                       status=ModelVersion.Status.READY, base_model_id="gemma-3-270m-q4_k_m",
                                       adapter=f"store-{store.pk}/v{number}", training_examples=640,
                                       loss_curve=[[1, 3.2], [2, 2.9]], sources=["corpus"])


def test_a_viewer_reads_the_versions_but_gets_no_buttons(client_as, viewer_member):
    version = ready_version(viewer_member.store)
    client = client_as(viewer_member)

    page = client.get(url("content:models", viewer_member.store)).content.decode()
    detail = client.get(url("content:model_version", viewer_member.store, version_id=version.pk))

    assert 'data-model-version="1"' in page and "v1 tuned on product copy" in page
    assert "data-use-version" not in page and 'id="train-form"' not in page and 'id="retrain"' not in page
    assert detail.status_code == 200 and "640 examples" in detail.content.decode()
    assert "1 candidate per draft when a job does not choose" in detail.content.decode()


def test_an_editors_forged_choice_is_forbidden_and_changes_nothing(client_as, editor_member):
    version = ready_version(editor_member.store)

    response = client_as(editor_member).post(url("content:model_activate", editor_member.store),
                                             {"model_version": version.pk})

    assert response.status_code == 403
    assert not ModelActivation.objects.exists()


def test_an_admin_chooses_a_version_then_rolls_back_to_the_base_model(client_as, admin_member):
    store = admin_member.store
    version = ready_version(store)
    client = client_as(admin_member)

    client.post(url("content:model_activate", store), {"model_version": version.pk})
    assert active_model_version(store=store) == version
    page = client.get(url("content:models", store)).content.decode()
    assert "data-active-model>v1 tuned on product copy<" in page and "data-roll-back" not in page
    client.post(url("content:model_activate", store), {"model_version": "base"})
    client.post(url("content:model_roll_back", store))

    assert active_model_version(store=store) == version
    assert list(ModelActivation.objects.filter(store=store).values_list("note", flat=True)) == [
        "Rolled back", "", ""]


def test_an_admin_sets_a_versions_best_of_n_and_a_bad_number_changes_nothing(client_as, admin_member):
    store = admin_member.store
    version = ready_version(store)
    client = client_as(admin_member)
    page = url("content:model_version", store, version_id=version.pk)
    save = url("content:model_set_candidates", store, version_id=version.pk)

    assert 'id="candidates-form"' in client.get(page).content.decode()
    shown = client.post(save, {"candidates": "4"}, follow=True).content.decode()
    version.refresh_from_db()
    assert version.candidates == 4
    assert "writes best of 4 when a job does not choose" in shown

    for bad, message in (("9", "Best of 1 to 8 candidates."), ("0", "Best of 1 to 8 candidates."),
                         ("four", "Best of takes a whole number of candidates.")):
        shown = client.post(save, {"candidates": bad}, follow=True).content.decode()
        assert message in shown
    version.refresh_from_db()
    assert version.candidates == 4


def test_editors_cannot_set_best_of_n_nor_admins_of_another_store(client_as, editor_member, admin_member,
                                                                   other_store):
    version = ready_version(editor_member.store)
    theirs = ready_version(other_store)

    assert 'id="candidates-form"' not in client_as(editor_member).get(
        url("content:model_version", editor_member.store, version_id=version.pk)).content.decode()
    forged = client_as(editor_member).post(
        url("content:model_set_candidates", editor_member.store, version_id=version.pk), {"candidates": "4"})
    foreign = client_as(admin_member).post(
        url("content:model_set_candidates", admin_member.store, version_id=theirs.pk), {"candidates": "4"})

    assert (forged.status_code, foreign.status_code) == (403, 404)
    assert set(ModelVersion.objects.values_list("candidates", flat=True)) == {1}


def test_another_stores_version_and_evaluation_are_404(client_as, admin_member, other_store):
    theirs = ready_version(other_store)
    evaluation = CopyEvaluation.objects.create(store=other_store)
    client = client_as(admin_member)

    assert client.get(url("content:model_version", admin_member.store, version_id=theirs.pk)).status_code == 404
    assert client.get(url("content:copy_evaluation", admin_member.store,
                          evaluation_id=evaluation.pk)).status_code == 404
    response = client.post(url("content:model_activate", admin_member.store), {"model_version": theirs.pk})
    assert response.status_code == 404
    assert not ModelActivation.objects.exists()


def test_the_copy_quality_page_lists_evaluations_and_shows_the_drafts_side_by_side(client_as, viewer_member):
    store = viewer_member.store
    evaluation = CopyEvaluation.objects.create(store=store, candidates=4, results={
        "timing": {"prompts": 5, "candidates_per_draft": 2.5, "drafts_per_minute": 28.31},
        "all": {"drafts": 2, "pass_rate": 0.5, "claims_per_draft": 0.5, "ungrounded_details": 7.25},
        "corpus": {"drafts": 1, "pass_rate": 0.0, "claims_per_draft": 1.0, "length_ok": 1.0, "echo_rate": 0.0,
                   "repetition_rate": 0.0, "similarity": 0.61},
        "store": {"drafts": 1, "pass_rate": 1.0, "claims_per_draft": 0.0, "length_ok": 1.0, "echo_rate": 0.0,
                  "repetition_rate": 0.0, "similarity": None}})
    CopyEvaluationDraft.objects.create(evaluation=evaluation, subset="corpus_en", item_key="AMZ-1", language="en",
                                       title="Glass beaker", text="<b>A beaker</b> for 500 labs.",
                                       reference="The seller's own words.", passed=False,
                                       checks=[{"name": "unsupported_claims", "passed": False, "severity": "error",
                                                "message": "Figure '500 labs' is not in the product data"}])
    client = client_as(viewer_member)

    listing = client.get(url("content:copy_quality", store)).content.decode()
    detail = client.get(url("content:copy_evaluation", store, evaluation_id=evaluation.pk)).content.decode()

    assert f'data-evaluation="{evaluation.pk}"' in listing and 'id="copy-evaluation-form"' not in listing
    assert ">Ungrounded details</th>" in listing and ">7.3</td>" in listing
    # Best of 4 stopped early: 2.5 candidates written per draft, and what that gives per minute.
    assert "base model, best of 4<" in listing and ">Candidates/draft</th>" in listing
    assert ">2.50</td>" in listing and ">28.3</td>" in listing
    assert "&lt;b&gt;A beaker&lt;/b&gt;" in detail and "<b>A beaker" not in detail  # model output is escaped
    assert "The seller&#x27;s own words." in detail and "Figure &#x27;500 labs&#x27;" in detail


def test_an_editor_starts_an_evaluation_from_the_page(client_as, editor_member, settings, tmp_path):
    settings.PRODUCT_COPY_DIR = tmp_path  # absent: the store's products only
    client = client_as(editor_member)

    refused = client.post(url("content:copy_evaluation_start", editor_member.store),
                          {"model_version": "base", "candidates": 1, "corpus_per_language": 100,
                           "store_products": 16, "constrain_numbers": "on"}, follow=True)
    assert "PRODUCT_COPY_DIR" in refused.content.decode() and not CopyEvaluation.objects.exists()
    client.post(url("content:copy_evaluation_start", editor_member.store),
                {"model_version": "base", "candidates": 2, "corpus_per_language": 0, "store_products": 16,
                 "constrain_numbers": "on"})

    evaluation = CopyEvaluation.objects.get()
    assert (evaluation.candidates, evaluation.corpus_per_language, evaluation.model_version) == (2, 0, None)
    assert evaluation.job.kind == "evaluation" and evaluation.created_by == editor_member.user


def evaluation_with_store_drafts(store, count=3):
    evaluation = CopyEvaluation.objects.create(store=store, candidates=4, results={})
    drafts = [CopyEvaluationDraft.objects.create(evaluation=evaluation, subset="store", item_key=f"SKU-{n}",
                                                 position=n, language="en", title=f"Glass beaker {n}",
                                                 text="A glass beaker for the lab bench.", passed=True)
              for n in range(count)]
    return evaluation, drafts


def test_a_reader_judges_the_yardsticks_drafts_and_the_figures_count_them(client_as, editor_member):
    store = editor_member.store
    evaluation, drafts = evaluation_with_store_drafts(store)
    client = client_as(editor_member)
    judge = [url("content:copy_evaluation_judge", store, evaluation_id=evaluation.pk, draft_id=d.pk) for d in drafts]

    page = client.get(url("content:copy_evaluation", store, evaluation_id=evaluation.pk)).content.decode()
    assert page.count('data-verdict="as_is"') == 3 and "No draft judged yet" in page
    swapped = client.post(judge[0], {"verdict": "as_is"}, HTTP_HX_REQUEST="true").content.decode()
    client.post(judge[1], {"verdict": "after_edit"}, HTTP_HX_REQUEST="true")
    client.post(judge[2], {"verdict": "reject"})  # without htmx: back to the page

    # The draft's buttons come back with its verdict, and the figures above out of band.
    assert f'id="verdict-{drafts[0].pk}"' in swapped and "Reader: approve as it stands" in swapped
    assert 'id="reader-figures"' in swapped and 'hx-swap-oob="true"' in swapped
    assert "</span> of 1 judged draft approved" in swapped
    first = CopyEvaluationDraft.objects.get(pk=drafts[0].pk)
    assert (first.verdict, first.verdict_by, first.verdict_at is not None) == ("as_is", editor_member.user, True)
    page = client.get(url("content:copy_evaluation", store, evaluation_id=evaluation.pk)).content.decode()
    assert "</span> of 3 judged drafts approved as it stands, 1 after an edit, 1 rejected." in page
    listing = client.get(url("content:copy_quality", store)).content.decode()
    assert '<td class="right" data-reader>1/3</td>' in listing
    unjudged = client.get(url("content:copy_evaluation", store, evaluation_id=evaluation.pk) + "?unjudged=1")
    assert "left to judge" in unjudged.content.decode()

    client.post(judge[0], {"verdict": ""}, HTTP_HX_REQUEST="true")  # cleared
    cleared = CopyEvaluationDraft.objects.get(pk=drafts[0].pk)
    assert (cleared.verdict, cleared.verdict_by, cleared.verdict_at) == ("", None, None)


def test_a_verdict_refused_changes_nothing(client_as, editor_member, viewer_member, other_store):
    evaluation, drafts = evaluation_with_store_drafts(editor_member.store, count=1)
    theirs, their_drafts = evaluation_with_store_drafts(other_store, count=1)
    store = editor_member.store

    page = client_as(viewer_member).get(url("content:copy_evaluation", store, evaluation_id=evaluation.pk))
    viewer = client_as(viewer_member).post(
        url("content:copy_evaluation_judge", store, evaluation_id=evaluation.pk, draft_id=drafts[0].pk),
        {"verdict": "as_is"})
    client = client_as(editor_member)
    unknown = client.post(url("content:copy_evaluation_judge", store, evaluation_id=evaluation.pk,
                              draft_id=drafts[0].pk), {"verdict": "maybe"}, HTTP_HX_REQUEST="true")
    foreign = client.post(url("content:copy_evaluation_judge", store, evaluation_id=theirs.pk,
                              draft_id=their_drafts[0].pk), {"verdict": "as_is"})
    smuggled = client.post(url("content:copy_evaluation_judge", store, evaluation_id=evaluation.pk,
                               draft_id=their_drafts[0].pk), {"verdict": "as_is"})

    assert 'data-verdict="as_is"' not in page.content.decode()  # a viewer reads, and gets no buttons
    assert (viewer.status_code, unknown.status_code, foreign.status_code, smuggled.status_code) == (403, 400, 404, 404)
    assert "Unknown verdict 'maybe'" in unknown.content.decode()
    assert not CopyEvaluationDraft.objects.exclude(verdict="").exists()
