"""The review screens: roles, CSRF, other stores, untrusted text shown as text
everywhere, stale saves, constant queries on the queue, exports, and the word
diff behind the pane."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.checks import CheckResult, Span
from content.diffing import word_diff
from content.models import Draft, DraftEvent, GenerationJob, PublishedCopy
from content.services import review as review_services
from tests.catalog.factories import ProductFactory
from tests.content.factories import DraftFactory, GenerationJobFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script> Gloves in <b>bold</b> nitrile."
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "review-pane"}


def url(name, store, **kwargs):
    return reverse(name, kwargs={"store_slug": store.slug, **kwargs})


def drafts(store, count, **fields):
    job = GenerationJobFactory(store=store)
    return [DraftFactory(store=store, job=job, **fields) for _ in range(count)]


def snapshot(draft):
    draft.refresh_from_db()
    return (draft.status, draft.current_text, draft.version, draft.events.count())


# --------------------------------------------------------------------------- roles


def test_a_viewer_reads_the_queue_and_pane_without_any_action(client_as, viewer_member):
    draft, = drafts(viewer_member.store, 1)
    client = client_as(viewer_member)

    queue = client.get(url("content:review", viewer_member.store)).content.decode()
    pane = client.get(url("content:review_draft", viewer_member.store, draft_id=draft.pk)).content.decode()

    assert draft.product.title in queue and draft.product.title in pane
    for page in (queue, pane):
        assert "data-action=" not in page
        assert "data-editor-form" not in page and 'name="draft"' not in page
        assert "Approve selected" not in page
    assert "data-draft-readonly" in pane


@pytest.mark.parametrize("action,data", [
    ("content:review_approve", {}),
    ("content:review_publish", {}),
    ("content:review_reject", {"reason": "Wrong facts"}),
    ("content:review_edit", {"text": "Changed by a viewer", "expected_version": 1}),
    ("content:review_comment", {"comment": "hello"}),
    ("content:review_regenerate", {"instruction": "shorter"}),
])
def test_a_viewers_forged_post_is_forbidden_and_changes_nothing(client_as, viewer_member, action, data):
    draft, = drafts(viewer_member.store, 1)
    before = snapshot(draft)

    response = client_as(viewer_member).post(url(action, viewer_member.store, draft_id=draft.pk), data)

    assert response.status_code == 403
    assert snapshot(draft) == before
    assert not PublishedCopy.objects.exists()


def test_a_viewers_forged_bulk_approve_is_forbidden(client_as, viewer_member):
    items = drafts(viewer_member.store, 2)

    response = client_as(viewer_member).post(url("content:review_bulk", viewer_member.store),
                                             {"action": "approve", "draft": [d.pk for d in items]})

    assert response.status_code == 403
    assert set(Draft.objects.values_list("status", flat=True)) == {"to_review"}


def test_an_editor_sees_the_actions(client_as, editor_member):
    draft, = drafts(editor_member.store, 1)

    pane = client_as(editor_member).get(url("content:review_draft", editor_member.store, draft_id=draft.pk))

    html = pane.content.decode()
    for marker in ('data-action="approve"', 'data-action="publish"', 'data-action="reject"', "data-editor-form",
                   'data-action="regenerate"'):
        assert marker in html
    assert 'id="expected-version" name="expected_version" value="1"' in html


def test_approving_moves_the_pane_to_the_next_draft(client_as, editor_member):
    store = editor_member.store
    newer, older = sorted(drafts(store, 2), key=lambda d: (d.created_at, d.pk), reverse=True)

    response = client_as(editor_member).post(url("content:review_approve", store, draft_id=newer.pk),
                                             {"expected_version": newer.version}, **HTMX)

    assert response.status_code == 200
    newer.refresh_from_db()
    assert newer.status == "approved" and newer.reviewed_by == editor_member.user
    html = response.content.decode()
    assert f'data-draft-id="{older.pk}"' in html  # the pane shows the next draft
    assert response["HX-Push-Url"] == url("content:review_draft", store, draft_id=older.pk)
    assert "Approved" in html and 'id="review-flash"' in html and 'hx-swap-oob="true"' in html
    assert f'id="queue-row-{newer.pk}"' in html  # the row of the approved draft, out of band


def test_approving_without_htmx_redirects_to_the_next_draft(client_as, editor_member):
    store = editor_member.store
    newer, older = sorted(drafts(store, 2), key=lambda d: (d.created_at, d.pk), reverse=True)

    response = client_as(editor_member).post(url("content:review_approve", store, draft_id=newer.pk),
                                             {"shown_version": newer.version})

    assert response.status_code == 302
    assert response["Location"] == url("content:review_draft", store, draft_id=older.pk)


def test_publishing_without_htmx_shows_what_happened_in_the_review_flash(client_as, editor_member):
    store = editor_member.store
    draft, = drafts(store, 1, status=Draft.Status.APPROVED)

    response = client_as(editor_member).post(url("content:review_publish", store, draft_id=draft.pk),
                                             {"shown_version": draft.version}, follow=True)

    assert response.redirect_chain[-1][1] == 302
    html = response.content.decode()
    flash = html[html.index('id="review-flash"'):]
    flash = flash[:flash.index("</div></div>")]
    assert "data-flash" in flash and "Published" in flash and "live copy v1" in flash
    assert html.count("Published “") == 1  # shown once, in the flash, not also in the page's message list


def test_an_editor_approves_and_publishes_and_the_product_page_shows_it(client_as, editor_member):
    store = editor_member.store
    draft, = drafts(store, 1, generated_text="Sturdy nitrile gloves for the bench.")
    client = client_as(editor_member)

    response = client.post(url("content:review_publish", store, draft_id=draft.pk),
                           {"text": "Sturdy nitrile gloves, edited.", "expected_version": 1}, **HTMX)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "published" and draft.current_text == "Sturdy nitrile gloves, edited."
    copy = PublishedCopy.objects.get(product=draft.product)
    assert copy.text == "Sturdy nitrile gloves, edited."
    product_page = client.get(url("catalog:product", store, product_id=draft.product_id)).content.decode()
    assert "data-published-copy" in product_page
    assert "Sturdy nitrile gloves, edited." in product_page
    assert 'data-restore="' not in product_page  # one version: nothing older to restore


def test_restoring_an_older_published_version(client_as, editor_member):
    store = editor_member.store
    product = ProductFactory(store=store)
    job = GenerationJobFactory(store=store)
    first, second = (DraftFactory(store=store, job=job, product=product, variant=n) for n in (1, 2))
    for draft, text in ((first, "First live text."), (second, "Second live text.")):
        draft.current_text = text
        draft.save()
        review_services.draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
        review_services.draft_publish(draft=draft, membership=editor_member)
    version_one = PublishedCopy.objects.get(product=product).versions.get(number=1)
    client = client_as(editor_member)
    assert 'data-restore="1"' in client.get(url("catalog:product", store, product_id=product.pk)).content.decode()

    response = client.post(url("content:published_restore", store, version_id=version_one.pk))

    assert response.status_code == 302
    assert PublishedCopy.objects.get(product=product).text == "First live text."


def test_a_viewer_cannot_restore(client_as, viewer_member, editor_member):
    store = editor_member.store
    draft, = drafts(store, 1)
    review_services.draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    version = review_services.draft_publish(draft=draft, membership=editor_member)

    response = client_as(viewer_member).post(url("content:published_restore", store, version_id=version.pk))

    assert response.status_code == 403


def test_another_stores_draft_is_404(client_as, editor_member, other_store):
    foreign, = drafts(other_store, 1)
    client = client_as(editor_member)

    assert client.get(url("content:review_draft", editor_member.store, draft_id=foreign.pk)).status_code == 404
    response = client.post(url("content:review_approve", editor_member.store, draft_id=foreign.pk))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "to_review"


def test_a_non_member_gets_404_for_the_queue(client_as, editor_member, other_store):
    response = client_as(editor_member).get(url("content:review", other_store))

    assert response.status_code == 404


def test_a_post_without_csrf_token_is_refused(editor_member):
    draft, = drafts(editor_member.store, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_member.user)

    response = client.post(url("content:review_approve", editor_member.store, draft_id=draft.pk))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "to_review" and not draft.events.exists()


def test_rejecting_needs_a_reason(client_as, editor_member):
    draft, = drafts(editor_member.store, 1)
    before = snapshot(draft)
    client = client_as(editor_member)

    refused = client.post(url("content:review_reject", editor_member.store, draft_id=draft.pk), {"reason": " "},
                          **HTMX)

    assert refused.status_code == 400
    assert "needs a reason" in refused.content.decode()
    assert snapshot(draft) == before

    done = client.post(url("content:review_reject", editor_member.store, draft_id=draft.pk),
                       {"reason": "Wrong facts"}, **HTMX)
    assert done.status_code == 200
    draft.refresh_from_db()
    assert (draft.status, draft.reject_reason) == ("rejected", "Wrong facts")


def test_regenerate_starts_a_job_linked_to_the_draft(client_as, editor_member):
    draft, = drafts(editor_member.store, 1)

    response = client_as(editor_member).post(
        url("content:review_regenerate", editor_member.store, draft_id=draft.pk),
        {"instruction": "shorter", "instruction_text": "ignored when a preset is clicked"}, **HTMX)

    assert response.status_code == 200
    job = GenerationJob.objects.get(parent_draft=draft)
    assert (job.instruction, job.product_ids, job.variants) == ("shorter", [draft.product_id], 1)
    assert "Regenerating" in response.content.decode()


def test_reopen_sends_a_rejected_draft_back_and_stays_on_it(client_as, editor_member):
    draft, = drafts(editor_member.store, 1)
    review_services.draft_reject(draft=draft, membership=editor_member, reason="Too long")

    response = client_as(editor_member).post(
        url("content:review_reopen", editor_member.store, draft_id=draft.pk) + "?status=rejected", **HTMX)

    assert response.status_code == 200
    assert f'data-draft-id="{draft.pk}"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.status in Draft.REVIEWABLE and draft.reject_reason == ""


def test_comment_shows_in_the_history(client_as, editor_member):
    draft, = drafts(editor_member.store, 1)

    response = client_as(editor_member).post(url("content:review_comment", editor_member.store, draft_id=draft.pk),
                                             {"comment": "Check the <i>grit</i> size"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-draft-id="{draft.pk}"' in html  # stays on this draft
    assert "Check the &lt;i&gt;grit&lt;/i&gt; size" in html
    assert draft.events.get().action == DraftEvent.Action.COMMENTED


# --------------------------------------------------------------------------- editing


def test_a_save_bumps_the_version_and_reruns_the_checks(client_as, editor_member):
    draft, = drafts(editor_member.store, 1, generated_text="Nitrile gloves for the lab.")

    response = client_as(editor_member).post(
        url("content:review_edit", editor_member.store, draft_id=draft.pk),
        {"text": "Nitrile gloves for your lab bench.", "expected_version": 1},
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="editor-feedback",
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.current_text, draft.version) == ("Nitrile gloves for your lab bench.", 2)
    assert draft.checks  # ran again
    html = response.content.decode()
    assert 'id="expected-version" name="expected_version" value="2" hx-swap-oob="true"' in html
    assert "Nitrile gloves for <del>the</del><ins>your</ins> lab<ins> bench</ins>." in html


def test_a_stale_save_shows_both_texts_and_saves_nothing(client_as, editor_member, admin_member):
    draft, = drafts(editor_member.store, 1)
    review_services.draft_edit(draft=draft, membership=admin_member, text="Their newer text.", expected_version=1)

    response = client_as(editor_member).post(
        url("content:review_edit", editor_member.store, draft_id=draft.pk),
        {"text": "My <em>own</em> text.", "expected_version": 1},
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="editor-feedback",
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "data-conflict" in html
    assert "Their newer text." in html
    assert "My &lt;em&gt;own&lt;/em&gt; text." in html
    assert 'data-take-theirs data-version="2"' in html
    draft.refresh_from_db()
    assert (draft.current_text, draft.version) == ("Their newer text.", 2)


def test_a_stale_save_without_javascript_keeps_my_text_in_the_editor(client_as, editor_member, admin_member):
    draft, = drafts(editor_member.store, 1)
    review_services.draft_edit(draft=draft, membership=admin_member, text="Their newer text.", expected_version=1)

    response = client_as(editor_member).post(url("content:review_edit", editor_member.store, draft_id=draft.pk),
                                             {"text": "My text.", "expected_version": 1})

    assert response.status_code == 409
    html = response.content.decode()
    assert "data-editor>My text.</textarea>" in html and "Their newer text." in html


def test_approving_with_a_stale_unsaved_edit_is_refused(client_as, editor_member, admin_member):
    draft, = drafts(editor_member.store, 1)
    review_services.draft_edit(draft=draft, membership=admin_member, text="Their newer text.", expected_version=1)
    before = snapshot(draft)

    response = client_as(editor_member).post(url("content:review_approve", editor_member.store, draft_id=draft.pk),
                                             {"text": "Mine.", "expected_version": 1}, **HTMX)

    assert response.status_code == 409
    assert "data-conflict" in response.content.decode()
    assert snapshot(draft) == before and draft.current_text == "Their newer text."


# --------------------------------------------------------------------------- untrusted text


def test_model_output_is_shown_as_text_everywhere(client_as, editor_member):
    store = editor_member.store
    failing = CheckResult(name="banned_words", passed=False, message="Uses a <banned> word",
                          spans=(Span(0, 8, note="<i>note</i>"),))
    draft, = drafts(store, 1, generated_text="Plain gloves.", current_text=HOSTILE, checks=[failing.to_dict()],
                    failed_checks=["banned_words"], status=Draft.Status.FLAGGED)
    client = client_as(editor_member)

    queue = client.get(url("content:review", store) + "?status=flagged").content.decode()
    pane = client.get(url("content:review_draft", store, draft_id=draft.pk) + "?status=flagged").content.decode()

    for page in (queue, pane):
        assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
        assert ESCAPED_SCRIPT in page
    assert "<mark" in pane and "&lt;script" in pane.split("data-highlighted>")[1].split("</div>")[0]
    diff = pane.split("data-diff>")[1].split("</div>")[0]
    assert "<ins>" in diff and ESCAPED_SCRIPT in diff and "&lt;b&gt;bold&lt;/b&gt;" in diff
    assert "Uses a &lt;banned&gt; word" in pane

    review_services.draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    review_services.draft_publish(draft=draft, membership=editor_member)
    product_page = client.get(url("catalog:product", store, product_id=draft.product_id)).content.decode()
    assert "<script>alert(1)</script>" not in product_page and ESCAPED_SCRIPT in product_page

    exported = client.get(url("content:review_export_json", store))
    assert exported["Content-Type"] == "application/json"
    assert json.loads(exported.content)["items"][0]["text"] == HOSTILE  # data, for a program to escape


# --------------------------------------------------------------------------- queue


def _queue_queries(client, store):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("content:review", store))
    assert response.status_code == 200
    return len(queries), response


def test_the_queue_page_runs_the_same_number_of_queries_for_5_and_50_drafts(client_as, editor_member):
    store = editor_member.store
    client = client_as(editor_member)
    drafts(store, 5)
    few, _ = _queue_queries(client, store)

    drafts(store, 45)
    many, response = _queue_queries(client, store)

    assert many == few
    assert response.content.decode().count("data-queue-row") == 50


def test_the_queue_pages_with_load_more(client_as, editor_member):
    store = editor_member.store
    made = drafts(store, 52)
    client = client_as(editor_member)

    first = client.get(url("content:review", store)).content.decode()
    assert first.count('class="queue-row') == 50 and "data-load-more" in first
    more_link = first.split('data-load-more')[0].rsplit('hx-get="', 1)[1].split('"')[0].replace("&amp;", "&")

    rest = client.get(more_link, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-more").content.decode()

    assert rest.count('class="queue-row') == 2 and "data-load-more" not in rest
    assert "<html" not in rest
    shown = {int(part.split('"')[0]) for part in (first + rest).split('data-draft-id="')[1:]}
    assert shown == {d.pk for d in made}


def test_tabs_count_each_status_and_filters_narrow_the_list(client_as, editor_member):
    store = editor_member.store
    to_review = drafts(store, 3)
    flagged = drafts(store, 2, status=Draft.Status.FLAGGED, failed_checks=["length"])
    client = client_as(editor_member)

    page = client.get(url("content:review", store)).content.decode()
    assert 'data-tab="to_review"' in page
    assert page.split('data-tab="to_review"')[1].split("data-tab-count>")[1].startswith("3<")
    assert page.split('data-tab="flagged"')[1].split("data-tab-count>")[1].startswith("2<")

    narrowed = client.get(url("content:review", store) + "?status=flagged&failed_check=length",
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="review-queue").content.decode()
    assert narrowed.count('class="queue-row') == 2
    assert all(f'data-draft-id="{d.pk}"' in narrowed for d in flagged)
    assert not any(f'data-draft-id="{d.pk}"' in narrowed for d in to_review)
    assert "<html" not in narrowed


def test_bulk_approve_of_the_selection(client_as, editor_member):
    store = editor_member.store
    chosen, left = drafts(store, 2), drafts(store, 1)

    response = client_as(editor_member).post(url("content:review_bulk", store),
                                             {"action": "approve", "draft": [f"{d.pk}:{d.version}" for d in chosen]})

    assert response.status_code == 302
    assert set(Draft.objects.filter(pk__in=[d.pk for d in chosen]).values_list("status", flat=True)) == {"approved"}
    assert Draft.objects.get(pk=left[0].pk).status == "to_review"


def test_bulk_reject_of_everything_the_filter_matches_needs_a_reason(client_as, editor_member):
    store = editor_member.store
    flagged = drafts(store, 3, status=Draft.Status.FLAGGED)
    other = drafts(store, 1)
    client = client_as(editor_member)
    page = client.get(url("content:review", store) + "?status=flagged").content.decode()
    assert 'data-confirm="Reject all 3 drafts this filter matches?"' in page

    refused = client.post(url("content:review_bulk", store) + "?scope=filter",
                          {"action": "reject", "status": "flagged", "reason": ""})
    assert refused.status_code == 302
    assert set(Draft.objects.filter(pk__in=[d.pk for d in flagged]).values_list("status", flat=True)) == {"flagged"}

    client.post(url("content:review_bulk", store) + "?scope=filter",
                {"action": "reject", "status": "flagged", "reason": "Off-brand tone"})

    assert set(Draft.objects.filter(pk__in=[d.pk for d in flagged]).values_list("reject_reason", flat=True)) == {
        "Off-brand tone"}
    assert Draft.objects.get(pk=other[0].pk).status == "to_review"


# --------------------------------------------------------------------------- exports


def _approved(store, membership, **fields):
    draft, = drafts(store, 1, **fields)
    review_services.draft_approve(draft=draft, membership=membership, expected_version=draft.version)
    return draft


def test_export_csv_has_approved_copy_and_guards_formulas(client_as, editor_member):
    store = editor_member.store
    product = ProductFactory(store=store, sku="A-1", title="=HYPERLINK(\"x\")")
    _approved(store, editor_member, product=product, current_text="-1 grit, +2 rolls")
    drafts(store, 1)  # to review: not exported

    response = client_as(editor_member).get(url("content:review_export_csv", store))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="bench-approved-copy.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["sku", "title", "content_type", "language", "status", "text"]
    assert len(rows) == 2
    assert rows[1][:6] == ["A-1", "'=HYPERLINK(\"x\")", "description", "en", "approved", "'-1 grit, +2 rolls"]


def test_export_json_honours_the_filters(client_as, editor_member):
    store = editor_member.store
    kept = _approved(store, editor_member, product=ProductFactory(store=store, sku="KEEP-1", title="Beaker set"))
    _approved(store, editor_member, product=ProductFactory(store=store, sku="DROP-1", title="Caliper"))

    response = client_as(editor_member).get(url("content:review_export_json", store) + "?q=KEEP-1")

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    body = json.loads(response.content)
    assert body["count"] == 1
    assert [(item["sku"], item["text"], item["status"]) for item in body["items"]] == [
        ("KEEP-1", kept.current_text, "approved")]


# --------------------------------------------------------------------------- navigation and other pages


def test_the_nav_counts_what_waits_and_links_to_the_queue(client_as, viewer_member):
    store = viewer_member.store
    drafts(store, 2)
    drafts(store, 1, status=Draft.Status.FLAGGED)
    drafts(store, 1, status=Draft.Status.APPROVED)

    page = client_as(viewer_member).get(url("home", store)).content.decode()

    assert 'data-nav-item="review"' in page
    assert "data-nav-count>3</span>" in page


def test_the_prompt_page_shows_each_versions_review_record(client_as, editor_member):
    store = editor_member.store
    draft, = drafts(store, 1)
    review_services.draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    template = draft.prompt_version.template

    page = client_as(editor_member).get(url("content:template", store, template_id=template.pk)).content.decode()

    assert "data-version-stats" in page and "100%" in page


# --------------------------------------------------------------------------- word_diff


def _rebuild(pieces, keep):
    return "".join(text for op, text in pieces if op in ("equal", keep))


@pytest.mark.parametrize("a,b", [
    ("Powder-free nitrile gloves for the lab.", "Powder-free latex gloves for your lab!"),
    ("", "New text"),
    ("Old text", ""),
    ("same words\nover  lines ", "same words\nover  lines "),
    ("防水聚氨酯胶水", "防水好用的胶水"),
])
def test_word_diff_joins_back_into_both_texts(a, b):
    pieces = word_diff(a, b)

    assert _rebuild(pieces, "delete") == a
    assert _rebuild(pieces, "insert") == b


def test_word_diff_marks_whole_words_and_keeps_punctuation_apart():
    assert word_diff("Nitrile gloves for the lab.", "Nitrile gloves for your lab!") == [
        ("equal", "Nitrile gloves for "), ("delete", "the"), ("insert", "your"), ("equal", " lab"),
        ("delete", "."), ("insert", "!"),
    ]


def test_word_diff_of_equal_texts_is_one_piece():
    assert word_diff("a b c", "a b c") == [("equal", "a b c")]
    assert word_diff("", "") == []


# --------------------------------------------------------------------------- approving only what was seen


def test_the_approve_form_carries_the_version_shown_and_a_changed_draft_is_not_approved(client_as, editor_member,
                                                                                          admin_member):
    store = editor_member.store
    draft, = drafts(store, 1)
    client = client_as(editor_member)
    pane = client.get(url("content:review_draft", store, draft_id=draft.pk)).content.decode()
    assert 'name="shown_version" value="1"' in pane
    review_services.draft_edit(draft=draft, membership=admin_member, text=draft.current_text + " Rinse first.",
                               expected_version=1)  # someone else, while the editor reads version 1

    response = client.post(url("content:review_approve", store, draft_id=draft.pk), {"shown_version": "1"},
                           follow=True)

    draft.refresh_from_db()
    assert draft.status != "approved" and draft.version == 2
    assert "changed since you opened it (it is now version 2); nothing was approved" in response.content.decode()
    client.post(url("content:review_approve", store, draft_id=draft.pk), {"shown_version": "2"})
    assert Draft.objects.get(pk=draft.pk).status == "approved"


def test_an_approval_that_names_no_version_approves_nothing(client_as, editor_member):
    store = editor_member.store
    draft, = drafts(store, 1)

    client_as(editor_member).post(url("content:review_approve", store, draft_id=draft.pk))

    assert Draft.objects.get(pk=draft.pk).status == "to_review"


def test_bulk_approve_skips_a_ticked_draft_that_changed_since_the_queue_was_shown(client_as, editor_member,
                                                                                  admin_member):
    store = editor_member.store
    chosen = drafts(store, 2)
    client = client_as(editor_member)
    queue = client.get(url("content:review", store)).content.decode()
    assert all(f'name="draft" value="{d.pk}:1"' in queue for d in chosen)
    review_services.draft_edit(draft=chosen[0], membership=admin_member, text=chosen[0].current_text + " Rinse.",
                               expected_version=1)

    response = client.post(url("content:review_bulk", store),
                           {"action": "approve", "draft": [f"{d.pk}:1" for d in chosen]}, follow=True)

    assert Draft.objects.get(pk=chosen[0].pk).status != "approved"
    assert Draft.objects.get(pk=chosen[1].pk).status == "approved"
    assert ("Approved 1 draft. 1 left as it was: its text changed since the list was shown; open it to read the "
            "new text.") in response.content.decode()
