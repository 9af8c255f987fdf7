"""An editor generates copy for two products with the real default model on a
real worker, reviews it in the queue (edit, diff, approve and publish with the
keyboard, reject the other with a reason) and sees the published text on the
product page. A short prompt and few new tokens keep the model run quick."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Job
from content.models import Draft, PublishedCopy
from tests.catalog.factories import PASSWORD
from tests.conftest import login
from tests.content.test_tasks import FIRST_JOB_TIMEOUT, products, quick_version

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]


def show_tab(page, status):
    """The review queue on one status tab, ready for keys: the key hint shows once they work."""
    page.click("nav >> text=Review")
    expect(page.locator("[data-review-help-toggle]")).to_be_visible()
    page.click(f"[data-tab={status}]")
    expect(page.locator(f"[data-tab={status}].active")).to_be_visible()


def open_draft(page, draft):
    """Open a draft from the queue: its status tab, then its row."""
    show_tab(page, draft.status)
    page.click(f"#queue-row-{draft.pk} a.queue-title")
    expect(page.locator(f"#review-pane[data-draft-id='{draft.pk}']")).to_be_visible()


def test_generate_review_edit_approve_publish_and_reject(page, live_server, celery_worker, editor_member):
    store = editor_member.store
    first, second = products(store, 2)
    version = quick_version(store)

    login(page, live_server, editor_member.user.username, PASSWORD)
    page.goto(f"{live_server.url}/s/{store.slug}/content/generate/?product={first.pk}&product={second.pk}")
    page.select_option("#id_template_version", str(version.pk))
    page.fill("#id_max_new_tokens", "16")
    page.click("button:has-text('Start generating')")
    expect(page.locator("[data-job-status-badge]")).to_have_text("Succeeded", timeout=FIRST_JOB_TIMEOUT * 1000)
    expect(page.locator(".progress.done")).to_have_count(1)

    job = Job.objects.get(store=store, kind=Job.Kind.GENERATION)
    by_product = {d.product_id: d for d in Draft.objects.filter(job_id=job.pk)}
    chosen, other = by_product[first.pk], by_product[second.pk]
    assert chosen.status in Draft.REVIEWABLE and other.status in Draft.REVIEWABLE

    # Open the first draft and edit it: the text is saved as the editor pauses and the diff follows.
    open_draft(page, chosen)
    page.keyboard.press("e")
    # One input event, as a paste gives: one save (typing key by key saves at each pause).
    page.keyboard.insert_text(" <b>Edited</b> by hand.")
    expect(page.locator("[data-diff] ins").last).to_contain_text("<b>Edited</b> by hand.")
    inserted = page.locator("[data-diff] ins").last.inner_text()
    assert "<b>Edited</b> by hand." in inserted  # model or merchant markup shows as text
    expect(page.locator("[data-diff] b")).to_have_count(0)
    chosen.refresh_from_db()
    assert chosen.current_text.endswith(" <b>Edited</b> by hand.") and chosen.version == 2

    # ? lists the keys; Escape closes the list, then leaves the editor.
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("#review-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#review-help")).to_be_hidden()

    # a approves and moves on without a page load.
    page.evaluate("window.__samePage = true")
    page.keyboard.press("a")
    expect(page.locator("[data-flash]")).to_contain_text("Approved")
    chosen.refresh_from_db()
    assert chosen.status == Draft.Status.APPROVED and chosen.edit_distance > 0
    assert page.evaluate("window.__samePage") is True

    # p publishes it from the Approved tab. It is pressed as the row is clicked, before its pane is
    # in: the key waits for the pane it was meant for, and acts through htmx, not a page load.
    show_tab(page, Draft.Status.APPROVED)
    page.evaluate("window.__samePage = true")
    page.click(f"#queue-row-{chosen.pk} a.queue-title")
    page.keyboard.press("p")
    expect(page.locator("[data-flash]")).to_contain_text("Published")
    chosen.refresh_from_db()
    assert chosen.status == Draft.Status.PUBLISHED
    assert page.evaluate("window.__samePage") is True
    assert re.search(r"/review/\d+/\?status=approved$", page.url)

    # r rejects the other one with a reason, typed at once: the letters go into the reason (its
    # "a" does not approve), and Enter sends it.
    other.refresh_from_db()
    show_tab(page, other.status)
    page.click(f"#queue-row-{other.pk} a.queue-title")
    page.keyboard.press("r")
    page.keyboard.type("Wrong facts")
    page.keyboard.press("Enter")
    expect(page.locator("[data-flash]")).to_contain_text("Rejected")
    other.refresh_from_db()
    assert (other.status, other.reject_reason) == (Draft.Status.REJECTED, "Wrong facts")

    # The product page shows the published text, as text.
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    live = page.locator("[data-published-copy] [data-live-text]")
    expect(live).to_have_text(PublishedCopy.objects.get(product=first).text)
    assert live.inner_text() == chosen.current_text
    assert "<b>Edited</b> by hand." in live.inner_text()
