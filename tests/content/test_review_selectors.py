"""Reads of the review workflow (content/selectors/review.py): filters, the
queue's keyset pagination and query count, tab counts, neighbours, the review
pane, export, published copy and the prompt-version record."""

from datetime import timedelta

import factory
import pytest
from django.db import connection
from django.utils import timezone

from catalog import hooks
from content.errors import DraftNotFound
from content.models import Draft, DraftEvent, PublishedCopy, PublishedCopyVersion
from content.selectors import product_published_copy
from content.selectors.review import (
    ReviewFilters,
    draft_for_review,
    draft_history,
    draft_variants,
    published_copy_versions,
    published_descriptions_for,
    review_counts,
    review_export_rows,
    review_neighbours,
    review_queue,
    version_review_stats,
)
from content.services import draft_approve, draft_comment, draft_edit, draft_publish, draft_reject
from tests.catalog.factories import CategoryFactory, ProductFactory
from tests.content.factories import DraftFactory, GenerationJobFactory

pytestmark = pytest.mark.django_db
S = Draft.Status


def aged(drafts, *, start=None, step=timedelta(minutes=1)):
    """Give drafts distinct creation times, the first newest."""
    start = start or timezone.now()
    for index, draft in enumerate(drafts):
        Draft.objects.filter(pk=draft.pk).update(created_at=start - index * step)
    return [Draft.objects.get(pk=d.pk) for d in drafts]


def all_pages(store, filters, limit):
    seen, cursor, pages = [], None, 0
    while True:
        page = review_queue(store=store, filters=filters, after=cursor, limit=limit)
        seen += [d.pk for d in page.items]
        pages += 1
        if not page.has_next:
            assert page.next_cursor is None
            return seen, pages
        cursor = page.next_cursor


# --------------------------------------------------------------------------- filters


def test_filters_read_a_query_and_ignore_values_they_cannot_use():
    filters = ReviewFilters.from_query({
        "status": "flagged", "content_type": "marketing", "language": "zh", "job": "12", "version": "7",
        "failed_check": "banned_words", "q": "  gloves  ",
    })

    assert filters == ReviewFilters(status="flagged", content_type="marketing", language="zh", job_id=12,
                                    version_id=7, failed_check="banned_words", q="gloves")
    assert filters.to_query() == {"status": "flagged", "content_type": "marketing", "language": "zh", "job": "12",
                                  "version": "7", "failed_check": "banned_words", "q": "gloves"}
    assert filters.to_query(status="approved", q="")["status"] == "approved"
    assert "q" not in filters.to_query(q="")

    bad = ReviewFilters.from_query({"status": "deleted", "content_type": "poem", "language": "xx", "job": "-1",
                                    "version": "abc", "failed_check": "'; drop", "q": ""})
    assert bad == ReviewFilters()
    assert bad.to_query() == {} and not bad.is_filtered
    assert ReviewFilters.from_query({}) == ReviewFilters(status="to_review")


def test_each_filter_narrows_the_queue(store):
    gloves = ProductFactory(store=store, sku="GLV-100", title="Nitrile Gloves")
    caliper = ProductFactory(store=store, sku="CAL-6", title="Digital Caliper")
    job = GenerationJobFactory(store=store)
    by_job = DraftFactory(store=store, product=gloves, job=job)
    flagged = DraftFactory(store=store, product=caliper, status=S.FLAGGED, failed_checks=["banned_words"])
    marketing = DraftFactory(store=store, product=caliper, job__content_type="marketing")
    chinese = DraftFactory(store=store, product=caliper, job__language="zh")

    def ids(**kwargs):
        return {d.pk for d in review_queue(store=store, filters=ReviewFilters(**kwargs)).items}

    assert ids() == {by_job.pk, marketing.pk, chinese.pk}
    assert ids(job_id=job.pk) == {by_job.pk}
    assert ids(version_id=job.template_version_id) == {by_job.pk}
    assert ids(content_type="marketing") == {marketing.pk}
    assert ids(language="zh") == {chinese.pk}
    assert ids(status="flagged", failed_check="banned_words") == {flagged.pk}
    assert ids(status="flagged", failed_check="length") == set()
    assert ids(q="GLV") == {by_job.pk}
    assert ids(q="caliper") == {marketing.pk, chinese.pk}


# --------------------------------------------------------------------------- the queue


def test_queue_pages_newest_first_without_duplicates_even_with_equal_times(store, other_store):
    drafts = aged(DraftFactory.create_batch(12, store=store))
    same_time = timezone.now() - timedelta(days=1)
    twins = DraftFactory.create_batch(5, store=store)
    Draft.objects.filter(pk__in=[d.pk for d in twins]).update(created_at=same_time)
    DraftFactory.create_batch(2, store=store, status=S.APPROVED)
    DraftFactory.create_batch(2, store=other_store)

    seen, pages = all_pages(store, ReviewFilters(), limit=5)

    expected = [d.pk for d in drafts] + sorted((d.pk for d in twins), reverse=True)
    assert seen == expected
    assert pages == 4


def test_a_queue_page_is_one_query_whatever_its_size(store, django_assert_num_queries):
    category = CategoryFactory(store=store)
    DraftFactory.create_batch(30, store=store, product__category=category)

    for limit in (3, 30):
        with django_assert_num_queries(1):
            page = review_queue(store=store, filters=ReviewFilters(q="gloves"), limit=limit)
            for draft in page.items:  # what a queue row shows, all joined
                shown = (draft.product.title, draft.product.category.path, draft.prompt_version.template.name,
                 draft.prompt_version.number, draft.job.pk, draft.question, draft.current_text, draft.failed_checks)
                assert all(value is not None for value in shown[:5])
        assert len(page.items) == limit


def test_an_unreadable_cursor_starts_at_the_top(store):
    drafts = aged(DraftFactory.create_batch(3, store=store))

    page = review_queue(store=store, filters=ReviewFilters(), after="not-a-cursor", limit=2)

    assert [d.pk for d in page.items] == [drafts[0].pk, drafts[1].pk]
    assert page.has_next and page.next_cursor


def test_tab_counts_ignore_the_status_but_keep_the_other_filters(store, other_store):
    gloves = ProductFactory(store=store, sku="GLV-1")
    for status, count in ((S.TO_REVIEW, 3), (S.FLAGGED, 2), (S.APPROVED, 1)):
        DraftFactory.create_batch(count, store=store, product=gloves, status=status)
    DraftFactory.create_batch(4, store=store)  # other products
    DraftFactory(store=other_store, product__sku="GLV-1")

    counts = review_counts(store=store, filters=ReviewFilters(status=S.APPROVED, q="GLV-1"))

    assert counts == {"to_review": 3, "flagged": 2, "approved": 1, "rejected": 0, "published": 0}
    assert review_counts(store=store, filters=ReviewFilters())["to_review"] == 7


def test_neighbours_follow_queue_order_and_survive_the_draft_leaving_the_tab(store, editor_member):
    first, middle, last = aged(DraftFactory.create_batch(3, store=store))
    filters = ReviewFilters()

    assert review_neighbours(store=store, filters=filters, draft=first) == (None, middle.pk)
    assert review_neighbours(store=store, filters=filters, draft=middle) == (first.pk, last.pk)
    assert review_neighbours(store=store, filters=filters, draft=last) == (middle.pk, None)

    draft_approve(draft=middle, membership=editor_member, expected_version=middle.version)

    assert review_neighbours(store=store, filters=filters, draft=middle) == (first.pk, last.pk)


def test_the_queue_at_ten_thousand_drafts_stays_one_query_on_the_index(store, django_assert_num_queries):
    job = GenerationJobFactory(store=store)
    products = ProductFactory.create_batch(20, store=store)
    statuses = [S.TO_REVIEW, S.TO_REVIEW, S.FLAGGED, S.APPROVED, S.REJECTED]
    Draft.objects.bulk_create(
        [Draft(store=store, product=products[i % 20], job=job, prompt_version_id=job.template_version_id,
               content_type="description", language="en", variant=i // 20 + 1, status=statuses[i % 5],
               generated_text=f"Copy {i}", current_text=f"Copy {i}") for i in range(10_000)],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE content_draft SET created_at = now() - id * interval '1 second' WHERE store_id = %s",
                       [store.pk])
        cursor.execute("ANALYZE content_draft")

    cursor_value = None
    for _ in range(3):
        with django_assert_num_queries(1):
            page = review_queue(store=store, filters=ReviewFilters(), after=cursor_value, limit=50)
        cursor_value = page.next_cursor
    assert len(page.items) == 50

    from content.selectors.review import QUEUE_DEFERRED, _before, _parse_cursor, review_queryset
    plan = (
        review_queryset(store=store, filters=ReviewFilters())
        .select_related("product__category", "prompt_version__template", "job", "question")
        .defer(*QUEUE_DEFERRED).order_by("-created_at", "-id")
        .filter(_before(_parse_cursor(cursor_value)))[:51]
        .explain()
    )
    # The cursor is an index condition, not a filter over every earlier row.
    assert "Index Scan using draft_queue_keyset" in plan, plan
    assert "ROW(created_at, id) <" in plan.split("draft_queue_keyset")[1].split("\n")[1], plan
    counts = review_counts(store=store, filters=ReviewFilters())
    assert counts == {"to_review": 4000, "flagged": 2000, "approved": 2000, "rejected": 2000, "published": 0}


# --------------------------------------------------------------------------- the review pane


def test_draft_for_review_is_404_for_another_stores_draft(store, other_store):
    mine, theirs = DraftFactory(store=store), DraftFactory(store=other_store)

    assert draft_for_review(store=store, draft_id=mine.pk).pk == mine.pk
    with pytest.raises(DraftNotFound):
        draft_for_review(store=store, draft_id=theirs.pk)
    with pytest.raises(DraftNotFound):
        draft_for_review(store=store, draft_id=10**9)


def test_variants_bring_the_same_jobs_variants_and_the_regeneration_chain(store, other_store):
    product = ProductFactory(store=store)
    job = GenerationJobFactory(store=store)
    draft = DraftFactory(store=store, product=product, job=job, variant=1)
    other_variant = DraftFactory(store=store, product=product, job=job, variant=2)
    DraftFactory(store=store, job=job)  # same job, another product
    child = DraftFactory(store=store, product=product, parent=draft)
    grandchild = DraftFactory(store=store, product=product, parent=child)
    niece = DraftFactory(store=store, product=product, parent=other_variant)

    relations = {d.pk: d.relation for d in draft_variants(draft=draft)}
    assert relations == {other_variant.pk: "variant", child.pk: "child"}

    relations = {d.pk: d.relation for d in draft_variants(draft=grandchild)}
    assert relations == {child.pk: "ancestor", draft.pk: "ancestor"}

    relations = {d.pk: d.relation for d in draft_variants(draft=child)}
    assert relations == {draft.pk: "ancestor", grandchild.pk: "child"}
    assert niece.pk not in relations


def test_history_lists_events_oldest_first_with_their_actors(store, editor_member, admin_member):
    draft = DraftFactory(store=store)
    draft_comment(draft=draft, membership=editor_member, text="Shorter?")
    draft_reject(draft=draft, membership=admin_member, reason="Too long")

    history = draft_history(draft=draft)

    assert [(e.action, e.actor.username) for e in history] == [
        ("commented", "eddie-editor"), ("rejected", "alice-admin")]


# --------------------------------------------------------------------------- published copy and export


def publish(draft, membership, text=None):
    if text is not None:
        draft = draft_edit(draft=draft, membership=membership, text=text, expected_version=draft.version)
    draft_approve(draft=draft, membership=membership, expected_version=draft.version)
    return draft_publish(draft=draft, membership=membership)


def test_published_copy_is_read_from_published_copy_with_the_description_as_fallback(store, editor_member):
    product = ProductFactory(store=store, description="The merchant's own words.")
    assert product_published_copy(product=product, language="en") == "The merchant's own words."
    draft = DraftFactory(store=store, product=product, current_text="Our published <b>copy</b>.")

    publish(draft, editor_member)

    assert product_published_copy(product=product, language="en") == "Our published <b>copy</b>."
    assert product_published_copy(product=product, language="zh") == "The merchant's own words."


def test_published_copy_versions_newest_first(store, editor_member):
    product = ProductFactory(store=store)
    job = GenerationJobFactory(store=store)
    first = DraftFactory(store=store, product=product, job=job, variant=1, current_text="First words.")
    second = DraftFactory(store=store, product=product, job=job, variant=2, current_text="Second words.")
    publish(first, editor_member)
    publish(second, editor_member)

    versions = published_copy_versions(product=product, content_type="description", language="en")

    assert [(v.number, v.text, v.draft_id, v.published_by.username) for v in versions] == [
        (2, "Second words.", second.pk, "eddie-editor"), (1, "First words.", first.pk, "eddie-editor")]


def test_the_embedding_hook_gives_published_descriptions_in_one_query(store, django_assert_num_queries):
    store.default_language = "zh"
    store.save()
    with_copy, english_only, without = ProductFactory.create_batch(3, store=store, description="Imported.")
    for product, language, text in ((with_copy, "en", "English copy."), (with_copy, "zh", "中文文案。"),
                                    (english_only, "en", "Only English.")):
        PublishedCopy.objects.create(store=store, product=product, content_type="description", language=language,
                                     text=text)
    PublishedCopy.objects.create(store=store, product=without, content_type="marketing", language="zh",
                                 text="An ad, not a description.")

    with django_assert_num_queries(1):
        found = published_descriptions_for([with_copy, english_only, without])

    assert found == {with_copy.pk: "中文文案。", english_only.pk: "Only English."}
    assert hooks.descriptions_for([with_copy, english_only, without]) == found  # registered in apps.ready
    assert published_descriptions_for([]) == {}


def test_export_rows_hold_approved_and_published_copy_of_this_store_only(store, other_store, editor_member):
    product = ProductFactory(store=store, sku="GLV-1", title="Gloves")
    job = GenerationJobFactory(store=store)
    published = DraftFactory(store=store, product=product, job=job, variant=1,
                             current_text='<script>alert("x")</script>')
    approved = DraftFactory(store=store, product=product, job=job, variant=2, current_text="Approved, unpublished.")
    publish(published, editor_member)
    draft_approve(draft=approved, membership=editor_member, expected_version=approved.version)
    DraftFactory(store=store, product=product, job=job, variant=3)  # to review: not exported
    DraftFactory(store=other_store, status=S.APPROVED)

    rows = list(review_export_rows(store=store))

    assert [(r["sku"], r["status"], r["text"]) for r in rows] == [
        ("GLV-1", "published", '<script>alert("x")</script>'), ("GLV-1", "approved", "Approved, unpublished.")]
    row = rows[0]
    assert set(row) == {"sku", "title", "content_type", "language", "status", "text", "version", "approved_at",
                        "published_at", "reviewed_by"}
    assert (row["title"], row["content_type"], row["language"], row["version"], row["reviewed_by"]) == (
        "Gloves", "description", "en", 1, "eddie-editor")
    assert row["approved_at"] is not None and row["published_at"] is not None
    assert rows[1]["published_at"] is None

    only_published = list(review_export_rows(store=store, statuses=("published",)))
    assert [r["status"] for r in only_published] == ["published"]
    assert list(review_export_rows(store=store, filters=ReviewFilters(q="nothing-matches"))) == []


# --------------------------------------------------------------------------- the prompt record


def test_version_review_stats_in_one_grouped_query(store, editor_member, django_assert_num_queries):
    job = GenerationJobFactory(store=store)
    unused = GenerationJobFactory(store=store).template_version
    drafts = DraftFactory.create_batch(4, store=store, job=job, variant=factory.Sequence(lambda n: n + 1))
    Draft.objects.filter(pk=drafts[3].pk).update(failed_checks=["length"], latency_ms=300)
    draft_edit(draft=drafts[0], membership=editor_member, text=drafts[0].current_text + " Extra words.",
               expected_version=1)
    draft_approve(draft=drafts[0], membership=editor_member, expected_version=2)  # after the edit
    draft_approve(draft=drafts[1], membership=editor_member, expected_version=drafts[1].version)
    draft_reject(draft=drafts[2], membership=editor_member, reason="No")

    with django_assert_num_queries(1):
        stats = version_review_stats(versions=[job.template_version, unused])

    version = stats[job.template_version_id]
    assert (version.drafts, version.accepted, version.rejected) == (4, 2, 1)
    assert version.acceptance_rate == pytest.approx(2 / 3)
    edited = Draft.objects.get(pk=drafts[0].pk).edit_distance
    assert edited > 0
    assert version.mean_edit_distance == pytest.approx(edited / 2)
    assert version.mean_review_seconds is not None
    assert version.mean_latency_ms == pytest.approx(75)
    assert version.flagged >= 1
    empty = stats[unused.pk]
    assert (empty.drafts, empty.acceptance_rate, empty.mean_edit_distance) == (0, None, None)


def test_events_are_kept_in_order_of_creation(store, editor_member):
    draft = DraftFactory(store=store)
    for text in ("one", "two", "three"):
        draft_comment(draft=draft, membership=editor_member, text=text)

    assert list(DraftEvent.objects.filter(draft=draft).values_list("comment", flat=True)) == ["one", "two", "three"]
    assert PublishedCopyVersion._meta.ordering == ["-number"]
