"""An editor generates copy for two products with the real default model on a
real worker, reviews it in the queue (edit, diff, approve and publish with the
keyboard, reject the other with a reason) and sees the published text on the
product page. A short prompt and few new tokens keep the model run quick."""

import re

import pytest

from catalog.models import Job
from content.models import Draft, PublishedCopy
from tests.catalog.factories import PASSWORD
from tests.conftest import login
from tests.content.test_tasks import FIRST_JOB_TIMEOUT, products, quick_version

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.model, pytest.mark.django_db(transaction=True)]


def open_draft(page, draft):
    """Open a draft from the queue: its status tab, then its row."""
    page.click("nav >> text=Review")
    page.click(f"[data-tab={draft.status}]")
    page.wait_for_selector(f"[data-tab={draft.status}].active")
    page.wait_for_selector(f"#queue-row-{draft.pk}")
    page.click(f"#queue-row-{draft.pk} a.queue-title")
    page.wait_for_selector(f"#review-pane[data-draft-id='{draft.pk}']")


def test_generate_review_edit_approve_publish_and_reject(page, live_server, celery_worker, editor_member):
    store = editor_member.store
    first, second = products(store, 2)
    version = quick_version(store)

    login(page, live_server, editor_member.user.username, PASSWORD)
    page.goto(f"{live_server.url}/s/{store.slug}/content/generate/?product={first.pk}&product={second.pk}")
    page.select_option("#id_template_version", str(version.pk))
    page.fill("#id_max_new_tokens", "16")
    page.click("button:has-text('Start generating')")
    page.wait_for_selector("[data-job-status-badge]:has-text('Succeeded')", timeout=FIRST_JOB_TIMEOUT * 1000)
    assert page.locator(".progress.done").count() == 1

    job = Job.objects.get(store=store, kind=Job.Kind.GENERATION)
    by_product = {d.product_id: d for d in Draft.objects.filter(job_id=job.pk)}
    chosen, other = by_product[first.pk], by_product[second.pk]
    assert chosen.status in Draft.REVIEWABLE and other.status in Draft.REVIEWABLE

    # Open the first draft and edit it: the text is saved as the editor pauses and the diff follows.
    open_draft(page, chosen)
    page.keyboard.press("e")
    page.keyboard.type(" <b>Edited</b> by hand.")
    page.wait_for_selector("[data-diff] ins:has-text('Edited')")
    inserted = page.locator("[data-diff] ins").last.inner_text()
    assert "<b>Edited</b> by hand." in inserted  # model or merchant markup shows as text
    assert page.locator("[data-diff] b").count() == 0
    chosen.refresh_from_db()
    assert chosen.current_text.endswith(" <b>Edited</b> by hand.") and chosen.version == 2

    # ? lists the keys; Escape closes the list, then leaves the editor.
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    assert page.locator("#review-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#review-help").is_visible()

    # a approves and moves on without a page load.
    page.evaluate("window.__samePage = true")
    page.keyboard.press("a")
    page.wait_for_selector("[data-flash]:has-text('Approved')")
    chosen.refresh_from_db()
    assert chosen.status == Draft.Status.APPROVED and chosen.edit_distance > 0
    assert page.evaluate("window.__samePage") is True

    # p publishes it, from the Approved tab.
    page.click("[data-tab=approved]")
    page.wait_for_selector("[data-tab=approved].active")
    page.wait_for_selector(f"#queue-row-{chosen.pk}")
    page.click(f"#queue-row-{chosen.pk} a.queue-title")
    page.wait_for_selector(f"#review-pane[data-draft-id='{chosen.pk}'][data-status=approved]")
    page.keyboard.press("p")
    page.wait_for_selector("[data-flash]:has-text('Published')")
    chosen.refresh_from_db()
    assert chosen.status == Draft.Status.PUBLISHED
    assert re.search(r"/review/\d+/\?status=approved$", page.url)

    # r rejects the other one with a reason.
    other.refresh_from_db()
    open_draft(page, other)
    page.keyboard.press("r")
    page.keyboard.type("Wrong facts")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-flash]:has-text('Rejected')")
    other.refresh_from_db()
    assert (other.status, other.reject_reason) == (Draft.Status.REJECTED, "Wrong facts")

    # The product page shows the published text, as text.
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    live = page.locator("[data-published-copy] [data-live-text]").inner_text()
    assert live == PublishedCopy.objects.get(product=first).text == chosen.current_text
    assert "<b>Edited</b> by hand." in live
