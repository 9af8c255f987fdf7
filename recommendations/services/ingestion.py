"""Event ingestion: the one way shopper behaviour enters a store. CSV files
(uploaded, or read by the `import_events` command and the demo loader) and,
later, the REST API all call `events_ingest`.

Each record is checked on its own: a bad one (missing shopper, unknown type or
product, malformed time...) is rejected with its reason while the good ones are
kept. A record whose idempotency key was seen before is counted as a duplicate
and not stored again.

A record without a key gets one made of its content (`content_key`): shopper,
type, product, query, text, value and time, plus how many identical records came
before it in the same call, so the same file sent twice, or two exports that
overlap, store each event once, while a shopper who really did the same thing
twice keeps both. The time is the event's own (its time, its seq, or the moment
a live event arrives); a time the caller gives a whole file (`default_time`) is
not, and is left out. These keys begin "content:"; those made before from the
import job and row, or from seq, began "derived:", so the two never meet.

Data that has only an order and no dates (the shared dataset's `seq`) gets
derived times: seq 0 at DATASET_EPOCH and one day per step. That keeps each
history's order and spacing, and one step is one "day" of age, the same
pseudo-age the offline evaluation uses for position-only data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from catalog.importing import ImportFileError, decode, sku_normalize
from catalog.models import Store
from catalog.selectors import product_ids_by_sku
from recommendations.models import Event, EventType, Shopper

logger = logging.getLogger(__name__)

DATASET_EPOCH = datetime(2018, 1, 1, 12, 0, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(hours=1)  # clocks differ a little; a week ahead is a bug
CHUNK_SIZE = 1000
MAX_EXTERNAL_ID = 200
MAX_KEY = 200
MAX_QUERY = 500
MAX_TEXT = 5000
MAX_CAMPAIGN = 100
MAX_DUPLICATES_LISTED = 1000
CONTENT_KEY_PREFIX = "content:"
EVENT_TYPES = frozenset(EventType.values)
NEEDS_PRODUCT = frozenset(EVENT_TYPES - {EventType.SEARCH})

# Names real exports use for our columns.
COLUMN_ALIASES = {
    "shopper_id": "shopper", "user": "shopper", "user_id": "shopper", "customer": "shopper",
    "customer_id": "shopper", "visitor_id": "shopper", "reviewer_id": "shopper",
    "event": "type", "event_type": "type", "action": "type",
    "product": "sku", "product_sku": "sku", "item": "sku", "item_id": "sku", "asin": "sku",
    "q": "query", "search": "query", "search_query": "query",
    "comment": "text", "message": "text", "body": "text",
    "timestamp": "time", "occurred_at": "time", "ts": "time", "date": "time", "datetime": "time",
    "created_at": "time",
    "idempotency_key": "key", "event_id": "key",
    "position": "seq", "sequence": "seq",
    "rating": "value", "amount": "value", "quantity": "value",
    "campaign_tag": "campaign",
}
RECORD_FIELDS = ("shopper", "type", "sku", "query", "text", "value", "time", "seq", "key", "campaign")


@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "reason": self.reason}


@dataclass(frozen=True)
class Duplicate:
    """A record not stored because its event already was: by an earlier row of
    the same call (`earlier_row`), or before it (`stored_source`: the source the
    stored event came with)."""

    row: int
    earlier_row: int | None = None
    stored_source: str = ""


@dataclass
class IngestReport:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    shoppers_created: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # The first MAX_DUPLICATES_LISTED duplicates, in row order, and how many of all
    # of them were stored before under this call's own source.
    duplicate_rows: list[Duplicate] = field(default_factory=list)
    duplicates_from_source: int = 0

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "shoppers_created": self.shoppers_created,
        }


@dataclass(frozen=True)
class _Valid:
    row: int
    shopper: str
    event_type: str
    sku: str
    query: str
    text: str
    value: float | None
    occurred_at: datetime
    key: str
    # occurred_at is the event's own time, not the one the caller gave the whole batch.
    timed: bool = True
    campaign: str = ""


class _Invalid(ValueError):
    """One record's problem; the message is the reason shown to the merchant."""


# --------------------------------------------------------------------------- files


@dataclass
class EventFile:
    columns: list[str]
    records: list[tuple[int, dict[str, str]]]  # (1-based data row, values by normalised column)

    @property
    def default_type(self) -> str | None:
        # Review datasets (the shared one included) have no type column: a review
        # stands for a purchase. A type column with an empty cell is an error instead.
        return None if "type" in self.columns else EventType.PURCHASE


def normalize_column(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return COLUMN_ALIASES.get(key, key)


def read_event_csv(data: bytes) -> EventFile:
    """Parse an events CSV (comma, semicolon or tab; UTF-8 or Windows-1252).
    Raises ImportFileError when the file as a whole cannot be used."""
    if not data.strip():
        raise ImportFileError("The file is empty.")
    text, _encoding = decode(data)
    try:
        delimiter = csv.Sniffer().sniff(text[:20000], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError(f"The CSV header cannot be read: {exc or 'no header'}") from None
    columns = [normalize_column(name) for name in header]
    if "shopper" not in columns:
        raise ImportFileError(f"Missing required column: shopper. Columns found: {', '.join(columns) or 'none'}.")
    if not {"sku", "query"} & set(columns):
        raise ImportFileError("The file needs a sku column (product events) or a query column (searches).")
    records = []
    try:
        for number, values in enumerate(reader, start=1):
            if any(value.strip() for value in values):
                records.append((number, {name: value for name, value in zip(columns, values, strict=False) if name}))
    except csv.Error as exc:
        raise ImportFileError(f"The CSV cannot be read after row {len(records)}: {exc}") from None
    if not records:
        raise ImportFileError("The file has a header but no events.")
    return EventFile(columns=[name for name in columns if name], records=records)


# --------------------------------------------------------------------------- validation


def _text(record: Mapping, name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    text = str(value).strip()
    # Postgres text holds neither NUL nor lone surrogates (JSON can carry both).
    if "\x00" in text:
        raise _Invalid(f"{name} contains a NUL character")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _Invalid(f"{name} is not valid Unicode text") from None
    return text


def _parse_time(raw, *, now: datetime) -> datetime:
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        moment = _from_epoch(float(raw), raw)
    else:
        text = str(raw).strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            moment = _from_epoch(float(text), raw)
        else:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise _Invalid(f"malformed time '{text[:60]}' (use ISO 8601 or Unix seconds)") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)  # a time without a zone is UTC
    if moment > now + FUTURE_TOLERANCE:
        raise _Invalid(f"time {moment.isoformat()} is in the future")
    return moment


def _from_epoch(seconds: float, raw) -> datetime:
    if not math.isfinite(seconds):
        raise _Invalid(f"malformed time '{raw}'")
    if abs(seconds) > 1e11:  # milliseconds, as JavaScript sends them
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise _Invalid(f"malformed time '{raw}'") from None


def _parse_seq(raw) -> int:
    text = str(raw).strip()
    if not re.fullmatch(r"\d{1,6}", text):
        raise _Invalid(f"seq '{text[:20]}' is not a whole number from 0 to 999999")
    return int(text)


def _parse_value(raw) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise _Invalid(f"value '{str(raw)[:30]}' is not a number") from None
    if not math.isfinite(value):
        raise _Invalid(f"value '{raw}' is not a number")
    return value


def _content(event: _Valid, scope: str) -> bytes:
    moment = event.occurred_at.astimezone(UTC).isoformat() if event.timed else "untimed"
    value = "" if event.value is None else repr(event.value)
    parts = (scope, event.shopper, event.event_type, event.sku, event.query, event.text, value, moment)
    return "\x1f".join(parts).encode()


def content_key(event: _Valid, *, occurrence: int, scope: str = "") -> str:
    """The key of a record that came without one: its content, and that it is
    the `occurrence`-th identical record of its call (1 for the first)."""
    digest = hashlib.sha256(_content(event, scope) + f"\x1e{occurrence}".encode()).hexdigest()
    return CONTENT_KEY_PREFIX + digest


def validate_record(
    row: int,
    record: Mapping,
    *,
    now: datetime,
    default_type: str | None = None,
    default_time: datetime | None = None,
) -> _Valid:
    """One record as an event, or _Invalid with the reason; a record without a
    key gets its content key later (events_ingest counts the identical ones).
    Products are checked afterwards, per chunk, in one query."""
    shopper = _text(record, "shopper")
    if not shopper:
        raise _Invalid("shopper is missing")
    if len(shopper) > MAX_EXTERNAL_ID:
        raise _Invalid(f"shopper id is longer than {MAX_EXTERNAL_ID} characters")
    event_type = _text(record, "type").lower() or default_type
    if not event_type:
        raise _Invalid("event type is missing")
    if event_type not in EVENT_TYPES:
        raise _Invalid(f"unknown event type '{event_type[:40]}' (expected one of {', '.join(EventType.values)})")
    sku = sku_normalize(_text(record, "sku"))
    query = _text(record, "query")[:MAX_QUERY]
    if event_type in NEEDS_PRODUCT and not sku:
        raise _Invalid(f"{event_type} events need a product (sku)")
    if event_type == EventType.SEARCH and not query:
        raise _Invalid("a search event needs a query")
    timed = True
    if record.get("time") not in (None, ""):
        occurred_at = _parse_time(record["time"], now=now)
    elif record.get("seq") not in (None, ""):
        occurred_at = DATASET_EPOCH + timedelta(days=_parse_seq(record["seq"]))
    elif default_time is not None:
        occurred_at, timed = default_time, False
    else:
        occurred_at = now  # a live event: the moment it arrives is its time
    key = _text(record, "key")
    if len(key) > MAX_KEY:
        raise _Invalid(f"idempotency key is longer than {MAX_KEY} characters")
    campaign = _text(record, "campaign")
    if len(campaign) > MAX_CAMPAIGN:
        raise _Invalid(f"campaign is longer than {MAX_CAMPAIGN} characters")
    return _Valid(
        row=row, shopper=shopper, event_type=event_type, sku=sku, query=query,
        text=_text(record, "text")[:MAX_TEXT], value=_parse_value(record.get("value")),
        occurred_at=occurred_at, key=key, timed=timed, campaign=campaign,
    )


# --------------------------------------------------------------------------- ingestion


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def events_ingest(
    *,
    store: Store,
    records: Iterable[tuple[int, Mapping]],
    source: str,
    default_type: str | None = None,
    default_time: datetime | None = None,
    key_prefix: str = "",
    on_chunk: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Store the valid events among `records` ((row number, fields) pairs; see
    RECORD_FIELDS), chunk by chunk, each chunk in its own transaction. Shoppers
    are created on first sight. Profiles of the shoppers touched are marked stale
    and a debounced refresh is queued after the commit. A record without a key
    gets its content key; `key_prefix` scopes those keys (records of another
    scope are never duplicates of these), the whole store when empty."""
    report = IngestReport()
    now = timezone.now()
    occurrences: Counter[bytes] = Counter()
    first_rows: dict[str, int] = {}  # given keys seen in this call, for "the same event as row N"
    for chunk in _batched(records, CHUNK_SIZE):
        report.received += len(chunk)
        valid: list[_Valid] = []
        for row, record in chunk:
            try:
                event = validate_record(row, record, now=now, default_type=default_type, default_time=default_time)
            except _Invalid as exc:
                report.rejected.append(Rejection(row, str(exc)))
                continue
            if not event.key:
                content = hashlib.sha256(_content(event, key_prefix)).digest()
                occurrences[content] += 1
                event = replace(event, key=content_key(event, occurrence=occurrences[content], scope=key_prefix))
            valid.append(event)
        with transaction.atomic():
            _store_chunk(store=store, events=valid, source=source, report=report, first_rows=first_rows)
        if on_chunk is not None:
            on_chunk(report)
    report.rejected.sort(key=lambda rejection: rejection.row)
    report.duplicate_rows.sort(key=lambda duplicate: duplicate.row)
    if report.accepted:
        from recommendations.services.profiles import profiles_schedule_refresh

        transaction.on_commit(lambda: profiles_schedule_refresh(store=store))
    logger.info("events.ingested", extra={"store": store.pk, "source": source, **report.as_dict()})
    return report


def _store_chunk(*, store: Store, events: list[_Valid], source: str, report: IngestReport,
                 first_rows: dict[str, int]) -> None:
    products = product_ids_by_sku(store=store, skus={event.sku for event in events if event.sku})
    keys = {event.key for event in events}
    # `.exclude(key="")` repeats the unique index's condition, so the planner can use it
    stored = dict(Event.objects.filter(store=store, idempotency_key__in=keys).exclude(idempotency_key="")
                  .values_list("idempotency_key", "source")) if keys else {}
    kept: list[_Valid] = []
    for event in events:
        if event.sku and event.sku not in products:
            report.rejected.append(Rejection(event.row, f"unknown product '{event.sku[:64]}'"))
        elif event.key in stored:
            earlier = first_rows.get(event.key)
            _duplicate(report, Duplicate(event.row, earlier, "" if earlier else stored[event.key]), source)
        else:
            stored[event.key] = source  # a repeat later in the same file is a duplicate too
            if not event.key.startswith(CONTENT_KEY_PREFIX):
                first_rows[event.key] = event.row
            kept.append(event)
    if not kept:
        return
    shoppers, created = _shoppers_for(store=store, external_ids={event.shopper for event in kept})
    report.shoppers_created += created
    inserted = _insert_events(store=store, shoppers=shoppers, products=products, events=kept, source=source)
    report.accepted += len(inserted)
    for event in kept:
        if event.key not in inserted:  # a key another sender stored a moment before
            _duplicate(report, Duplicate(event.row, stored_source="another sender"), source)
    _refresh_counters(shopper_ids=sorted(set(shoppers[event.shopper] for event in kept)))


def _duplicate(report: IngestReport, duplicate: Duplicate, source: str) -> None:
    report.duplicates += 1
    report.duplicates_from_source += duplicate.stored_source == source
    if len(report.duplicate_rows) < MAX_DUPLICATES_LISTED:
        report.duplicate_rows.append(duplicate)


def _insert_events(*, store: Store, shoppers: dict, products: dict, events: list[_Valid], source: str) -> set[str]:
    """One INSERT ... SELECT FROM json_to_recordset(one JSON document): a single
    parameter for a whole chunk (bulk_create spent most of ingestion's time
    building and parsing its statement, and arrays passed as parameters are
    quoted one element at a time in Python; json.dumps is C). Two senders racing
    with one key: the unique index keeps the first and ON CONFLICT DO NOTHING
    drops the second. Returns the idempotency keys of the rows inserted."""
    received = timezone.now().isoformat()
    rows = [
        {"shopper_id": shoppers[event.shopper], "event_type": event.event_type, "product_id": products.get(event.sku),
         "query": event.query, "text": event.text, "value": event.value, "occurred_at": event.occurred_at.isoformat(),
         "idempotency_key": event.key, "campaign": event.campaign}
        for event in events
    ]
    columns = ("shopper_id bigint, event_type text, product_id bigint, query text, text text, "
               "value double precision, occurred_at timestamptz, idempotency_key text, campaign text")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Event._meta.db_table} (store_id, shopper_id, event_type, product_id, query, text, value, "
            f"occurred_at, received_at, source, idempotency_key, text_model_id, campaign) "
            f"SELECT %s, r.shopper_id, r.event_type, r.product_id, r.query, r.text, r.value, r.occurred_at, "
            f"%s::timestamptz, %s, r.idempotency_key, '', r.campaign FROM json_to_recordset(%s::json) AS r({columns}) "
            f"ON CONFLICT DO NOTHING RETURNING idempotency_key",
            [store.pk, received, source, json.dumps(rows)],
        )
        return {row[0] for row in cursor.fetchall()}


def _shoppers_for(*, store: Store, external_ids: set[str]) -> tuple[dict[str, int], int]:
    """{external id: shopper id}, creating the missing shoppers, in one statement.
    Its snapshot cannot see a shopper another sender created meanwhile (skipped by
    ON CONFLICT): those are read again."""
    wanted = sorted(external_ids)
    table = Shopper._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH wanted AS (SELECT unnest(%s::text[]) AS external_id), "
            f"created AS (INSERT INTO {table} (store_id, external_id, created_at, event_count, profile_stale) "
            f"SELECT %s, external_id, now(), 0, false FROM wanted ON CONFLICT (store_id, external_id) DO NOTHING "
            f"RETURNING external_id, id) "
            f"SELECT external_id, id, true FROM created UNION ALL "
            f"SELECT s.external_id, s.id, false FROM {table} s JOIN wanted USING (external_id) WHERE s.store_id = %s",
            [wanted, store.pk, store.pk],
        )
        rows = cursor.fetchall()
    found = {external_id: pk for external_id, pk, _ in rows}
    created = sum(1 for *_, new in rows if new)
    if missing := external_ids - found.keys():
        found.update(Shopper.objects.filter(store=store, external_id__in=missing).values_list("external_id", "pk"))
    return found, created


def _refresh_counters(*, shopper_ids: list[int]) -> None:
    """Recount from the events (so a retry cannot double-count) and flag the
    profiles for the debounced refresh. events_updated_at is the statement's
    clock, not the transaction's: two batches in one transaction still change
    it, and the stored recommendations are current only while it is unchanged."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE recommendations_shopper AS s
               SET event_count = a.n, first_event_at = a.first_at, last_event_at = a.last_at,
                   events_updated_at = clock_timestamp(), profile_stale = true
              FROM (SELECT shopper_id, count(*) AS n, min(occurred_at) AS first_at, max(occurred_at) AS last_at
                      FROM recommendations_event WHERE shopper_id = ANY(%s) GROUP BY shopper_id) AS a
             WHERE s.id = a.shopper_id
            """,
            [shopper_ids],
        )
