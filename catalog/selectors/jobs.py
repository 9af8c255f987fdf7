"""Reads of background jobs."""

from __future__ import annotations

from catalog.errors import JobNotFound
from catalog.models import Job, Store


def jobs_for_store(*, store: Store, kind: str | None = None, limit: int = 100) -> list[Job]:
    qs = Job.objects.filter(store=store).select_related("created_by")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs[:limit])


def job_for_store(*, store: Store, job_id: int) -> Job:
    """The job with its creator, or JobNotFound when it is not this store's."""
    job = Job.objects.filter(store=store, pk=job_id).select_related("created_by", "store").first()
    if job is None:
        raise JobNotFound("No such job in this store.")
    return job
