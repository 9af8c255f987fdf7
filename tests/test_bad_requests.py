"""Hostile query strings, form values and cursors on every page that reads
one: a 200, a redirect, a 400 or a 404, never a server error, and nothing
written.

The values are the ones that broke pages: digits `isdigit()` accepts but `int()`
refuses, NUL characters that Postgres cannot store, numbers beyond bigint or
datetime, cursors of the wrong type."""

import base64
import json

import pytest
from django.db import transaction
from django.urls import reverse

from content.models import Draft, DraftEvent
from tests.catalog.factories import ProductFactory
from tests.content.factories import DraftFactory, GenerationJobFactory, PromptTemplateFactory, PromptVersionFactory

pytestmark = pytest.mark.django_db


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_VALUES = {
    "huge": "9" * 40,
    "beyond_bigint": str(2**63),
    "superscript_digit": "²",
    "arabic_digits": "١٢٣",
    "negative": "-5",
    "nul": "a\x00b",
    "long": "x" * 5000,
    "exponent": "1e9999999",
}
CURSORS = {
    "catalog": {
        "huge_id": _b64({"v": ["a", 10**30], "d": "next"}),
        "string_id": _b64({"v": ["a", "abc"], "d": "next"}),
        "nested": _b64({"v": [{"a": 1}, [1]], "d": "next"}),
        "nul_title": _b64({"v": ["a\x00", 1], "d": "next"}),
        "not_a_list": _b64({"v": 5, "d": "next"}),
        "not_an_object": _b64([1, 2]),
        "huge_float": _b64({"v": [1e308, 1e308], "d": "next"}),
        "not_base64": "%%%",
    },
    "review": {
        "huge_micros": "9" * 30 + "-1",
        "huge_pk": "1700000000000000-" + "9" * 30,
        "superscript": "1²-1",
        "negative": "-5-5",
    },
    "shoppers": {
        "huge_pk": "|" + "9" * 30,
        "huge_pk_dated": "2025-01-01T00:00:00+00:00|" + "9" * 30,
        "naive_date": "2025-01-01T00:00:00|5",
        "year_zero": "0000-01-01|5",
        "superscript": "|²",
        "nul": "2025-01-01\x00|5",
    },
}
CURSOR_PARAM = {"catalog": "cursor", "review": "after", "shoppers": "cursor"}


@pytest.fixture
def site(store, admin_member):
    product = ProductFactory(store=store)
    template = PromptTemplateFactory(store=store)
    PromptVersionFactory(template=template)
    draft = DraftFactory(store=store, job=GenerationJobFactory(store=store), product=product)
    from recommendations.models import Shopper

    shopper = Shopper.objects.create(store=store, external_id="s-1")

    def to(name, **kwargs):
        return reverse(name, kwargs={"store_slug": store.slug, **kwargs})

    pages = {
        "catalog": (to("catalog:products"), ["q", "category", "brand", "stock", "sort", "cursor", "published"]),
        "jobs": (to("jobs:list"), ["kind"]),
        "review": (to("content:review"), ["status", "job", "version", "q", "after", "failed_check"]),
        "template": (to("content:template", template_id=template.pk), ["version"]),
        "playground": (to("content:playground", template_id=template.pk), ["version", "q", "product", "trial"]),
        "compare": (to("content:compare", template_id=template.pk), ["version_a", "version_b", "count"]),
        "generate": (to("content:generate"), ["product", "language", "question"]),
        "shoppers": (to("recommendations:shoppers"), ["q", "cursor"]),
        "shopper": (to("recommendations:shopper", shopper_id=shopper.pk), ["category", "in_stock"]),
        "shopper_events": (to("recommendations:shopper_events", shopper_id=shopper.pk), ["before"]),
        "search": (to("recommendations:search"), ["category"]),
        "preview": (to("recommendations:preview"), ["shopper", "product"]),
        "evaluation": (to("recommendations:evaluation"), ["run", "metric"]),
        "index": (reverse("store_index"), ["store"]),
    }
    # (path, the other fields, the field under test)
    nul_forms = {
        "review_edit": (to("content:review_edit", draft_id=draft.pk), {"expected_version": "1"}, "text"),
        "review_comment": (to("content:review_comment", draft_id=draft.pk), {}, "text"),
        "review_reject": (to("content:review_reject", draft_id=draft.pk), {}, "reason"),
    }
    id_forms = {
        "review_bulk": (to("content:review_bulk"), {"action": "approve"}, "draft"),
        "compare_start": (to("content:compare_start", template_id=template.pk), {"version_a": "1"}, "product"),
        "compare_count": (to("content:compare_start", template_id=template.pk), {"version_a": "1"}, "count"),
        "review_edit": (to("content:review_edit", draft_id=draft.pk), {"text": "New"}, "expected_version"),
    }
    return {"pages": pages, "nul_forms": nul_forms, "id_forms": id_forms, "draft": draft}


def _status(call) -> int | str:
    # A failed statement aborts the test's transaction; the savepoint keeps
    # one failure from hiding the next.
    try:
        with transaction.atomic():
            return call().status_code
    except Exception as exc:  # noqa: BLE001 - any escape is what this test reports
        return f"{type(exc).__name__}: {str(exc)[:80]}"


def test_hostile_query_values_never_give_a_server_error(client_as, admin_member, site):
    client = client_as(admin_member)
    failures = []
    for name, (path, params) in site["pages"].items():
        for param in params:
            for label, value in BAD_VALUES.items():
                status = _status(lambda: client.get(path, {param: value}))  # noqa: B023 - called at once
                if status not in (200, 302, 400, 404):
                    failures.append((name, param, label, status))
    assert failures == []


def test_hostile_cursors_give_a_page_not_a_server_error(client_as, admin_member, site):
    client = client_as(admin_member)
    failures = []
    for name, cursors in CURSORS.items():
        path = site["pages"][name][0]
        for label, cursor in cursors.items():
            status = _status(lambda: client.get(path, {CURSOR_PARAM[name]: cursor}))  # noqa: B023
            if status not in (200, 400):
                failures.append((name, label, status))
    assert failures == []


def test_nul_in_a_form_value_is_refused_and_changes_nothing(client_as, admin_member, site):
    client = client_as(admin_member)
    draft = site["draft"]
    before = (Draft.objects.values_list("status", "current_text", "version").get(pk=draft.pk),
              DraftEvent.objects.count())
    statuses = {name: _status(lambda: client.post(path, {**base, field: "Fine text\x00"}))  # noqa: B023
                for name, (path, base, field) in site["nul_forms"].items()}

    assert statuses == {name: 400 for name in site["nul_forms"]}
    assert (Draft.objects.values_list("status", "current_text", "version").get(pk=draft.pk),
            DraftEvent.objects.count()) == before


def test_hostile_ids_in_forms_never_give_a_server_error(client_as, admin_member, site):
    client = client_as(admin_member)
    failures = []
    for name, (path, base, field) in site["id_forms"].items():
        for label in ("superscript_digit", "arabic_digits", "huge", "beyond_bigint", "negative"):
            status = _status(lambda: client.post(path, {**base, field: BAD_VALUES[label]}))  # noqa: B023
            if status not in (200, 302, 400, 404, 409):
                failures.append((name, label, status))
    assert failures == []


def test_nul_in_a_query_is_a_400_that_says_why(client_as, admin_member, site):
    response = client_as(admin_member).get(site["pages"]["catalog"][0], {"q": "gloves\x00"})

    assert response.status_code == 400
    assert b"NUL" in response.content

