"""Event files: an upload (or a file on the server, for commands and the demo)
becomes an import job that feeds `ingestion.events_ingest` chunk by chunk,
with progress, and lists each rejected row with its reason on the job page."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from catalog.models import Job, JobError, Membership, Store
from catalog.permissions import require
from catalog.services.imports import upload_check_size, upload_file_name
from catalog.services.jobs import job_create, job_progress, job_record_errors
from recommendations.services.ingestion import EventFile, IngestReport, events_ingest, read_event_csv

logger = logging.getLogger(__name__)

IMPORT_TASK = "recommendations.tasks.import_events"
MAX_ERRORS_RECORDED = 1000


def events_import_upload(*, store: Store, membership: Membership, filename: str, data: bytes) -> Job:
    """Check an uploaded events file and start its import job. Raises
    ImportFileError for a file that cannot be read at all."""
    require(membership, "catalog.edit")
    upload_check_size(size=len(data))
    parsed = read_event_csv(data)
    name = upload_file_name(filename, fallback="events")
    path = default_storage.save(f"event-imports/{store.pk}/{timezone.now():%Y%m%d-%H%M%S}-{name}", ContentFile(data))
    return job_create(
        store=store, kind=Job.Kind.IMPORT, title=f"Import events from {filename}"[:200], task_name=IMPORT_TASK,
        user=membership.user, params={"storage_path": path, "filename": filename[:255]},
        total=len(parsed.records),
    )


def events_import_local_file(*, store: Store, path: Path, user=None, send: bool = True) -> Job:
    """An import job for a file on the server (the demo's dataset, a command's
    --background). Only code calls this: users cannot name server paths."""
    return job_create(
        store=store, kind=Job.Kind.IMPORT, title=f"Import events from {path.name}", task_name=IMPORT_TASK,
        user=user, params={"local_path": str(path), "filename": path.name}, send=send,
    )


def events_import_file(*, store: Store, data: bytes, source: str, key_prefix: str = "",
                       default_time=None, on_chunk=None) -> tuple[EventFile, IngestReport]:
    parsed = read_event_csv(data)
    report = events_ingest(
        store=store, records=parsed.records, source=source, default_type=parsed.default_type,
        default_time=default_time, key_prefix=key_prefix, on_chunk=on_chunk,
    )
    return parsed, report


def import_source(job: Job) -> str:
    """The source the events of an import job are stored with: the job's own, so
    a second run of the job (after a crash) tells its earlier run's events from
    events that were imported before."""
    return f"import-{job.pk}"


def events_import_run(job: Job) -> dict:
    """Job body. Safe to run twice: rows without their own key get one made of
    their content, so a second run finds the rows the first one stored as
    duplicates, and counts them as this job's."""
    if "storage_path" in job.params:
        with default_storage.open(job.params["storage_path"], "rb") as handle:
            data = handle.read()
    else:
        data = Path(job.params["local_path"]).read_bytes()
    source = import_source(job)

    def progress(report: IngestReport) -> None:
        job_progress(job, done=report.accepted + report.duplicates, failed=len(report.rejected),
                     total=max(job.total, report.received))

    parsed, report = events_import_file(
        store=job.store, data=data, source=source, default_time=job.created_at, on_chunk=progress,
    )
    job_progress(job, done=report.accepted + report.duplicates, failed=len(report.rejected),
                 total=len(parsed.records))
    # A re-run reports its own rejections and duplicates (the rows are the same).
    JobError.objects.filter(job=job).delete()
    job_record_errors(job, errors=[(None, row, reason) for row, reason in _row_notes(report, source)])
    summary = report.as_dict()
    # Rows an earlier run of this job stored are this job's, not duplicates.
    summary["accepted"] += report.duplicates_from_source
    summary["duplicates"] -= report.duplicates_from_source
    return summary


def _row_notes(report: IngestReport, source: str) -> list[tuple[int, str]]:
    """The rejected rows and the duplicates with their reasons, in row order."""
    notes = [(rejection.row, rejection.reason) for rejection in report.rejected[:MAX_ERRORS_RECORDED]]
    for duplicate in report.duplicate_rows:
        if duplicate.stored_source == source:
            continue
        if duplicate.earlier_row is not None:
            reason = f"already stored: the same event as row {duplicate.earlier_row}, so it was skipped"
        else:
            reason = "already stored: the same event was imported before, so it was skipped"
        notes.append((duplicate.row, reason))
    return sorted(notes)[: 2 * MAX_ERRORS_RECORDED]
