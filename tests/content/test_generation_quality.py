"""What generation does for copy merchants approve, in this process with the real default model:
best of n (one candidate put forward, the others kept), and numbers and words held to the
product's facts whatever the few-shot examples show."""

import re

import pytest
from django.core.exceptions import ValidationError

from catalog.services.jobs import run_job
from content import services
from content.models import Draft, GenerationJob
from content.quality.numbers import allowed_numbers
from content.quality.words import allowed_words
from content.selectors.review import ReviewFilters, draft_variants, review_counts
from content.services.generation import generation_run, product_facts
from inference.generation.numbers import NUMBER_RE
from tests.catalog.factories import ProductFactory

pytestmark = [pytest.mark.model, pytest.mark.django_db]
WORDS = re.compile(r"[A-Za-z]+")


def test_best_of_three_puts_one_draft_forward_per_product_and_keeps_the_others(editor_member, monkeypatch):
    # No candidate is good enough to stop at (see the tests below), so all three are written.
    monkeypatch.setattr("content.services.generation.good_enough", lambda text, results, facts: False)
    store = editor_member.store
    products = [ProductFactory(store=store, title=title, attributes=attributes) for title, attributes in (
        ("Nitrile Exam Gloves, Blue, Box of 100", {"material": "nitrile", "pack size": "100", "color": "blue"}),
        ("Borosilicate Glass Beaker, 250 ml", {"material": "borosilicate glass", "volume": "250 ml"}),
    )]
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in products], candidates=3,
                                    params_overrides={"max_new_tokens": 40}, send=False)

    run_job(job.pk, generation_run)

    job.refresh_from_db()
    assert (job.done, job.total, job.failed) == (6, 6, 0)
    for product in products:
        drafts = list(Draft.objects.filter(job_id=job.pk, product=product))
        assert sorted(d.variant for d in drafts) == [1, 2, 3]
        forward = [d for d in drafts if d.status != Draft.Status.CANDIDATE]
        assert len(forward) == 1
        best = forward[0]
        assert all(best.score >= other.score for other in drafts)
        # The reviewer sees the others beside it, and the queue counts only the one put forward.
        assert {d.pk for d in draft_variants(draft=best)} == {d.pk for d in drafts} - {best.pk}
    counts = review_counts(store=store, filters=ReviewFilters())
    assert counts["to_review"] + counts["flagged"] == 2 and "candidate" not in counts
    assert GenerationJob.objects.get(pk=job.pk).candidates == 3


def test_best_of_n_stops_at_the_first_good_enough_candidate_and_a_second_run_adds_nothing(
        editor_member, monkeypatch):
    store = editor_member.store
    products = [ProductFactory(store=store, title=f"Borosilicate Glass Beaker, {size} ml",
                               attributes={"material": "borosilicate glass", "volume": f"{size} ml"})
                for size in (50, 250, 600)]
    judged: list[str] = []

    def second_is_enough(text, results, facts):  # the second candidate of each product is good enough
        judged.append(facts.title)
        return judged.count(facts.title) == 2

    monkeypatch.setattr("content.services.generation.good_enough", second_is_enough)
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[p.pk for p in products], candidates=4,
                                    params_overrides={"max_new_tokens": 24}, send=False)

    run_job(job.pk, generation_run)

    job.refresh_from_db()
    # Two candidates written per product, the other two not needed: the job is done all the same.
    assert (job.done, job.total, job.failed) == (12, 12, 0)
    for product in products:
        drafts = list(Draft.objects.filter(job_id=job.pk, product=product))
        assert sorted(d.variant for d in drafts) == [1, 2]
        assert len([d for d in drafts if d.status != Draft.Status.CANDIDATE]) == 1
    generation = GenerationJob.objects.get(pk=job.pk)
    assert generation.completion_tokens == sum(Draft.objects.filter(job_id=job.pk)
                                               .values_list("completion_tokens", flat=True))

    # A restarted job finds every product done: nothing is written twice, nothing more is asked for.
    type(job).objects.filter(pk=job.pk).update(status="queued")
    written = len(judged)
    run_job(job.pk, generation_run)

    job.refresh_from_db()
    assert Draft.objects.filter(job_id=job.pk).count() == 6 and len(judged) == written
    assert (job.done, job.total, job.failed) == (12, 12, 0)


def test_with_the_real_score_the_last_candidate_written_is_the_first_good_enough(editor_member):
    from content.checks import run_checks
    from content.quality.scoring import good_enough
    from content.services.drafts import check_context
    from content.services.setup import brand_voice_for

    store = editor_member.store
    product = ProductFactory(store=store, title="Nitrile Exam Gloves, Blue, Box of 100",
                             attributes={"material": "nitrile", "pack size": "100", "color": "blue"})
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[product.pk], candidates=4,
                                    params_overrides={"max_new_tokens": 60}, send=False)

    run_job(job.pk, generation_run)

    drafts = list(Draft.objects.filter(job_id=job.pk).order_by("variant"))
    voice = brand_voice_for(store=store)
    verdicts = []
    for draft in drafts:
        ctx = check_context(product=product, content_type="description", language=draft.language, voice=voice,
                            prompt=draft.prompt)
        verdicts.append(good_enough(draft.generated_text, run_checks(draft.generated_text, ctx), facts=ctx.facts))
    assert 1 <= len(drafts) <= 4 and not any(verdicts[:-1])
    assert verdicts[-1] or len(drafts) == 4


def test_best_of_n_is_bounded(editor_member):
    product = ProductFactory(store=editor_member.store)

    with pytest.raises(ValidationError, match="Best of 1 to 8"):
        services.generation_start(store=editor_member.store, membership=editor_member, content_type="description",
                                  product_ids=[product.pk], candidates=9, send=False)

    assert not GenerationJob.objects.exists()


def test_drafts_write_no_number_the_product_data_lacks(editor_member, monkeypatch):
    # All four candidates are written (none is good enough to stop at): each is one more draw.
    monkeypatch.setattr("content.services.generation.good_enough", lambda text, results, facts: False)
    store = editor_member.store
    # The default template's examples say "6 inches", "0.01 mm" and "100 to a box"; this product
    # has one number of its own.
    product = ProductFactory(store=store, title="Lab Wash Bottle, 500 ml", brand="ClearLab",
                             attributes={"material": "polyethylene"})
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[product.pk], candidates=4,
                                    params_overrides={"max_new_tokens": 60, "temperature": 1.0}, send=False)

    run_job(job.pk, generation_run)

    allowed = allowed_numbers(facts=product_facts(product), content_type="description")
    drafts = list(Draft.objects.filter(job_id=job.pk))
    assert len(drafts) == 4 and allowed == {"500"}
    for draft in drafts:
        assert set(NUMBER_RE.findall(draft.generated_text)) <= allowed, draft.generated_text


def test_english_descriptions_write_no_word_but_copys_generic_ones_and_the_products_own(editor_member):
    store = editor_member.store
    # The default template's examples are a notebook, a scale and a pen; this product is known by
    # its title only.
    product = ProductFactory(store=store, title="3M 05539 Roloc 2 Disc Pad Assembly", brand="3M", attributes={})
    job = services.generation_start(store=store, membership=editor_member, content_type="description",
                                    product_ids=[product.pk], candidates=3,
                                    params_overrides={"max_new_tokens": 60, "temperature": 1.0}, send=False)

    run_job(job.pk, generation_run)

    rule = allowed_words(facts=product_facts(product))
    drafts = list(Draft.objects.filter(job_id=job.pk))
    assert drafts and rule.own.allows("Roloc") and not rule.allows("wheel")
    for draft in drafts:
        written = WORDS.findall(draft.generated_text)
        assert len(written) >= 5
        # The last word may be cut at the token limit, part of an allowed one.
        assert all(rule.allows(word) for word in written[:-1]), [w for w in written if not rule.allows(w)]
