"""The review screens: the queue with its tabs, filters and bulk
actions; the review pane (facts, editor, checks, diff, variants, history) and
its actions; exports; restoring a published version.

Every write goes through content.services.review, which checks the role and
the draft's state; the views only decide what to show next. htmx requests get
fragments of content/review.html (the queue list, its rows, the pane); plain
requests get whole pages or a redirect, so the screen works without JavaScript.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.access import store_view
from catalog.request_values import id_or_none, whole_number_or_none
from content.checks import CHECK_CHOICES, highlight_segments, results_from_json
from content.diffing import diff_stats, word_diff
from content.models import ContentType, Draft, GenerationJob, PromptVersion
from content.selectors import product_published_copy
from content.selectors import review as sel
from content.services import review as review_services

# Reject reasons a reviewer can pick instead of typing (free text always works).
REJECT_REASONS = ("Wrong facts", "Off-brand tone", "Too long", "Too short", "Repetitive", "Not in the right language")
REGENERATE_INSTRUCTIONS = ("shorter", "longer", "more playful", "more formal", "stick to the facts")
FILTER_CHOICES_LIMIT = 100
# Candidates best of n did not put forward are reached from the draft they lost to, not a tab.
TABS = [(status.value, status.label) for status in Draft.QUEUE_STATUSES]


# --------------------------------------------------------------------------- helpers


def _filters(request) -> sel.ReviewFilters:
    return sel.ReviewFilters.from_query(request.GET)


def _qs(filters: sel.ReviewFilters, **extra) -> str:
    query = {**filters.to_query(), **{k: v for k, v in extra.items() if v}}
    return urlencode(query)


def _pane_url(request, draft_id: int, filters: sel.ReviewFilters) -> str:
    url = reverse("content:review_draft", kwargs={"store_slug": request.store.slug, "draft_id": draft_id})
    query = _qs(filters)
    return f"{url}?{query}" if query else url


def _queue_url(request, filters: sel.ReviewFilters) -> str:
    url = reverse("content:review", kwargs={"store_slug": request.store.slug})
    query = _qs(filters)
    return f"{url}?{query}" if query else url


def _filter_choices(store) -> dict:
    """The filter form's select options: a few small queries, the same for any queue size."""
    jobs = list(
        GenerationJob.objects.filter(store=store).select_related("job").order_by("-job__created_at")
        [:FILTER_CHOICES_LIMIT]
    )
    versions = list(
        PromptVersion.objects.filter(template__store=store).select_related("template")
        .order_by("template__content_type", "template__language", "template__name", "-number")
        [:FILTER_CHOICES_LIMIT]
    )
    return {"content_types": ContentType.choices, "jobs": jobs, "versions": versions, "checks": CHECK_CHOICES}


def _queue_context(request, filters: sel.ReviewFilters) -> dict:
    page = sel.review_queue(store=request.store, filters=filters, after=request.GET.get("after") or None)
    counts = sel.review_counts(store=request.store, filters=filters)
    return {
        "filters": filters,
        "query": _qs(filters),
        "page": page,
        "counts": counts,
        "tabs": _tabs(filters, counts),
        "matching": counts[filters.status],
        "more_query": _qs(filters, after=page.next_cursor) if page.next_cursor else "",
        "reject_reasons": REJECT_REASONS,
        # "Approve all" approves what the list held when it was shown, nothing written or edited since.
        "shown_at": timezone.now().isoformat(),
    }


def _tabs(filters: sel.ReviewFilters, counts: dict[str, int]) -> list[dict]:
    return [{"status": status, "label": label, "count": counts[status],
             "query": urlencode(filters.to_query(status=status))} for status, label in TABS]


def _pane_context(request, draft: Draft, filters: sel.ReviewFilters) -> dict:
    results = results_from_json(draft.checks)
    failing = [result for result in results if not result.passed]
    diff = word_diff(draft.generated_text, draft.current_text)
    previous_id, next_id = sel.review_neighbours(store=request.store, filters=filters, draft=draft)
    membership = request.membership
    return {
        "draft": draft,
        "product": draft.product,
        "filters": filters,
        "query": _qs(filters),
        "failing": failing,
        "segments": highlight_segments(draft.current_text, results),
        "diff": diff,
        "diff_stats": diff_stats(diff),
        "live_copy": product_published_copy(product=draft.product, language=draft.language,
                                            content_type=draft.content_type),
        "variants": sel.draft_variants(draft=draft),
        "history": sel.draft_history(draft=draft),
        "prev_url": _pane_url(request, previous_id, filters) if previous_id else "",
        "next_url": _pane_url(request, next_id, filters) if next_id else "",
        "can_review": membership.can("content.review"),
        "editable": draft.status in review_services.EDITABLE,
        "rejectable": draft.status in review_services.REJECTABLE,
        "reopenable": draft.status in review_services.REOPENABLE,
        "can_publish": membership.can("content.publish"),
        "can_generate": membership.can("content.generate"),
        "reject_reasons": REJECT_REASONS,
        "instructions": REGENERATE_INSTRUCTIONS,
    }


def _render_pane(request, draft: Draft, filters: sel.ReviewFilters, *, flash: str = "", flash_level: str = "success",
                 status: int = 200, changed: Draft | None = None, push: bool = False) -> HttpResponse:
    """The pane as an htmx fragment, with out-of-band updates: the tab counts,
    the flash message, and the row of the draft that just changed."""
    context = _pane_context(request, draft, filters)
    counts = sel.review_counts(store=request.store, filters=filters)
    context.update(flash=flash, flash_level=flash_level, oob=True, changed=changed, tabs=_tabs(filters, counts))
    response = render(request, "content/review.html#pane-response", context, status=status)
    if push:
        response["HX-Push-Url"] = _pane_url(request, draft.pk, filters)
    return response


def _draft(request, draft_id: int) -> Draft:
    return sel.draft_for_review(store=request.store, draft_id=draft_id)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------- queue and pane


@store_view()
@require_GET
def review_queue(request):
    filters = _filters(request)
    context = _queue_context(request, filters)
    if request.htmx and request.htmx.target == "queue-more":
        return render(request, "content/review.html#queue-rows", context)
    if request.htmx and request.htmx.target == "review-queue":
        return render(request, "content/review.html#queue", context)
    context.update(_filter_choices(request.store))
    context["draft"] = None
    return render(request, "content/review.html", context)


@store_view()
@require_GET
def review_draft(request, draft_id: int):
    """The review pane: alone for htmx (moving through the queue), else the
    whole screen with the queue beside it."""
    filters = _filters(request)
    draft = _draft(request, draft_id)
    if request.htmx and request.htmx.target == "review-pane":
        return render(request, "content/review.html#pane", _pane_context(request, draft, filters))
    context = _queue_context(request, filters)
    context.update(_filter_choices(request.store))
    context.update(_pane_context(request, draft, filters))
    return render(request, "content/review.html", context)


# --------------------------------------------------------------------------- editing


@store_view("content.review")
@require_POST
def review_edit(request, draft_id: int):
    filters = _filters(request)
    draft = _draft(request, draft_id)
    text = request.POST.get("text", "")
    try:
        expected = int(request.POST.get("expected_version", ""))
    except ValueError:
        expected = -1
    try:
        review_services.draft_edit(draft=draft, membership=request.membership, text=text, expected_version=expected)
    except review_services.EditConflict as conflict:
        context = {**_pane_context(request, draft, filters), "conflict": conflict}
        if request.htmx:
            return render(request, "content/review.html#editor-feedback", context, status=409)
        context.update(_queue_context(request, filters), **_filter_choices(request.store))
        return render(request, "content/review.html", context, status=409)
    except ValidationError as exc:
        if request.htmx:
            context = {**_pane_context(request, draft, filters), "save_error": _error_text(exc)}
            return render(request, "content/review.html#editor-feedback", context, status=400)
        messages.error(request, _error_text(exc))
        return redirect(_pane_url(request, draft.pk, filters))
    draft = _draft(request, draft_id)
    if request.htmx:
        return render(request, "content/review.html#editor-feedback",
                      {**_pane_context(request, draft, filters), "saved": True})
    messages.success(request, "Saved.")
    return redirect(_pane_url(request, draft.pk, filters))


def _seen_version(request) -> int:
    """The version of the draft the reviewer has in front of them: the editor's
    (hx-include, kept current by its own saves), else the one the pane was
    rendered with (the plain form); -1 when neither is sent, which approves nothing."""
    for name in ("expected_version", "shown_version"):
        try:
            return int(request.POST.get(name, ""))
        except ValueError:
            continue
    return -1


def _save_pending_text(request, draft: Draft) -> tuple[Draft, int]:
    """Actions carry the editor's text (hx-include): an unsaved change is saved
    first, through the same conflict check, so approving never drops an edit.
    Returns the draft and the version the reviewer has seen (their own, once saved)."""
    seen = _seen_version(request)
    text = request.POST.get("text")
    if text is None or text == draft.current_text:
        return draft, seen
    saved = review_services.draft_edit(draft=draft, membership=request.membership, text=text, expected_version=seen)
    return _draft(request, draft.pk), saved.version


# --------------------------------------------------------------------------- transitions


def _act(request, draft_id: int, action: Callable[[Draft, int], str], *, move_on: bool = True):
    """Run one transition and show what comes next: for htmx the next draft's
    pane (or this one's, when it was the last or the action keeps the reviewer
    here), with the URL pushed; otherwise a redirect to it."""
    filters = _filters(request)
    draft = _draft(request, draft_id)
    previous_id, next_id = sel.review_neighbours(store=request.store, filters=filters, draft=draft)
    try:
        draft, seen_version = _save_pending_text(request, draft)
        done = action(draft, seen_version)
    except review_services.EditConflict as conflict:
        context = {**_pane_context(request, draft, filters), "conflict": conflict}
        if request.htmx:
            return render(request, "content/review.html#editor-feedback", context, status=409)
        messages.error(request, "Someone changed this draft meanwhile; nothing was done. Compare the texts below.")
        context.update(_queue_context(request, filters), **_filter_choices(request.store))
        return render(request, "content/review.html", context, status=409)
    except ValidationError as exc:
        if request.htmx:
            draft = _draft(request, draft_id)
            return _render_pane(request, draft, filters, flash=_error_text(exc), flash_level="error", status=400)
        messages.error(request, _error_text(exc))
        return redirect(_pane_url(request, draft_id, filters))
    changed = _draft(request, draft_id)
    target_id = (next_id or previous_id or draft_id) if move_on else draft_id
    if not request.htmx:
        messages.success(request, done)
        return redirect(_pane_url(request, target_id, filters))
    if move_on and target_id == draft_id:
        done += " That was the last one here."
    target = changed if target_id == draft_id else _draft(request, target_id)
    return _render_pane(request, target, filters, flash=done, changed=changed, push=True)


def _title(draft: Draft) -> str:
    title = draft.product.title
    return f"“{title[:60]}…”" if len(title) > 60 else f"“{title}”"


@store_view("content.review")
@require_POST
def review_approve(request, draft_id: int):
    def approve(draft, seen_version):
        review_services.draft_approve(draft=draft, membership=request.membership, expected_version=seen_version,
                                      comment=request.POST.get("comment", ""))
        return f"Approved {_title(draft)}."
    return _act(request, draft_id, approve)


@store_view("content.review")
@require_POST
def review_reject(request, draft_id: int):
    def reject(draft, _seen_version):
        review_services.draft_reject(draft=draft, membership=request.membership,
                                     reason=request.POST.get("reason", "").strip())
        return f"Rejected {_title(draft)}."
    return _act(request, draft_id, reject)


@store_view("content.review")
@require_POST
def review_reopen(request, draft_id: int):
    def reopen(draft, _seen_version):
        review_services.draft_reopen(draft=draft, membership=request.membership)
        return f"Reopened {_title(draft)} for review."
    return _act(request, draft_id, reopen, move_on=False)


@store_view("content.publish")
@require_POST
def review_publish(request, draft_id: int):
    """Publish an approved draft, or approve and publish one still in review."""
    def publish(draft, seen_version):
        version = review_services.draft_approve_and_publish(draft=draft, membership=request.membership,
                                                            expected_version=seen_version,
                                                            comment=request.POST.get("comment", ""))
        return f"Published {_title(draft)} as live copy v{version.number}."
    return _act(request, draft_id, publish)


@store_view("content.review")
@require_POST
def review_regenerate(request, draft_id: int):
    def regenerate(draft, _seen_version):
        # A preset button's value, else the free text.
        instruction = (request.POST.get("instruction") or request.POST.get("instruction_text") or "").strip()
        review_services.draft_regenerate(draft=draft, membership=request.membership, instruction=instruction)
        how = f" ({instruction})" if instruction else ""
        return f"Regenerating {_title(draft)}{how}: the new draft joins the queue when it is written."
    return _act(request, draft_id, regenerate)


@store_view("content.review")
@require_POST
def review_comment(request, draft_id: int):
    def comment(draft, _seen_version):
        review_services.draft_comment(draft=draft, membership=request.membership,
                                      text=request.POST.get("comment", "").strip())
        return "Comment added."
    return _act(request, draft_id, comment, move_on=False)


# --------------------------------------------------------------------------- bulk


@store_view("content.review")
@require_POST
def review_bulk(request):
    """Approve or reject the ticked drafts, or (scope=filter, after the
    confirmation showing the count) every draft the filter matches."""
    filters = sel.ReviewFilters.from_query(request.POST)
    action = request.POST.get("action", "")
    # "Everything matching" buttons carry ?scope=filter in their formaction.
    everything = (request.GET.get("scope") or request.POST.get("scope")) == "filter"
    # Each ticked box says "id:version": the version of the row the reviewer saw.
    seen_versions = None if everything else _ticked(request.POST.getlist("draft"))
    if not everything and not seen_versions:
        messages.error(request, "Tick at least one draft, or choose everything this filter matches.")
        return _back_to_queue(request, filters)
    try:
        result = review_services.drafts_bulk(
            store=request.store, membership=request.membership, action=action,
            draft_ids=None if everything else list(seen_versions), filters=filters if everything else None,
            reason=request.POST.get("reason", "").strip(), seen_versions=seen_versions,
            seen_at=_shown_at(request.POST.get("seen_at", "")) if everything else None,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _back_to_queue(request, filters)
    verb = {"approve": "Approved", "reject": "Rejected"}.get(action, action.capitalize())
    changed, skipped, unseen = _count(result.changed), _count(result.skipped), result.changed_since_seen
    note = f" {skipped} skipped (no longer in a state that allows it)." if skipped else ""
    if unseen == 1:
        note += (" 1 left as it was: its text changed since the list was shown; open it to read the new text.")
    elif unseen:
        note += (f" {unseen} left as they were: their text changed (or they were written) since the list was "
                 "shown; open them to read the new text.")
    messages.success(request, f"{verb} {changed} draft{'s' if changed != 1 else ''}.{note}")
    return _back_to_queue(request, filters)


def _ticked(values: list[str]) -> dict[int, int]:
    """{draft id: the version the reviewer saw} from the ticked boxes ("id:version");
    an unreadable id is left out, an unreadable version never matches (-1)."""
    ticked = {}
    for value in values:
        draft_id, _, version = str(value).partition(":")
        number = id_or_none(draft_id)
        if number is not None:
            seen = whole_number_or_none(version)
            ticked[number] = seen if seen is not None else -1
    return ticked


def _shown_at(value: str):
    moment = parse_datetime(value) if value else None
    return moment if moment is not None and timezone.is_aware(moment) else None


def _count(value) -> int:
    return value if isinstance(value, int) else len(value)


def _back_to_queue(request, filters):
    url = _queue_url(request, filters)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --------------------------------------------------------------------------- export

EXPORT_STATUSES = (Draft.Status.APPROVED, Draft.Status.PUBLISHED)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: a leading
    quote keeps model output a string (OWASP CSV injection)."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(sel.EXPORT_FIELDS)
    for row in rows:
        yield writer.writerow([_csv_cell(row[field]) for field in sel.EXPORT_FIELDS])


def _export_name(request, extension: str) -> str:
    return f"{request.store.slug}-approved-copy.{extension}"


@store_view()
@require_GET
def review_export_csv(request):
    rows = sel.review_export_rows(store=request.store, statuses=EXPORT_STATUSES, filters=_filters(request))
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "csv")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@store_view()
@require_GET
def review_export_json(request):
    rows = list(sel.review_export_rows(store=request.store, statuses=EXPORT_STATUSES, filters=_filters(request)))
    body = json.dumps({"store": request.store.slug, "count": len(rows), "items": rows}, cls=DjangoJSONEncoder,
                      ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(request, "json")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- published copy


@store_view("content.publish")
@require_POST
def published_restore(request, version_id: int):
    version = sel.published_version_for_store(store=request.store, version_id=version_id)
    product = version.copy.product
    try:
        restored = review_services.published_restore(version=version, membership=request.membership)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        number = getattr(restored, "number", None)
        messages.success(request, f"Restored version {version.number}" + (f" as v{number}." if number else "."))
    return redirect(product.get_absolute_url() + "#published-copy")
