"""The Content-Security-Policy allows scripts from our own static files only,
and no template carries an inline script, an event-handler attribute or a
javascript: URL that it would block."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.django_db
def test_every_page_carries_a_policy_with_scripts_from_our_own_files_only(client_as, viewer_member):
    response = client_as(viewer_member).get(reverse("home", kwargs={"store_slug": viewer_member.store.slug}))
    login_page = client_as(viewer_member).get(reverse("login"))

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert login_page["Content-Security-Policy"] == response["Content-Security-Policy"]


def test_no_template_has_inline_script_event_handlers_or_javascript_urls():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, re.compile("javascript:", re.IGNORECASE)):
            found += [f"{path.relative_to(TEMPLATES)}: {match.group(0)[:60]}" for match in pattern.finditer(text)]

    assert found == []


@pytest.mark.django_db
def test_htmx_is_configured_to_need_no_eval_and_no_injected_styles(client_as, viewer_member):
    page = client_as(viewer_member).get(reverse("home", kwargs={"store_slug": viewer_member.store.slug}))

    assert '"allowEval": false' in page.content.decode()
    assert '"includeIndicatorStyles": false' in page.content.decode()
