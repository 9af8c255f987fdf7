"""POST /events: shopper behaviour in, through the one ingestion service (the
same validation as a CSV import, one result per event)."""

from __future__ import annotations

from ninja import Router

from api.auth import EVENTS_WRITE
from api.errors import ApiError, errors
from api.schemas import MAX_EVENTS, EventBatchIn, EventBatchOut
from recommendations.services.ingestion import events_ingest

router = Router(tags=["events"])


@router.post("/events", response={200: EventBatchOut, **errors(400, 403, 413)}, auth=EVENTS_WRITE,
             summary="Send shopper events",
             description=f"Up to {MAX_EVENTS:,} events per call. Each is checked on its own, as in a CSV import: the "
                         "result says, per event, whether it was stored, was a duplicate of a key seen before, or "
                         "was rejected and why. Shoppers are created on their first event.")
def events_post(request, body: EventBatchIn):
    if len(body.events) > MAX_EVENTS:
        raise ApiError(413, "batch_too_large", f"At most {MAX_EVENTS:,} events per call; this one has "
                                               f"{len(body.events):,}.")
    report = events_ingest(store=request.auth.store, records=[(index, event.record())
                                                              for index, event in enumerate(body.events)],
                           source="api")
    rejected = {rejection.row: rejection.reason for rejection in report.rejected}
    duplicates = {duplicate.row for duplicate in report.duplicate_rows}  # a batch is within the listed limit
    results = []
    for index in range(len(body.events)):
        if index in rejected:
            results.append({"index": index, "status": "rejected", "reason": rejected[index]})
        else:
            results.append({"index": index, "status": "duplicate" if index in duplicates else "accepted"})
    return {"received": report.received, "accepted": report.accepted, "duplicates": report.duplicates,
            "rejected": len(report.rejected), "results": results}
