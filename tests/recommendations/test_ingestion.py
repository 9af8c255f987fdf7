"""The one ingestion service: per-event validation with reasons, idempotency
keys, files shaped like the shared dataset, and the import job."""

from datetime import timedelta

import pytest

from catalog.models import Job, JobError
from catalog.services.jobs import run_job
from recommendations.models import Event, EventType, Shopper
from recommendations.services.event_files import events_import_run, events_import_upload
from recommendations.services.ingestion import DATASET_EPOCH, events_ingest, read_event_csv
from tests.catalog.factories import ProductFactory
from tests.recommendations.factories import T0, event, ingest

pytestmark = pytest.mark.django_db


def test_bad_events_are_rejected_one_by_one_with_reasons_and_good_ones_kept(store, other_store, catalog):
    ProductFactory(store=other_store, sku="THEIRS-1")
    events = [
        event("s-1", "view", "AB-1"),
        event("s-1", "teleport", "AB-1"),
        event("s-1", "view", "NOPE-9"),
        event("", "view", "AB-1"),
        event("s-2", "purchase", "AB-3", time="yesterday-ish"),
        event("s-2", "search"),
        event("s-2", "search", query="fine sandpaper"),
        event("s-2", "view", "THEIRS-1"),
        event("s-2", "add_to_cart"),
        event("s-3", "purchase", "GL-1", value="two"),
        event("s-3", "purchase", "GL-1", time=(T0 + timedelta(days=3650)).isoformat()),
    ]

    report = ingest(store, events)

    assert [(r.row, r.reason) for r in report.rejected] == [
        (2, "unknown event type 'teleport' (expected one of view, search, add_to_cart, purchase, review, like, "
            "share, comment)"),
        (3, "unknown product 'NOPE-9'"),
        (4, "shopper is missing"),
        (5, "malformed time 'yesterday-ish' (use ISO 8601 or Unix seconds)"),
        (6, "a search event needs a query"),
        (8, "unknown product 'THEIRS-1'"),  # another store's SKU is not this store's product
        (9, "add_to_cart events need a product (sku)"),
        (10, "value 'two' is not a number"),
        (11, f"time {(T0 + timedelta(days=3650)).isoformat()} is in the future"),
    ]
    assert (report.received, report.accepted, report.duplicates, report.shoppers_created) == (11, 2, 0, 2)
    kept = list(Event.objects.filter(store=store).order_by("id").values_list("shopper__external_id", "event_type",
                                                                            "product__sku", "query"))
    assert kept == [("s-1", "view", "AB-1", ""), ("s-2", "search", None, "fine sandpaper")]
    assert Event.objects.filter(store=other_store).count() == 0


def test_a_repeated_idempotency_key_is_ignored_not_doubled(store, catalog):
    first = ingest(store, [event("s-1", "view", "AB-1", key="ev-1"), event("s-1", "view", "AB-1", key="ev-1"),
                           event("s-1", "purchase", "AB-1", key="ev-2")])
    again = ingest(store, [event("s-1", "purchase", "AB-1", key="ev-2"), event("s-1", "view", "AB-3", key="ev-3")])

    assert (first.accepted, first.duplicates) == (2, 1)
    assert (again.accepted, again.duplicates) == (1, 1)
    assert sorted(Event.objects.filter(store=store).values_list("idempotency_key", flat=True)) == [
        "ev-1", "ev-2", "ev-3"]
    shopper = Shopper.objects.get(store=store, external_id="s-1")
    assert (shopper.event_count, shopper.profile_stale) == (3, True)


def test_the_same_key_in_another_store_is_another_event(store, other_store, catalog):
    ProductFactory(store=other_store, sku="AB-1")
    ingest(store, [event("s-1", "view", "AB-1", key="ev-1")])
    report = ingest(other_store, [event("s-1", "view", "AB-1", key="ev-1")])

    assert report.accepted == 1
    assert Event.objects.filter(idempotency_key="ev-1").count() == 2


def test_a_file_shaped_like_the_shared_dataset_gets_purchases_with_derived_times(store, catalog):
    data = b"shopper,sku,seq,split\nA1,AB-1,0,train\nA1,AB-3,1,valid\nA1,AB-6,2,test\nB2,GL-1,0,train\n"
    parsed = read_event_csv(data)

    report = events_ingest(store=store, records=parsed.records, source="csv", default_type=parsed.default_type)
    again = events_ingest(store=store, records=parsed.records, source="csv", default_type=parsed.default_type)

    assert (report.accepted, again.accepted, again.duplicates) == (4, 0, 4)
    rows = list(Event.objects.filter(shopper__external_id="A1").order_by("occurred_at")
                .values_list("product__sku", "event_type", "occurred_at"))
    assert rows == [("AB-1", EventType.PURCHASE, DATASET_EPOCH), ("AB-3", EventType.PURCHASE,
                                                                  DATASET_EPOCH + timedelta(days=1)),
                    ("AB-6", EventType.PURCHASE, DATASET_EPOCH + timedelta(days=2))]
    shopper = Shopper.objects.get(store=store, external_id="A1")
    assert (shopper.event_count, shopper.first_event_at, shopper.last_event_at) == (
        3, DATASET_EPOCH, DATASET_EPOCH + timedelta(days=2))


def test_times_as_unix_seconds_milliseconds_and_naive_iso_are_utc(store, catalog):
    seconds = int(T0.timestamp())
    ingest(store, [event("s-1", "view", "AB-1", time=seconds), event("s-1", "view", "AB-3", time=seconds * 1000),
                   event("s-1", "view", "AB-6", time="2025-03-01T09:00:00")])

    assert set(Event.objects.values_list("occurred_at", flat=True)) == {T0}


def test_an_upload_imports_in_a_job_that_lists_rejected_rows(editor_member, catalog):
    data = (b"shopper,type,sku,query,time,key\n"
            b"C-1,view,AB-1,,2025-03-01T10:00:00Z,k1\n"
            b"C-1,purchase,NOPE,,2025-03-01T10:01:00Z,k2\n"
            b"C-2,search,,grinding wheel,2025-03-01T10:02:00Z,k3\n"
            b"C-2,view,AB-4,,not-a-time,k4\n")
    job = events_import_upload(store=editor_member.store, membership=editor_member, filename="events.csv", data=data)

    run_job(job.pk, events_import_run)
    run_job(job.pk, events_import_run)  # a second delivery finds the job done and does nothing

    job.refresh_from_db()
    assert job.status == Job.Status.PARTLY_FAILED
    assert (job.done, job.failed, job.total) == (2, 2, 4)
    assert job.result == {"received": 4, "accepted": 2, "duplicates": 0, "rejected": 2, "shoppers_created": 2}
    assert list(JobError.objects.filter(job=job).values_list("row_number", "message")) == [
        (2, "unknown product 'NOPE'"), (4, "malformed time 'not-a-time' (use ISO 8601 or Unix seconds)")]
    assert Event.objects.filter(store=editor_member.store).count() == 2


def test_a_viewer_cannot_import_events(viewer_member, catalog):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        events_import_upload(store=viewer_member.store, membership=viewer_member, filename="e.csv",
                             data=b"shopper,sku\nA,AB-1\n")
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_events_that_arrive_while_the_broker_is_down_are_kept_and_their_shoppers_left_stale(store, catalog):
    from django.core.cache import cache

    from tests.conftest import broker_at

    cache.clear()  # the refresh is debounced per store
    with broker_at("redis+socket:///nonexistent/valkey.sock?virtual_host=1"):
        report = ingest(store, [event("s-1", "view", "AB-1"), event("s-1", "purchase", "AB-3", minutes=1)])

    assert (report.accepted, report.rejected) == (2, [])
    assert Event.objects.filter(store=store).count() == 2
    # The refresh could not be queued: the profile stays stale for the next one.
    assert Shopper.objects.get(store=store, external_id="s-1").profile_stale
    assert cache.get(f"recommendations:profiles-refresh:{store.pk}") is None


def _upload_and_run(member, data: bytes, name: str = "events.csv") -> Job:
    job = events_import_upload(store=member.store, membership=member, filename=name, data=data)
    run_job(job.pk, events_import_run)
    job.refresh_from_db()
    return job


def test_a_keyless_file_uploaded_twice_stores_its_events_once_and_lists_the_duplicates(editor_member, catalog,
                                                                                       client_as):
    # No key, no time: a view repeated by the same shopper is two views, in both uploads.
    data = b"shopper,type,sku\nA,view,AB-1\nA,view,AB-1\nB,purchase,GL-1\nC,search,\n"
    first = _upload_and_run(editor_member, data)
    second = _upload_and_run(editor_member, data, name="events (1).csv")

    assert (first.result["accepted"], first.result["duplicates"], first.failed) == (3, 0, 1)
    assert (second.result["accepted"], second.result["duplicates"], second.failed) == (0, 3, 1)
    assert Event.objects.filter(store=editor_member.store).count() == 3
    assert list(JobError.objects.filter(job=second).values_list("row_number", "message")) == [
        (1, "already stored: the same event was imported before, so it was skipped"),
        (2, "already stored: the same event was imported before, so it was skipped"),
        (3, "already stored: the same event was imported before, so it was skipped"),
        (4, "a search event needs a query"),
    ]
    page = client_as(editor_member).get(second.get_absolute_url()).content.decode()
    assert "already stored: the same event was imported before, so it was skipped" in page


def test_a_repeated_key_in_one_file_is_listed_with_the_row_it_repeats(editor_member, catalog):
    data = b"shopper,type,sku,key\nA,view,AB-1,k-1\nA,view,AB-3,k-2\nA,view,AB-1,k-1\n"

    job = _upload_and_run(editor_member, data)

    assert (job.result["accepted"], job.result["duplicates"]) == (2, 1)
    assert list(JobError.objects.filter(job=job).values_list("row_number", "message")) == [
        (3, "already stored: the same event as row 1, so it was skipped")]


def test_a_second_history_that_starts_again_at_seq_0_is_kept(store, catalog):
    first = read_event_csv(b"shopper,sku,seq\nA1,AB-1,0\nA1,AB-3,1\n")
    second = read_event_csv(b"shopper,sku,seq\nA1,GL-1,0\nA1,GL-3,1\nA1,AB-3,1\n")

    one = events_ingest(store=store, records=first.records, source="csv", default_type=first.default_type)
    two = events_ingest(store=store, records=second.records, source="csv", default_type=second.default_type)

    assert (one.accepted, two.accepted, two.duplicates) == (2, 2, 1)  # AB-3 at seq 1 is the same purchase
    assert sorted(Event.objects.filter(store=store).values_list("product__sku", flat=True)) == [
        "AB-1", "AB-3", "GL-1", "GL-3"]


def test_keyless_timed_events_in_overlapping_exports_are_stored_once(store, catalog):
    monday = [event("s-1", "view", "AB-1"), event("s-1", "purchase", "AB-1", minutes=5, value="19.99")]
    monday_and_tuesday = [*monday, event("s-1", "view", "GL-1", minutes=60 * 24),
                          event("s-1", "purchase", "AB-1", minutes=5, value="24.99")]  # another price: another event

    ingest(store, monday)
    report = ingest(store, monday_and_tuesday)

    assert (report.accepted, report.duplicates) == (2, 2)
    assert Event.objects.filter(store=store).count() == 4


def test_live_keyless_events_without_a_time_are_each_their_own(store, catalog):
    # What a storefront posts as it happens: the moment it arrives is its time.
    view = (1, {"shopper": "s-1", "type": "view", "sku": "AB-1"})

    first = events_ingest(store=store, records=[view], source="api")
    second = events_ingest(store=store, records=[view], source="api")

    assert (first.accepted, second.accepted) == (1, 1)
    assert Event.objects.filter(store=store, shopper__external_id="s-1").count() == 2


def test_derived_keys_are_content_keys_that_cannot_meet_a_key_of_the_old_scheme(store, catalog):
    report = ingest(store, [event("s-1", "view", "AB-1"), event("s-1", "view", "AB-1")])

    keys = list(Event.objects.filter(store=store).values_list("idempotency_key", flat=True))
    assert report.accepted == 2 and len(set(keys)) == 2
    # Keys made before from the import job and the row, or from seq, began "derived:".
    assert all(key.startswith("content:") and len(key) == len("content:") + 64 for key in keys)


def test_a_second_run_of_an_import_counts_what_its_first_run_stored_as_its_own(editor_member, catalog, settings):
    from django.utils import timezone

    data = b"shopper,type,sku\nA,view,AB-1\nB,view,NOPE\nC,purchase,GL-1\n"
    job = _upload_and_run(editor_member, data)
    # The worker died as it finished: the job still says running, its heartbeat old.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, finished_at=None,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5))

    run_job(job.pk, events_import_run)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.failed) == (Job.Status.PARTLY_FAILED, 2, 2, 1)
    assert (job.result["accepted"], job.result["duplicates"]) == (2, 0)
    assert list(JobError.objects.filter(job=job).values_list("row_number", "message")) == [
        (2, "unknown product 'NOPE'")]
    assert Event.objects.filter(store=editor_member.store).count() == 2
