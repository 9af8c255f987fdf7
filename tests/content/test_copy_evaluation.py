"""The copy yardstick on a few products with the real default model: drafts written as generation
writes them, every check on every draft, figures per subset, the drafts kept, a second run of the
job writing nothing again, and the command that prints it."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from catalog.services.jobs import run_job
from content.checks import ProductFacts
from content.models import CopyEvaluation, CopyEvaluationDraft
from content.quality.words import allowed_words
from content.services.copy_evaluation import copy_evaluation_run, copy_evaluation_start, draft_specificity
from inference.generation.numbers import NUMBER_RE
from tests.catalog.factories import ProductFactory

pytestmark = [pytest.mark.model, pytest.mark.django_db]

FIXTURE = Path(__file__).resolve().parents[2] / "bench" / "fixtures" / "smoke" / "product-copy"
SHORT = {"max_new_tokens": 32}
_WORDS = re.compile(r"[A-Za-z]+")


@pytest.fixture
def catalog(store, settings):
    settings.PRODUCT_COPY_DIR = FIXTURE
    titles = ["Nitrile Exam Gloves, Box of 100", "Glass Beaker 250 ml", "Steel Ruler 12 Inch", "Spray Bottle",
              "Safety Goggles", "Cable Ties, 100 Pack", "Lab Coat, White, Large", "Pipette Tips, 1000 ul"]
    return [ProductFactory(store=store, title=title, attributes={}) for title in titles]


def run(evaluation):
    run_job(evaluation.job_id, copy_evaluation_run)
    evaluation.refresh_from_db()
    return evaluation


def test_the_yardstick_writes_checks_and_keeps_every_draft(store, editor_member, catalog):
    evaluation = copy_evaluation_start(store=store, membership=editor_member, model_version=None,
                                       corpus_per_language=1, store_products=2, params_overrides=SHORT,
                                       send=False)

    evaluation = run(evaluation)

    drafts = list(evaluation.drafts.order_by("subset", "position"))
    assert [d.subset for d in drafts] == ["corpus_en", "corpus_zh", "store", "store"]
    assert [d.product for d in drafts[2:]] == [catalog[2], catalog[6]]  # spread over the catalog
    for draft in drafts:
        english = draft.language == "en"
        last = draft.prompt.rsplit("\n\n", 1)[-1]  # the product's own block, after the examples
        assert draft.text and last.startswith(("Product: " if english else "产品：") + draft.title + "\n")
        assert last.endswith("Description:" if english else "描述：")
        assert {check["name"] for check in draft.checks} >= {"length", "unsupported_claims", "prompt_echo"}
        assert draft.passed == (not any(c["severity"] == "error" and not c["passed"] for c in draft.checks))
        assert set(NUMBER_RE.findall(draft.text)) <= set(NUMBER_RE.findall(draft.prompt.rsplit("\n\n", 1)[-1]))
    assert drafts[0].reference and drafts[0].similarity is not None and -1 <= drafts[0].similarity <= 1
    assert drafts[2].reference == "" and drafts[2].similarity is None
    figures = evaluation.results
    assert figures["store"]["drafts"] == 2 and figures["corpus"]["drafts"] == 2 and figures["all"]["drafts"] == 4
    assert figures["store"]["pass_rate"] == sum(d.passed for d in drafts[2:]) / 2
    assert figures["all"]["claims_per_draft"] == sum(d.claims for d in drafts) / 4
    # Ungrounded details: English drafts only (corpus_en and the store's), against each one's facts.
    english = [d for d in drafts if d.language == "en"]
    assert figures["corpus_zh"]["ungrounded_details"] is None
    assert figures["all"]["ungrounded_details"] == round(sum(draft_specificity(d) for d in english) / 3, 2)
    assert draft_specificity(drafts[1]) is None
    # English drafts write copy's generic words and the product's own only (a draft cut at its
    # last token may end in part of one).
    assert evaluation.constrain_words
    for draft in english:
        rule = allowed_words(facts=ProductFacts(title=draft.title, brand=draft.facts.get("brand", ""),
                                                category=draft.facts.get("category", ""),
                                                attributes=draft.facts.get("attributes") or {}))
        written = _WORDS.findall(draft.text)
        assert all(rule.allows(word) for word in written[:-1]), (draft.text, [w for w in written if not rule.allows(w)])
    assert figures["timing"]["completion_tokens"] > 0 and figures["timing"]["tokens_per_second"] > 0
    assert evaluation.model_id == "gemma-3-270m-q4_k_m" and evaluation.load_average is not None
    assert evaluation.job.status == "succeeded"


def test_a_second_run_writes_nothing_again(store, editor_member, catalog):
    evaluation = run(copy_evaluation_start(store=store, membership=editor_member, model_version=None,
                                           corpus_per_language=0, store_products=1, params_overrides=SHORT,
                                           send=False))
    texts = list(evaluation.drafts.values_list("pk", "text"))
    type(evaluation.job).objects.filter(pk=evaluation.job_id).update(status="queued")

    again = run(evaluation)

    assert list(again.drafts.values_list("pk", "text")) == texts
    assert again.results["timing"]["prompts"] == 1


def test_best_of_two_keeps_the_candidate_it_did_not_choose(store, editor_member, catalog):
    evaluation = run(copy_evaluation_start(store=store, membership=editor_member, model_version=None, candidates=2,
                                           stop_early=False, corpus_per_language=0, store_products=2,
                                           params_overrides=SHORT, send=False))

    for draft in evaluation.drafts.all():
        assert len(draft.others) == 1 and draft.others[0]["text"] != draft.text
    assert evaluation.results["timing"]["prompts"] == 4
    assert evaluation.label == "base model, best of 2 (all written)"


@pytest.mark.parametrize("enough", [True, False])
def test_best_of_n_stops_at_the_first_good_enough_candidate(store, editor_member, catalog, monkeypatch, enough):
    # Whether a candidate is good enough is the checks' and the specificity score's call
    # (tests/content/quality); here every candidate is, or none is.
    monkeypatch.setattr("content.services.copy_evaluation.good_enough", lambda text, results, facts: enough)

    evaluation = run(copy_evaluation_start(store=store, membership=editor_member, model_version=None, candidates=3,
                                           corpus_per_language=0, store_products=2, params_overrides=SHORT,
                                           send=False))

    drafts = list(evaluation.drafts.all())
    assert evaluation.stop_early and len(drafts) == 2
    if enough:  # one round: the first candidate of each product ends its search
        assert evaluation.results["timing"]["prompts"] == 2
        assert evaluation.results["timing"]["candidates_per_draft"] == 1.0
        assert all(draft.others == [] for draft in drafts)
    else:  # three rounds, each drawing with its own seed
        assert evaluation.results["timing"]["prompts"] == 6
        assert evaluation.results["timing"]["candidates_per_draft"] == 3.0
        for draft in drafts:
            texts = [draft.text] + [other["text"] for other in draft.others]
            assert len(texts) == 3 and len(set(texts)) == 3


def test_viewers_cannot_start_it_and_a_missing_corpus_is_named(store, viewer_member, editor_member, catalog,
                                                                 settings, tmp_path):
    with pytest.raises(PermissionDenied):
        copy_evaluation_start(store=store, membership=viewer_member, send=False)
    settings.PRODUCT_COPY_DIR = tmp_path
    with pytest.raises(ValidationError, match="PRODUCT_COPY_DIR"):
        copy_evaluation_start(store=store, membership=editor_member, send=False)

    assert not CopyEvaluation.objects.exists()


def test_the_command_prints_the_figures_per_subset(store, catalog):
    out = StringIO()

    call_command("evaluate_copy", store.slug, "--model-version", "base", "--corpus", "1", "--store-products", "1",
                 "--show-drafts", "store", stdout=out)

    text = out.getvalue()
    assert "subset     drafts   pass claims/d details length  echo repeat   sim" in text
    for subset in ("corpus_en", "corpus_zh", "store", "all"):
        assert f"\n{subset} " in text
    draft = CopyEvaluationDraft.objects.get(subset="store")
    assert f"[store] {draft.title}\n{draft.text}" in text
