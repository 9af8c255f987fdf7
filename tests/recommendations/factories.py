"""A small real catalog (five themes, some products out of stock) and helpers
to feed it events and real MiniLM embeddings through the app's own services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from catalog import services as catalog_services
from catalog.importing import ProductRow
from catalog.models import Job, Product, Store
from catalog.services.jobs import run_job
from recommendations.services.embeddings import embeddings_run, embeddings_schedule
from recommendations.services.ingestion import events_ingest
from tests.conftest import wait_for

CATALOG = [
    # sku, title, brand, category path, stock
    ("AB-1", "Sanding Discs 5 Inch 120 Grit Hook and Loop, 50 Pack", "GritPro", ["Abrasives", "Sanding Discs"], 40),
    ("AB-2", "Sanding Discs 5 Inch 80 Grit Hook and Loop, 25 Pack", "GritPro", ["Abrasives", "Sanding Discs"], 0),
    ("AB-3", "Sandpaper Sheets Assorted Grit 60-3000 for Wood Finishing", "Mirka", ["Abrasives", "Sandpaper"], 12),
    ("AB-4", "Flap Disc 4-1/2 Inch 60 Grit Zirconia for Angle Grinder", "DEWALT", ["Abrasives", "Grinding"], 9),
    ("AB-5", "Grinding Wheel 4-1/2 Inch for Metal, 10 Pack", "DEWALT", ["Abrasives", "Grinding"], 0),
    ("AB-6", "Sanding Sponge Block Fine Grit, 4 Pack", "3M", ["Abrasives", "Sandpaper"], 30),
    ("GL-1", "Nitrile Exam Gloves Powder-Free Blue, Box of 100", "LabGuard", ["Safety", "Gloves"], 100),
    ("GL-2", "Nitrile Gloves Black Heavy Duty, Large, 50 Count", "LabGuard", ["Safety", "Gloves"], 0),
    ("GL-3", "Latex Disposable Gloves Medium, 100 Pack", "SafeHands", ["Safety", "Gloves"], 20),
    ("GL-4", "Cut Resistant Work Gloves Level 5", "SafeHands", ["Safety", "Gloves"], 15),
    ("GL-5", "Chemical Resistant Neoprene Gloves", "LabGuard", ["Safety", "Gloves"], 8),
    ("GL-6", "Vinyl Food Service Gloves Clear, 1000 Pack", "SafeHands", ["Safety", "Gloves"], 0),
    ("BK-1", "Borosilicate Glass Beaker Set 50/100/250 ml", "ClearLab", ["Lab", "Glassware"], 25),
    ("BK-2", "Graduated Cylinder Glass 100 ml", "ClearLab", ["Lab", "Glassware"], 10),
    ("BK-3", "Erlenmeyer Flask 500 ml Borosilicate", "ClearLab", ["Lab", "Glassware"], 0),
    ("BK-4", "Plastic Wash Bottle 500 ml, 4 Pack", "LabPro", ["Lab", "Bottles"], 30),
    ("BK-5", "Glass Test Tubes 16x150 mm, 100 Pack", "LabPro", ["Lab", "Glassware"], 12),
    ("BK-6", "Volumetric Flask 250 ml Class A", "ClearLab", ["Lab", "Glassware"], 5),
    ("MS-1", "Digital Caliper 6 Inch Stainless Steel", "Mitsuwa", ["Measuring", "Calipers"], 14),
    ("MS-2", "Outside Micrometer 0-1 Inch", "Mitsuwa", ["Measuring", "Calipers"], 0),
    ("MS-3", "Digital Pocket Scale 500 g x 0.01 g", "WeighMax", ["Measuring", "Scales"], 40),
    ("MS-4", "Tape Measure 25 ft", "Stanley", ["Measuring", "Tapes"], 50),
    ("TP-1", "PTFE Thread Seal Tape 1/2 Inch, 10 Rolls", "SealRight", ["Adhesives", "Tape"], 60),
    ("TP-2", "Two-Part Epoxy 5-Minute Set 1 oz", "BondMaster", ["Adhesives", "Epoxy"], 0),
    ("TP-3", "Duct Tape Silver 2 Inch x 60 Yards", "SealRight", ["Adhesives", "Tape"], 33),
    ("TP-4", "Super Glue Gel Control 4 g", "BondMaster", ["Adhesives", "Glue"], 18),
]

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def catalog_rows(prefix: str = "") -> list[ProductRow]:
    return [
        ProductRow(row=n, sku=prefix + sku, title=title, brand=brand, category_path=path, stock=stock)
        for n, (sku, title, brand, path, stock) in enumerate(CATALOG, start=1)
    ]


def add_catalog(store: Store, prefix: str = "") -> dict[str, Product]:
    catalog_services.products_upsert(store=store, rows=catalog_rows(prefix))
    return {product.sku: product for product in Product.objects.filter(store=store)}


def embed_store(store: Store) -> Job:
    """Run the real embedding job (MiniLM) in this process. Where a Celery worker
    from an earlier test is running and claims the job first, wait for it instead."""
    job = embeddings_schedule(store=store)
    run_job(job.pk, embeddings_run)
    finished = (Job.Status.SUCCEEDED, Job.Status.PARTLY_FAILED, Job.Status.FAILED, Job.Status.CANCELLED)
    job = wait_for(lambda: Job.objects.filter(pk=job.pk, status__in=finished).first(), timeout=300,
                   message=f"embedding job #{job.pk} to finish")
    assert job.status == Job.Status.SUCCEEDED, job.error
    return job


def event(shopper: str, event_type: str, sku: str = "", *, minutes: int = 0, **extra) -> dict:
    return {"shopper": shopper, "type": event_type, "sku": sku,
            "time": (T0 + timedelta(minutes=minutes)).isoformat(), **extra}


def ingest(store: Store, events: list[dict], **options):
    return events_ingest(store=store, records=list(enumerate(events, start=1)), source="test", **options)


# Shoppers whose histories make the co-occurrence: sanders buy discs with
# sponges and sandpaper; lab shoppers buy beakers with cylinders; and so on.
BEHAVIOUR = [
    event("s-sander", "view", "AB-3", minutes=0),
    event("s-sander", "view", "AB-1", minutes=1),
    event("s-sander", "purchase", "AB-1", minutes=2),
    event("s-gloves", "search", query="gloves for handling chemicals", minutes=0),
    event("s-gloves", "view", "GL-3", minutes=1),
    event("s-gloves", "purchase", "GL-1", minutes=2),
    event("s-lab", "purchase", "BK-1", minutes=0),
    event("s-lab", "comment", "BK-1", text="Great beakers for titration", minutes=1),
    *[event(f"s-crowd-{n}", "purchase", sku, minutes=n * 10 + i)
      for n in range(6) for i, sku in enumerate(["AB-1", "AB-6", "AB-3"])],
    *[event(f"s-labcrowd-{n}", "purchase", sku, minutes=n * 10 + i)
      for n in range(4) for i, sku in enumerate(["BK-1", "BK-2", "BK-5"])],
    *[event(f"s-fix-{n}", "purchase", sku, minutes=n * 10 + i)
      for n in range(3) for i, sku in enumerate(["TP-1", "TP-3"])],
]
