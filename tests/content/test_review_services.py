"""The review workflow's writes (content/services/review.py): every transition,
every refusal (asserting that nothing changed), the stale-save conflict,
publishing with versions, restore, regenerate, comments and bulk actions."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog import permissions
from catalog.permissions import Role
from content.errors import DraftNotFound, PublishedCopyNotFound
from content.models import Draft, DraftEvent, GenerationJob, PublishedCopy, PublishedCopyVersion
from content.selectors import product_published_copy
from content.selectors.review import ReviewFilters
from content.services import (
    BulkResult,
    EditConflict,
    brand_voice_for,
    draft_approve,
    draft_approve_and_publish,
    draft_comment,
    draft_edit,
    draft_publish,
    draft_regenerate,
    draft_reject,
    draft_reopen,
    drafts_bulk,
    published_restore,
)
from content.services.review import MAX_TEXT_CHARS, edit_distance
from recommendations.models import ProductEmbedding
from tests.catalog.factories import MembershipFactory, ProductFactory, UserFactory
from tests.content.factories import DraftFactory

pytestmark = pytest.mark.django_db

# Passes every check for the draft fixture's product (length 30-120 words, no claims).
CLEAN = ("Nitrile gloves for the lab bench, sold by the box of 100. They fit well and keep hands dry during long "
         "shifts at the workbench, with textured fingertips for grip. A dependable glove for everyday lab and "
         "workshop tasks that need a sure hold and clean hands all day long.")
S = Draft.Status


def snapshot(draft):
    draft = Draft.objects.get(pk=draft.pk)
    return {
        "status": draft.status, "version": draft.version, "current_text": draft.current_text,
        "approved_at": draft.approved_at, "published_at": draft.published_at, "reviewed_by": draft.reviewed_by_id,
        "reject_reason": draft.reject_reason, "edit_distance": draft.edit_distance,
        "failed_checks": draft.failed_checks, "events": draft.events.count(),
        "copies": PublishedCopyVersion.objects.count(), "jobs": GenerationJob.objects.count(),
    }


@pytest.fixture
def draft(store):
    product = ProductFactory(store=store, title="Nitrile Gloves, Box of 100", attributes={"material": "nitrile"})
    return DraftFactory(store=store, product=product, generated_text=CLEAN, current_text=CLEAN)


@pytest.fixture
def other_member(other_store):
    return MembershipFactory(store=other_store, user=UserFactory(username="olga-other"), role="admin")


def ban(store, word):
    voice = brand_voice_for(store=store)
    voice.banned_words = [word]
    voice.save()


# --------------------------------------------------------------------------- edit


def test_edit_saves_the_text_bumps_the_version_and_records_before_and_after(draft, editor_member):
    edited = draft_edit(draft=draft, membership=editor_member, text=CLEAN + " Sold by the box.", expected_version=1)

    stored = Draft.objects.get(pk=draft.pk)
    assert stored.current_text == CLEAN + " Sold by the box."
    assert stored.generated_text == CLEAN
    assert stored.version == edited.version == 2
    assert [item["name"] for item in stored.checks]  # the checks ran on the new text
    event = stored.events.get()
    assert (event.action, event.actor_id, event.from_status) == ("edited", editor_member.user_id, "to_review")
    assert event.to_status == stored.status
    assert event.data["version"] == 2
    assert event.data["before"] == CLEAN and event.data["after"] == CLEAN + " Sold by the box."


def test_edit_runs_the_checks_again_and_moves_the_draft_to_flagged_and_back(store, draft, editor_member):
    ban(store, "miracle")

    flagged = draft_edit(draft=draft, membership=editor_member, text="A miracle glove, made in Italy.",
                         expected_version=1)

    assert flagged.status == S.FLAGGED
    assert {"banned_words", "unsupported_claims"} <= set(flagged.failed_checks)
    assert Draft.objects.get(pk=draft.pk).failed_checks == flagged.failed_checks

    fixed = draft_edit(draft=draft, membership=editor_member, text=CLEAN, expected_version=2)

    assert "banned_words" not in fixed.failed_checks and "unsupported_claims" not in fixed.failed_checks
    assert fixed.status == S.TO_REVIEW
    assert [(e.from_status, e.to_status) for e in Draft.objects.get(pk=draft.pk).events.all()] == [
        ("to_review", "flagged"), ("flagged", "to_review")]


def test_a_stale_save_raises_a_conflict_with_both_texts_and_saves_nothing(draft, editor_member, admin_member):
    draft_edit(draft=draft, membership=admin_member, text="Their newer text about gloves.", expected_version=1)
    before = snapshot(draft)

    with pytest.raises(EditConflict) as caught:
        draft_edit(draft=draft, membership=editor_member, text="My text about gloves.", expected_version=1)

    assert caught.value.current_text == "Their newer text about gloves."
    assert caught.value.your_text == "My text about gloves."
    assert caught.value.current_version == 2
    assert caught.value.draft.pk == draft.pk
    assert snapshot(draft) == before


def test_saving_unchanged_text_changes_nothing(draft, editor_member):
    before = snapshot(draft)

    result = draft_edit(draft=draft, membership=editor_member, text=CLEAN, expected_version=1)

    assert result.version == 1
    assert snapshot(draft) == before


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (MAX_TEXT_CHARS + 1)])
def test_empty_or_too_long_text_is_refused(draft, editor_member, text):
    before = snapshot(draft)

    with pytest.raises(ValidationError):
        draft_edit(draft=draft, membership=editor_member, text=text, expected_version=1)

    assert snapshot(draft) == before


def test_editing_an_approved_draft_sends_it_back_to_review(draft, editor_member):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)

    edited = draft_edit(draft=draft, membership=editor_member, text=CLEAN + " Now in blue.", expected_version=1)

    stored = Draft.objects.get(pk=draft.pk)
    assert edited.status == stored.status == S.TO_REVIEW
    assert stored.approved_at is None and stored.edit_distance is None
    assert stored.events.last().from_status == "approved"


@pytest.mark.parametrize("status", [S.REJECTED, S.PUBLISHED])
def test_rejected_and_published_drafts_cannot_be_edited(draft, editor_member, status):
    Draft.objects.filter(pk=draft.pk).update(status=status)
    before = snapshot(draft)

    with pytest.raises(ValidationError, match="can be edited"):
        draft_edit(draft=draft, membership=editor_member, text="New text", expected_version=1)

    assert snapshot(draft) == before


# --------------------------------------------------------------------------- permission and store refusals


def refusals():
    return [
        ("edit", lambda d, m: draft_edit(draft=d, membership=m, text="Changed text", expected_version=1)),
        ("approve", lambda d, m: draft_approve(draft=d, membership=m, expected_version=d.version)),
        ("reject", lambda d, m: draft_reject(draft=d, membership=m, reason="Too long")),
        ("comment", lambda d, m: draft_comment(draft=d, membership=m, text="Looks fine")),
        ("regenerate", lambda d, m: draft_regenerate(draft=d, membership=m, instruction="shorter")),
    ]


@pytest.mark.parametrize("name,action", refusals(), ids=[name for name, _ in refusals()])
def test_a_viewer_is_refused_and_nothing_changes(draft, viewer_member, name, action):
    before = snapshot(draft)

    with pytest.raises(PermissionDenied):
        action(draft, viewer_member)

    assert snapshot(draft) == before


@pytest.mark.parametrize("name,action", refusals(), ids=[name for name, _ in refusals()])
def test_another_stores_member_gets_a_404_and_nothing_changes(draft, other_member, name, action):
    before = snapshot(draft)

    with pytest.raises(DraftNotFound):
        action(draft, other_member)

    assert snapshot(draft) == before


def test_a_viewer_cannot_publish_or_reopen(draft, editor_member, viewer_member):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    before = snapshot(draft)

    with pytest.raises(PermissionDenied):
        draft_publish(draft=draft, membership=viewer_member)
    with pytest.raises(PermissionDenied):
        draft_reopen(draft=draft, membership=viewer_member)

    assert snapshot(draft) == before


def test_approve_and_publish_does_both_in_one_transaction(draft, editor_member):
    version = draft_approve_and_publish(draft=draft, membership=editor_member, expected_version=draft.version,
                                        comment="Good as is.")

    draft.refresh_from_db()
    assert (draft.status, version.number, version.text) == (S.PUBLISHED, 1, CLEAN)
    assert list(draft.events.values_list("action", flat=True)) == ["approved", "published"]


def test_approve_and_publish_refused_at_publish_leaves_the_draft_unapproved(draft, editor_member, monkeypatch):
    # A role that may review but not publish: the approval must not stay behind.
    monkeypatch.setitem(permissions._least_role, "content.publish", Role.ADMIN)
    before = snapshot(draft)

    with pytest.raises(PermissionDenied):
        draft_approve_and_publish(draft=draft, membership=editor_member, expected_version=draft.version)

    assert snapshot(draft) == before


def test_another_stores_member_cannot_publish(draft, editor_member, other_member):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    before = snapshot(draft)

    with pytest.raises(DraftNotFound):
        draft_publish(draft=draft, membership=other_member)

    assert snapshot(draft) == before


# --------------------------------------------------------------------------- approve, reject, reopen


def test_approve_records_who_when_and_an_edit_distance_of_zero_for_untouched_text(draft, editor_member):
    Draft.objects.filter(pk=draft.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    approved = draft_approve(draft=draft, membership=editor_member, expected_version=draft.version, comment="  Good.  ")

    stored = Draft.objects.get(pk=draft.pk)
    assert stored.status == approved.status == S.APPROVED
    assert stored.reviewed_by_id == editor_member.user_id
    assert stored.approved_at is not None and stored.reviewed_at == stored.approved_at
    assert stored.edit_distance == 0.0
    assert 299 < stored.review_seconds < 400
    event = stored.events.get()
    assert (event.action, event.from_status, event.to_status, event.comment) == (
        "approved", "to_review", "approved", "Good.")
    assert event.actor_id == editor_member.user_id


def test_approving_an_edited_draft_records_the_normalized_edit_distance(draft, editor_member):
    draft_edit(draft=draft, membership=editor_member, text=CLEAN.replace("lab bench", "workshop"), expected_version=1)

    stored = draft_approve(draft=draft, membership=editor_member, expected_version=2)  # the editor's own text

    expected = edit_distance(CLEAN, CLEAN.replace("lab bench", "workshop"))
    assert 0 < expected < 1
    assert stored.edit_distance == pytest.approx(expected)
    assert Draft.objects.get(pk=draft.pk).edit_distance == pytest.approx(expected)


def test_edit_distance_is_normalized_and_fast_for_long_texts():
    assert edit_distance("abc", "abc") == 0.0
    assert edit_distance("abc", "xyz") == 1.0
    assert edit_distance("", "abc") == 1.0
    assert edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    long_a = "word " * 1000
    long_b = "ward " * 1000
    assert edit_distance(long_a, long_b) == pytest.approx(0.2)


def test_a_flagged_draft_can_be_approved_and_its_failing_checks_are_recorded(draft, editor_member):
    Draft.objects.filter(pk=draft.pk).update(status=S.FLAGGED, failed_checks=["banned_words"])

    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version,
                  comment="The word is fine here.")

    event = Draft.objects.get(pk=draft.pk).events.get()
    assert (event.from_status, event.to_status) == ("flagged", "approved")
    assert event.data["failed_checks"] == ["banned_words"]


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED, S.PUBLISHED])
def test_approve_refuses_a_draft_not_in_review(draft, editor_member, status):
    Draft.objects.filter(pk=draft.pk).update(status=status)
    before = snapshot(draft)

    with pytest.raises(ValidationError, match="can be approved"):
        draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)

    assert snapshot(draft) == before


def test_reject_needs_a_reason_and_records_it(draft, editor_member):
    before = snapshot(draft)
    for blank in ("", "   "):
        with pytest.raises(ValidationError):
            draft_reject(draft=draft, membership=editor_member, reason=blank)
    assert snapshot(draft) == before

    rejected = draft_reject(draft=draft, membership=editor_member, reason=" Claims a certification it lacks. ")

    stored = Draft.objects.get(pk=draft.pk)
    assert stored.status == rejected.status == S.REJECTED
    assert stored.reject_reason == "Claims a certification it lacks."
    assert stored.reviewed_by_id == editor_member.user_id
    event = stored.events.get()
    assert (event.action, event.from_status, event.to_status, event.comment) == (
        "rejected", "to_review", "rejected", "Claims a certification it lacks.")


def test_an_approved_draft_can_be_rejected_but_a_published_one_cannot(draft, editor_member):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    assert draft_reject(draft=draft, membership=editor_member, reason="Changed my mind").status == S.REJECTED
    assert Draft.objects.get(pk=draft.pk).approved_at is None

    Draft.objects.filter(pk=draft.pk).update(status=S.PUBLISHED)
    before = snapshot(draft)
    with pytest.raises(ValidationError, match="can be rejected"):
        draft_reject(draft=draft, membership=editor_member, reason="No")
    assert snapshot(draft) == before


def test_reopen_sends_a_rejected_draft_back_by_its_checks(store, draft, editor_member):
    draft_reject(draft=draft, membership=editor_member, reason="Wrong tone")

    reopened = draft_reopen(draft=draft, membership=editor_member, comment="Second look")

    stored = Draft.objects.get(pk=draft.pk)
    assert stored.status == reopened.status == S.TO_REVIEW
    assert stored.reject_reason == ""
    event = stored.events.last()
    assert (event.action, event.from_status, event.to_status, event.comment) == (
        "reopened", "rejected", "to_review", "Second look")

    ban(store, "nitrile")
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    assert draft_reopen(draft=draft, membership=editor_member).status == S.FLAGGED


@pytest.mark.parametrize("status", [S.TO_REVIEW, S.FLAGGED])
def test_reopen_refuses_a_draft_already_in_review(draft, editor_member, status):
    Draft.objects.filter(pk=draft.pk).update(status=status)
    before = snapshot(draft)

    with pytest.raises(ValidationError, match="can be reopened"):
        draft_reopen(draft=draft, membership=editor_member)

    assert snapshot(draft) == before


# --------------------------------------------------------------------------- publish and restore


def sibling(draft, text):
    return DraftFactory(store=draft.store, product=draft.product, job=draft.job, variant=draft.variant + 1,
                        generated_text=text, current_text=text)


def test_publish_makes_the_text_live_with_version_one_and_marks_the_embedding_dirty(
        draft, editor_member, django_capture_on_commit_callbacks):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)

    version = draft_publish(draft=draft, membership=editor_member, comment="Ship it")

    stored = Draft.objects.get(pk=draft.pk)
    assert stored.status == S.PUBLISHED and stored.published_at is not None
    copy = PublishedCopy.objects.get(product=draft.product, content_type="description", language="en")
    assert (copy.text, copy.version_number, copy.store_id) == (CLEAN, 1, draft.store_id)
    assert (version.copy_id, version.number, version.text, version.draft_id, version.published_by_id) == (
        copy.pk, 1, CLEAN, draft.pk, editor_member.user_id)
    assert version.note == "Ship it"
    event = stored.events.last()
    assert (event.action, event.from_status, event.to_status, event.data) == (
        "published", "approved", "published", {"version": 1, "copy": copy.pk})
    assert ProductEmbedding.objects.get(product=draft.product).dirty
    assert product_published_copy(product=draft.product, language="en") == CLEAN


def test_publishing_another_draft_bumps_the_version_and_returns_the_earlier_draft_to_approved(
        draft, editor_member, admin_member):
    second = sibling(draft, "Textured nitrile gloves for a sure grip at the bench.")
    for each in (draft, second):
        draft_approve(draft=each, membership=editor_member, expected_version=each.version)
    draft_publish(draft=draft, membership=editor_member)

    version = draft_publish(draft=second, membership=admin_member)

    assert version.number == 2
    assert PublishedCopy.objects.get().text == second.current_text
    assert list(PublishedCopyVersion.objects.values_list("number", "draft_id")) == [(2, second.pk), (1, draft.pk)]
    first = Draft.objects.get(pk=draft.pk)
    assert first.status == S.APPROVED
    replaced = first.events.last()
    assert (replaced.action, replaced.from_status, replaced.to_status, replaced.actor_id) == (
        "unpublished", "published", "approved", admin_member.user_id)
    assert replaced.data == {"replaced_by": second.pk}
    assert Draft.objects.get(pk=second.pk).status == S.PUBLISHED


@pytest.mark.parametrize("status", [S.TO_REVIEW, S.FLAGGED, S.REJECTED, S.PUBLISHED])
def test_publish_refuses_a_draft_that_is_not_approved(draft, editor_member, status):
    Draft.objects.filter(pk=draft.pk).update(status=status)
    before = snapshot(draft)

    with pytest.raises(ValidationError, match="can be published"):
        draft_publish(draft=draft, membership=editor_member)

    assert snapshot(draft) == before
    assert not PublishedCopy.objects.exists()


def test_marketing_copy_does_not_touch_the_embedding(store, editor_member):
    marketing = DraftFactory(store=store, job__content_type="marketing", job__goal="Spring sale")
    draft_approve(draft=marketing, membership=editor_member, expected_version=marketing.version)

    draft_publish(draft=marketing, membership=editor_member)

    assert not ProductEmbedding.objects.filter(product=marketing.product).exists()
    assert product_published_copy(product=marketing.product, language="en", content_type="marketing") == \
        marketing.current_text


def test_reopening_a_published_draft_keeps_the_live_copy(draft, editor_member):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    draft_publish(draft=draft, membership=editor_member)

    reopened = draft_reopen(draft=draft, membership=editor_member)

    assert reopened.status == S.TO_REVIEW
    assert PublishedCopy.objects.get().text == CLEAN


def test_restore_makes_an_older_version_live_as_a_new_version(draft, editor_member, admin_member):
    second = sibling(draft, "Textured nitrile gloves for a sure grip at the bench.")
    for each in (draft, second):
        draft_approve(draft=each, membership=editor_member, expected_version=each.version)
    first_version = draft_publish(draft=draft, membership=editor_member)
    draft_publish(draft=second, membership=editor_member)
    ProductEmbedding.objects.filter(product=draft.product).update(dirty=False)

    restored = published_restore(version=first_version, membership=admin_member)

    assert (restored.number, restored.text, restored.restored_from_id, restored.published_by_id) == (
        3, CLEAN, first_version.pk, admin_member.user_id)
    copy = PublishedCopy.objects.get()
    assert (copy.text, copy.version_number) == (CLEAN, 3)
    assert product_published_copy(product=draft.product, language="en") == CLEAN
    assert Draft.objects.get(pk=second.pk).status == S.APPROVED  # no longer live
    assert Draft.objects.get(pk=second.pk).events.last().action == "unpublished"
    assert Draft.objects.get(pk=draft.pk).events.last().action == "restored"
    assert ProductEmbedding.objects.get(product=draft.product).dirty


def test_restore_refusals_change_nothing(draft, editor_member, viewer_member, other_member):
    draft_approve(draft=draft, membership=editor_member, expected_version=draft.version)
    live = draft_publish(draft=draft, membership=editor_member)
    before = snapshot(draft)

    with pytest.raises(PermissionDenied):
        published_restore(version=live, membership=viewer_member)
    with pytest.raises(PublishedCopyNotFound):
        published_restore(version=live, membership=other_member)
    with pytest.raises(ValidationError, match="already the live copy"):
        published_restore(version=live, membership=editor_member)

    assert snapshot(draft) == before
    assert PublishedCopy.objects.get().version_number == 1


# --------------------------------------------------------------------------- regenerate and comment


def test_regenerate_starts_a_job_linked_to_the_draft_with_the_instruction(
        draft, editor_member, django_capture_on_commit_callbacks):
    generation = draft_regenerate(draft=draft, membership=editor_member, instruction="  shorter ")

    assert generation.parent_draft_id == draft.pk
    assert generation.instruction == "shorter"
    assert generation.product_ids == [draft.product_id]
    assert generation.template_version_id == draft.prompt_version_id
    assert (generation.variants, generation.content_type, generation.language) == (1, "description", "en")
    stored = Draft.objects.get(pk=draft.pk)
    assert stored.status == S.TO_REVIEW and stored.version == 1
    event = stored.events.get()
    assert (event.action, event.comment, event.data) == ("regenerated", "shorter", {"job": generation.pk})


def test_comments_are_events_and_need_text(draft, editor_member):
    event = draft_comment(draft=draft, membership=editor_member, text=" Check the box count. ")

    assert (event.action, event.comment, event.from_status, event.to_status, event.actor_id) == (
        "commented", "Check the box count.", "to_review", "to_review", editor_member.user_id)
    before = snapshot(draft)
    with pytest.raises(ValidationError):
        draft_comment(draft=draft, membership=editor_member, text="  ")
    assert snapshot(draft) == before


# --------------------------------------------------------------------------- bulk


def test_bulk_approve_by_ids_skips_wrong_states_and_ignores_other_stores(store, other_store, editor_member):
    waiting = DraftFactory.create_batch(3, store=store)
    flagged = DraftFactory(store=store, status=S.FLAGGED)
    rejected = DraftFactory(store=store, status=S.REJECTED)
    foreign = DraftFactory(store=other_store)

    chosen = [*waiting, flagged, rejected, foreign]
    result = drafts_bulk(store=store, membership=editor_member, action="approve", draft_ids=[d.pk for d in chosen],
                         seen_versions={d.pk: d.version for d in chosen})

    assert result == BulkResult(changed=4, skipped=1)
    assert set(Draft.objects.filter(status=S.APPROVED).values_list("id", flat=True)) == {
        d.pk for d in [*waiting, flagged]}
    assert Draft.objects.get(pk=foreign.pk).status == S.TO_REVIEW
    assert Draft.objects.get(pk=rejected.pk).status == S.REJECTED
    approved = Draft.objects.get(pk=waiting[0].pk)
    assert approved.edit_distance == 0.0 and approved.reviewed_by_id == editor_member.user_id
    assert approved.review_seconds is not None and approved.approved_at is not None
    assert DraftEvent.objects.filter(action="approved", data={"bulk": True}).count() == 4
    assert not DraftEvent.objects.filter(draft=foreign).exists()


def test_bulk_reject_by_filter_takes_everything_it_matches(store, other_store, editor_member):
    gloves = ProductFactory(store=store, sku="GLV-1", title="Nitrile Gloves")
    matched = DraftFactory.create_batch(3, store=store, product=gloves)
    DraftFactory(store=store, status=S.FLAGGED, product=gloves)  # other tab: not matched
    DraftFactory(store=store)  # other product
    DraftFactory(store=other_store, product__sku="GLV-1")

    result = drafts_bulk(store=store, membership=editor_member, action="reject",
                         filters=ReviewFilters(status=S.TO_REVIEW, q="GLV-1"), reason="Off brand")

    assert result == BulkResult(changed=3, skipped=0)
    assert set(Draft.objects.filter(status=S.REJECTED).values_list("id", flat=True)) == {d.pk for d in matched}
    assert set(Draft.objects.filter(status=S.REJECTED).values_list("reject_reason", flat=True)) == {"Off brand"}
    assert DraftEvent.objects.filter(action="rejected", comment="Off brand").count() == 3


def test_bulk_refusals_change_nothing(store, editor_member, viewer_member, other_member):
    drafts = DraftFactory.create_batch(2, store=store)
    ids = [d.pk for d in drafts]
    versions = {d.pk: d.version for d in drafts}

    with pytest.raises(PermissionDenied):
        drafts_bulk(store=store, membership=viewer_member, action="approve", draft_ids=ids, seen_versions=versions)
    with pytest.raises(DraftNotFound):
        drafts_bulk(store=store, membership=other_member, action="approve", draft_ids=ids, seen_versions=versions)
    with pytest.raises(ValidationError):
        drafts_bulk(store=store, membership=editor_member, action="reject", draft_ids=ids, reason=" ")
    with pytest.raises(ValidationError):
        drafts_bulk(store=store, membership=editor_member, action="publish", draft_ids=ids)

    assert set(Draft.objects.values_list("status", flat=True)) == {S.TO_REVIEW}
    assert not DraftEvent.objects.exists()


def test_bulk_works_in_chunks(store, editor_member, monkeypatch):
    monkeypatch.setattr("content.services.review.BULK_CHUNK", 2)
    drafts = DraftFactory.create_batch(5, store=store)

    result = drafts_bulk(store=store, membership=editor_member, action="approve", filters=ReviewFilters(),
                         seen_at=timezone.now())

    assert result == BulkResult(changed=5, skipped=0)
    assert DraftEvent.objects.filter(draft__in=drafts, action="approved").count() == 5


# --------------------------------------------------------------------------- approving only what was seen


def test_approve_refuses_text_the_reviewer_did_not_see_and_changes_nothing(draft, editor_member, admin_member):
    draft_edit(draft=draft, membership=admin_member, text=CLEAN + " Rinse before use.", expected_version=1)
    before = snapshot(draft)

    for approve in (draft_approve, draft_approve_and_publish):
        with pytest.raises(ValidationError) as refused:
            approve(draft=draft, membership=editor_member, expected_version=1)  # the editor read version 1
        assert refused.value.code == "stale_version"
        assert refused.value.messages == [
            f"Draft #{draft.pk} changed since you opened it (it is now version 2); nothing was approved. "
            "Read the new text, then approve it."]
        assert snapshot(draft) == before

    draft_approve(draft=draft, membership=editor_member, expected_version=2)
    assert Draft.objects.get(pk=draft.pk).status == S.APPROVED


def test_approve_and_publish_refuses_an_approved_draft_changed_since_it_was_seen(draft, editor_member, admin_member):
    draft_approve(draft=draft, membership=admin_member, expected_version=1)
    draft_edit(draft=draft, membership=admin_member, text=CLEAN + " Rinse before use.", expected_version=1)
    draft_approve(draft=draft, membership=admin_member, expected_version=2)
    before = snapshot(draft)

    with pytest.raises(ValidationError):
        draft_approve_and_publish(draft=draft, membership=editor_member, expected_version=1)

    assert snapshot(draft) == before and not PublishedCopy.objects.exists()


def _clean_drafts(draft, count):
    # Same product and clean text as the `draft` fixture: an edit keeps them in the to-review tab.
    return [draft] + [DraftFactory(store=draft.store, product=draft.product, generated_text=CLEAN, current_text=CLEAN,
                                   variant=n) for n in range(2, count + 1)]


def test_bulk_approve_leaves_a_draft_whose_text_changed_since_the_reviewer_saw_it(draft, editor_member,
                                                                                   admin_member):
    seen = _clean_drafts(draft, 3)
    versions = {d.pk: d.version for d in seen}
    draft_edit(draft=seen[1], membership=admin_member, text=CLEAN + " Rinse before use.", expected_version=1)
    before = snapshot(seen[1])

    result = drafts_bulk(store=draft.store, membership=editor_member, action="approve", draft_ids=list(versions),
                         seen_versions=versions)

    assert result == BulkResult(changed=2, skipped=0, changed_since_seen=1)
    assert snapshot(seen[1]) == before
    assert {d.pk for d in Draft.objects.filter(status=S.APPROVED)} == {seen[0].pk, seen[2].pk}


def test_bulk_approve_by_filter_leaves_drafts_written_or_edited_after_the_reviewer_looked(draft, editor_member,
                                                                                          admin_member):
    seen = _clean_drafts(draft, 3)
    seen_at = timezone.now()
    draft_edit(draft=seen[0], membership=admin_member, text=CLEAN + " Rinse before use.", expected_version=1)
    later = DraftFactory(store=draft.store, product=draft.product, generated_text=CLEAN, current_text=CLEAN,
                         variant=9)

    result = drafts_bulk(store=draft.store, membership=editor_member, action="approve", filters=ReviewFilters(),
                         seen_at=seen_at)

    assert result == BulkResult(changed=2, skipped=0, changed_since_seen=2)
    assert {d.pk for d in Draft.objects.filter(status=S.APPROVED)} == {seen[1].pk, seen[2].pk}
    assert Draft.objects.get(pk=later.pk).status == S.TO_REVIEW


def test_a_bulk_approval_that_does_not_say_what_was_seen_is_refused(store, editor_member):
    drafts = DraftFactory.create_batch(2, store=store)

    with pytest.raises(ValidationError):
        drafts_bulk(store=store, membership=editor_member, action="approve", draft_ids=[d.pk for d in drafts])
    with pytest.raises(ValidationError):
        drafts_bulk(store=store, membership=editor_member, action="approve", filters=ReviewFilters())

    assert set(Draft.objects.values_list("status", flat=True)) == {S.TO_REVIEW}
    assert not DraftEvent.objects.exists()
