"""The review workflow: every change to a draft after generation.

Each transition is one function that, in one transaction with the draft row
locked, checks the store and the permission, refuses a wrong current state
(and then changes nothing), and records a DraftEvent with who, when, from, to
and the comment.

Statuses: to_review / flagged -> approved or rejected -> published.

Decisions where the issue is silent:
- Editing is allowed in to_review, flagged and approved. Editing an approved
  draft sends it back to review (to_review or flagged, by the checks): what is
  approved must be the text someone approved. Rejected and published drafts are
  reopened first.
- Approving a flagged draft is allowed (the merchant decides, the checks
  advise); the failing checks are kept in the event's data.
- Reject works from to_review, flagged and approved, and needs a reason.
- Reopen works from approved, rejected and published. Reopening a published
  draft leaves the live copy as it is until another publish or a restore.
- Regenerate works in every status, uses the draft's own prompt version (so the
  instruction is the only change), and does not change the draft.
- Comments need content.review (viewers read).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from rapidfuzz.distance import Levenshtein

from catalog import hooks
from catalog.models import Membership, Store
from catalog.permissions import require
from content.errors import DraftNotFound, PublishedCopyNotFound
from content.models import (
    ContentType,
    Draft,
    DraftEvent,
    GenerationJob,
    PublishedCopy,
    PublishedCopyVersion,
)
from content.selectors.review import ReviewFilters, review_queryset
from content.services.drafts import draft_run_checks, initial_status

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 20_000
MAX_COMMENT_CHARS = 5_000
BULK_CHUNK = 500

REVIEW = "content.review"
PUBLISH = "content.publish"
Status = Draft.Status
Action = DraftEvent.Action

EDITABLE = (Status.TO_REVIEW, Status.FLAGGED, Status.APPROVED)
APPROVABLE = (Status.TO_REVIEW, Status.FLAGGED)
REJECTABLE = (Status.TO_REVIEW, Status.FLAGGED, Status.APPROVED)
REOPENABLE = (Status.APPROVED, Status.REJECTED, Status.PUBLISHED)


class EditConflict(Exception):
    """A save that started from an older version than the stored one. Carries
    both texts so the screen can show them and lose neither."""

    def __init__(self, *, draft: Draft, current_text: str, current_version: int, your_text: str) -> None:
        super().__init__(f"Draft #{draft.pk} was changed by someone else (now version {current_version}).")
        self.draft = draft
        self.current_text = current_text
        self.current_version = current_version
        self.your_text = your_text


@dataclass(frozen=True)
class BulkResult:
    changed: int
    skipped: int  # in a state the action does not take, or locked by someone right now
    changed_since_seen: int = 0  # approvals left out: edited (or written) after the reviewer looked


# --------------------------------------------------------------------------- helpers


def edit_distance(generated: str, approved: str) -> float:
    """Normalized Levenshtein distance over characters: 0 unchanged, 1 all
    different (bit-parallel in rapidfuzz: well under a millisecond for 5,000
    characters)."""
    if generated == approved:
        return 0.0
    return float(Levenshtein.normalized_distance(generated, approved))


def _check_store(*, membership: Membership, store_id: int) -> None:
    if membership.store_id != store_id:
        # Another store's draft does not exist as far as this member knows.
        raise DraftNotFound("No such draft in this store.")


def _lock(*, draft: Draft, membership: Membership, permission: str) -> Draft:
    _check_store(membership=membership, store_id=draft.store_id)
    require(membership, permission)
    try:
        return (
            Draft.objects.select_for_update(of=("self",))
            .select_related("store", "product__category", "job", "question")
            .get(pk=draft.pk, store_id=membership.store_id)
        )
    except Draft.DoesNotExist:
        raise DraftNotFound("No such draft in this store.") from None


def _refuse_state(draft: Draft, allowed: Sequence[str], verb: str) -> None:
    if draft.status not in allowed:
        names = " or ".join(str(Status(status).label).lower() for status in allowed)
        raise ValidationError(
            f"Only {names} drafts can be {verb}; draft #{draft.pk} is {Status(draft.status).label.lower()}.",
            code="wrong_status",
        )


def _refuse_unseen(draft: Draft, expected_version: int) -> None:
    """An approval is of the text the reviewer read: the version they had open."""
    if draft.version != expected_version:
        raise ValidationError(
            f"Draft #{draft.pk} changed since you opened it (it is now version {draft.version}); nothing was "
            "approved. Read the new text, then approve it.",
            code="stale_version",
        )


def _event(draft: Draft, membership: Membership, action: str, *, from_status: str, comment: str = "",
           data: dict | None = None) -> DraftEvent:
    return DraftEvent(
        store_id=draft.store_id, draft=draft, actor_id=membership.user_id, action=action,
        from_status=from_status, to_status=draft.status, comment=comment, data=data or {},
    )


def _clean_comment(comment: str) -> str:
    return (comment or "").strip()[:MAX_COMMENT_CHARS]


def _status_from_checks(draft: Draft) -> str:
    """Run the checks on the instance and say where a reviewable draft goes."""
    return initial_status(draft_run_checks(draft=draft))


def _approve_fields(draft: Draft, membership: Membership, now) -> None:
    draft.status = Status.APPROVED
    draft.approved_at = now
    draft.reviewed_at = now
    draft.reviewed_by_id = membership.user_id
    draft.reject_reason = ""
    draft.edit_distance = edit_distance(draft.generated_text, draft.current_text)
    draft.review_seconds = max(0.0, (now - draft.created_at).total_seconds())


def _reject_fields(draft: Draft, membership: Membership, now, reason: str) -> None:
    draft.status = Status.REJECTED
    draft.reviewed_at = now
    draft.reviewed_by_id = membership.user_id
    draft.reject_reason = reason
    draft.approved_at = None
    draft.edit_distance = None
    draft.review_seconds = None


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A rejection needs a reason."}, code="required")
    return reason[:MAX_COMMENT_CHARS]


REVIEW_FIELDS = ["status", "approved_at", "reviewed_at", "reviewed_by", "reject_reason", "edit_distance",
                 "review_seconds", "updated_at"]
CHECK_FIELDS = ["checks", "failed_checks", "signature", "band_keys"]


# --------------------------------------------------------------------------- transitions


def draft_edit(*, draft: Draft, membership: Membership, text: str, expected_version: int) -> Draft:
    """Save a person's text over the draft's current text. `expected_version`
    is the version the editor started from; an older one raises EditConflict
    (nothing saved). Bumps the version, runs the checks again and moves a
    reviewable draft between to_review and flagged by them; an approved draft
    goes back to review. Unchanged text saves nothing."""
    text = (text or "").replace("\r\n", "\n")
    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=REVIEW)
        _refuse_state(locked, EDITABLE, "edited")
        if not text.strip():
            raise ValidationError({"text": "The text cannot be empty."}, code="required")
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationError({"text": f"At most {MAX_TEXT_CHARS:,} characters."}, code="max_length")
        if expected_version != locked.version:
            raise EditConflict(draft=locked, current_text=locked.current_text, current_version=locked.version,
                               your_text=text)
        if text == locked.current_text:
            return locked
        before, from_status = locked.current_text, locked.status
        locked.current_text = text
        locked.version += 1
        locked.status = _status_from_checks(locked)
        if from_status == Status.APPROVED:
            locked.approved_at = None
            locked.edit_distance = None
            locked.review_seconds = None
        locked.save(update_fields=["current_text", "version", *CHECK_FIELDS, *REVIEW_FIELDS])
        _event(locked, membership, Action.EDITED, from_status=from_status,
               data={"version": locked.version, "before": before, "after": text,
                     "failed_checks": list(locked.failed_checks)}).save()
    logger.info("review.edited", extra={"draft": locked.pk, "version": locked.version, "user": membership.user_id})
    return locked


def draft_approve(*, draft: Draft, membership: Membership, expected_version: int, comment: str = "") -> Draft:
    """Approve a draft to review or a flagged one (its failing checks go into
    the event). `expected_version` is the version the reviewer read: a draft
    changed since is refused (ValidationError "stale_version"), so no one
    approves text they did not see. Records the edit distance and the time in review."""
    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=REVIEW)
        _refuse_state(locked, APPROVABLE, "approved")
        _refuse_unseen(locked, expected_version)
        from_status = locked.status
        _approve_fields(locked, membership, timezone.now())
        locked.save(update_fields=REVIEW_FIELDS)
        data = {"edit_distance": locked.edit_distance, "review_seconds": locked.review_seconds}
        if from_status == Status.FLAGGED:
            data["failed_checks"] = list(locked.failed_checks)
        _event(locked, membership, Action.APPROVED, from_status=from_status, comment=_clean_comment(comment),
               data=data).save()
    logger.info("review.approved", extra={"draft": locked.pk, "user": membership.user_id})
    return locked


def draft_reject(*, draft: Draft, membership: Membership, reason: str) -> Draft:
    """Reject a draft to review, flagged or approved, with a reason (required)."""
    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=REVIEW)
        _refuse_state(locked, REJECTABLE, "rejected")
        reason = _clean_reason(reason)
        from_status = locked.status
        _reject_fields(locked, membership, timezone.now(), reason)
        locked.save(update_fields=REVIEW_FIELDS)
        _event(locked, membership, Action.REJECTED, from_status=from_status, comment=reason).save()
    logger.info("review.rejected", extra={"draft": locked.pk, "user": membership.user_id})
    return locked


def draft_reopen(*, draft: Draft, membership: Membership, comment: str = "") -> Draft:
    """Send an approved, rejected or published draft back to review: to_review
    or flagged by its checks, run again (the brand voice may have changed)."""
    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=REVIEW)
        _refuse_state(locked, REOPENABLE, "reopened")
        from_status = locked.status
        locked.status = _status_from_checks(locked)
        locked.approved_at = None
        locked.reject_reason = ""
        locked.edit_distance = None
        locked.review_seconds = None
        locked.save(update_fields=[*CHECK_FIELDS, *REVIEW_FIELDS])
        _event(locked, membership, Action.REOPENED, from_status=from_status, comment=_clean_comment(comment)).save()
    return locked


def draft_publish(*, draft: Draft, membership: Membership, comment: str = "") -> PublishedCopyVersion:
    """Make an approved draft's text the product's live copy for its content
    type and language: a new PublishedCopyVersion (the copy is created on the
    first publish). The draft that was live before goes back to approved. A
    description marks the product's embedding dirty."""
    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=PUBLISH)
        _refuse_state(locked, (Status.APPROVED,), "published")
        now = timezone.now()
        comment = _clean_comment(comment)
        version = _publish_text(
            store=locked.store, product_id=locked.product_id, content_type=locked.content_type,
            language=locked.language, text=locked.current_text, membership=membership, draft=locked,
            note=comment[:500],
        )
        events = [
            _event(previous, membership, Action.UNPUBLISHED, from_status=Status.PUBLISHED,
                   comment=f"Replaced by draft #{locked.pk}.", data={"replaced_by": locked.pk})
            for previous in _unpublish_others(locked, keep=locked.pk)
        ]
        locked.status = Status.PUBLISHED
        locked.published_at = now
        locked.save(update_fields=["status", "published_at", "updated_at"])
        events.append(_event(locked, membership, Action.PUBLISHED, from_status=Status.APPROVED, comment=comment,
                             data={"version": version.number, "copy": version.copy_id}))
        DraftEvent.objects.bulk_create(events)
        _embeddings_changed(store=locked.store, content_type=locked.content_type, product_id=locked.product_id)
    logger.info("review.published", extra={"draft": locked.pk, "version": version.number,
                                            "user": membership.user_id})
    return version


def draft_approve_and_publish(*, draft: Draft, membership: Membership, expected_version: int,
                              comment: str = "") -> PublishedCopyVersion:
    """"Approve and publish": a draft still in review is approved, then published,
    in one transaction, so a refused publish leaves it as it was; an approved
    draft is only published. Either way only the version the reviewer read."""
    with transaction.atomic():
        current = _lock(draft=draft, membership=membership, permission=PUBLISH)
        if current.status in APPROVABLE:
            draft = draft_approve(draft=draft, membership=membership, expected_version=expected_version,
                                  comment=comment)
        else:
            _refuse_unseen(current, expected_version)
        return draft_publish(draft=draft, membership=membership, comment=comment)


def _publish_text(*, store: Store, product_id: int, content_type: str, language: str, text: str,
                  membership: Membership, draft: Draft | None, note: str = "",
                  restored_from: PublishedCopyVersion | None = None) -> PublishedCopyVersion:
    PublishedCopy.objects.get_or_create(
        product_id=product_id, content_type=content_type, language=language,
        defaults={"store": store, "text": text, "version_number": 0},
    )
    copy = PublishedCopy.objects.select_for_update().get(
        product_id=product_id, content_type=content_type, language=language
    )
    copy.version_number += 1
    copy.text = text
    copy.save(update_fields=["version_number", "text", "updated_at"])
    return PublishedCopyVersion.objects.create(
        copy=copy, number=copy.version_number, text=text, draft=draft, published_by_id=membership.user_id,
        restored_from=restored_from, note=note,
    )


def _unpublish_others(draft: Draft, *, keep: int | None) -> list[Draft]:
    """The other drafts live for this product, content type and language, sent
    back to approved (locked, saved; the caller records the events)."""
    others = list(
        Draft.objects.select_for_update()
        .filter(product_id=draft.product_id, content_type=draft.content_type, language=draft.language,
                status=Status.PUBLISHED)
        .exclude(pk=keep)
        .order_by("id")
    )
    for other in others:
        other.status = Status.APPROVED
    if others:
        Draft.objects.bulk_update(others, ["status"])
    return others


def _embeddings_changed(*, store: Store, content_type: str, product_id: int) -> None:
    # The published description is part of the product's text (catalog.hooks.product_descriptions).
    if content_type == ContentType.DESCRIPTION:
        hooks.products_changed_send(store=store, product_ids=[product_id])


def published_restore(*, version: PublishedCopyVersion, membership: Membership) -> PublishedCopyVersion:
    """Make an older version's text live again as a new version (restored_from
    set). The draft live until now goes back to approved; the restored
    version's draft, if it still exists, gets a "restored" event."""
    with transaction.atomic():
        copy = PublishedCopy.objects.select_for_update().select_related("store").filter(pk=version.copy_id).first()
        if copy is None or copy.store_id != membership.store_id:
            raise PublishedCopyNotFound("No such published copy in this store.")
        require(membership, PUBLISH)
        if version.number == copy.version_number:
            raise ValidationError("This version is already the live copy.", code="already_live")
        new = _publish_text(
            store=copy.store, product_id=copy.product_id, content_type=copy.content_type, language=copy.language,
            text=version.text, membership=membership, draft=None, note=f"Restored from version {version.number}.",
            restored_from=version,
        )
        probe = Draft(product_id=copy.product_id, content_type=copy.content_type, language=copy.language)
        events = [
            _event(previous, membership, Action.UNPUBLISHED, from_status=Status.PUBLISHED,
                   comment=f"Version {version.number} restored.", data={"version": new.number})
            for previous in _unpublish_others(probe, keep=None)
        ]
        source = Draft.objects.filter(pk=version.draft_id).first() if version.draft_id else None
        if source is not None:
            events.append(_event(source, membership, Action.RESTORED, from_status=source.status,
                                 data={"version": new.number, "restored_from": version.number}))
        DraftEvent.objects.bulk_create(events)
        _embeddings_changed(store=copy.store, content_type=copy.content_type, product_id=copy.product_id)
    return new


def draft_regenerate(*, draft: Draft, membership: Membership, instruction: str = "") -> GenerationJob:
    """Start a generation job for the draft's product (or question) with the
    same prompt version, one variant, the instruction ("shorter"), and
    parent_draft set, so the new draft links back to this one."""
    from content.services.generation import generation_start

    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=REVIEW)
        require(membership, "content.generate")
        instruction = (instruction or "").strip()[:300]
        job = generation_start(
            store=locked.store, membership=membership, content_type=locked.content_type,
            product_ids=[locked.product_id],
            question_ids=[locked.question_id] if locked.question_id else None,
            template_version=locked.prompt_version, language=locked.language, variants=1,
            instruction=instruction, goal=locked.job.goal, tone=locked.job.tone, parent_draft=locked,
        )
        _event(locked, membership, Action.REGENERATED, from_status=locked.status, comment=instruction,
               data={"job": job.pk}).save()
    return GenerationJob.objects.get(pk=job.pk)


def draft_comment(*, draft: Draft, membership: Membership, text: str) -> DraftEvent:
    """A comment on the draft's timeline (content.review; viewers read)."""
    text = _clean_comment(text)
    with transaction.atomic():
        locked = _lock(draft=draft, membership=membership, permission=REVIEW)
        if not text:
            raise ValidationError({"text": "The comment is empty."}, code="required")
        event = _event(locked, membership, Action.COMMENTED, from_status=locked.status, comment=text)
        event.save()
    return event


# --------------------------------------------------------------------------- bulk


BULK_ACTIONS = {"approve": APPROVABLE, "reject": REJECTABLE}


def drafts_bulk(*, store: Store, membership: Membership, action: str, draft_ids: Sequence[int] | None = None,
                filters: ReviewFilters | None = None, reason: str = "",
                seen_versions: Mapping[int, int] | None = None, seen_at: datetime | None = None) -> BulkResult:
    """Approve or reject the given drafts (other stores' ids are ignored) or
    every draft the filters match. Drafts in a state the action does not take,
    or locked by someone else right now, are skipped, not errors. Works in
    chunks, each its own transaction with the rows locked.

    An approval says what the reviewer saw: by id, the version of each draft
    (`seen_versions`); by filter, when the list was shown (`seen_at`). A draft
    edited since, or written since, is left as it is (`changed_since_seen`)."""
    _check_store(membership=membership, store_id=store.pk)
    require(membership, REVIEW)
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": f"Unknown bulk action '{action}'."})
    if (draft_ids is None) == (filters is None):
        raise ValidationError("Choose drafts by id or by filter.")
    if action == "reject":
        reason = _clean_reason(reason)
    seen = None
    if action == "approve":
        if (seen_versions if draft_ids is not None else seen_at) is None:
            raise ValidationError("An approval must say which version of the drafts was seen.", code="unseen")
        seen = _Seen(versions=seen_versions, at=seen_at) if draft_ids is not None else _Seen(at=seen_at)
    if draft_ids is not None:
        ids = sorted(set(Draft.objects.filter(store=store, pk__in=list(draft_ids)).values_list("id", flat=True)))
    else:
        ids = list(review_queryset(store=store, filters=filters).order_by("id").values_list("id", flat=True))
    changed = unseen = 0
    for start in range(0, len(ids), BULK_CHUNK):
        done, left = _bulk_chunk(ids[start:start + BULK_CHUNK], membership=membership, action=action,
                                 reason=reason, seen=seen)
        changed, unseen = changed + done, unseen + left
    logger.info("review.bulk", extra={"store": store.pk, "action": action, "changed": changed, "unseen": unseen,
                                      "selected": len(ids), "user": membership.user_id})
    return BulkResult(changed=changed, skipped=len(ids) - changed - unseen, changed_since_seen=unseen)


@dataclass(frozen=True)
class _Seen:
    """What a bulk approval's reviewer saw: each draft's version, or the moment the list was shown."""

    versions: Mapping[int, int] | None = None
    at: datetime | None = None

    def covers(self, draft: Draft) -> bool:
        if self.versions is not None:
            return self.versions.get(draft.pk) == draft.version
        return draft.created_at <= self.at and not draft.edited_since


def _bulk_chunk(ids: list[int], *, membership: Membership, action: str, reason: str,
                seen: _Seen | None) -> tuple[int, int]:
    """(changed, left because changed since seen) for one chunk."""
    with transaction.atomic():
        drafts = (
            Draft.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=ids, status__in=BULK_ACTIONS[action])
            .only("id", "store_id", "status", "generated_text", "current_text", "created_at", "failed_checks",
                  "version")
            .order_by("id")
        )
        if seen is not None and seen.at is not None:
            drafts = drafts.annotate(edited_since=Exists(DraftEvent.objects.filter(
                draft=OuterRef("pk"), action=Action.EDITED, created_at__gt=seen.at)))
        drafts = list(drafts)
        unseen = 0
        if seen is not None:
            covered = [draft for draft in drafts if seen.covers(draft)]
            unseen, drafts = len(drafts) - len(covered), covered
        now = timezone.now()
        events = []
        for draft in drafts:
            from_status = draft.status
            if action == "approve":
                _approve_fields(draft, membership, now)
            else:
                _reject_fields(draft, membership, now, reason)
            events.append(_event(draft, membership, Action.APPROVED if action == "approve" else Action.REJECTED,
                                 from_status=from_status, comment=reason, data={"bulk": True}))
        for draft in drafts:
            draft.updated_at = now
        Draft.objects.bulk_update(drafts, REVIEW_FIELDS)
        DraftEvent.objects.bulk_create(events)
    return len(drafts), unseen
