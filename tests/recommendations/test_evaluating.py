"""The offline evaluation on a store's own events: the same numbers twice, a
stored run, the command."""

import pytest
from django.core.management import call_command

from catalog.models import Job
from catalog.services.jobs import run_job
from recommendations.models import EvaluationRun
from recommendations.selectors.evaluation import evaluation_table
from recommendations.services.evaluation import evaluation_run, evaluation_start, store_interaction_data
from tests.recommendations.factories import event, ingest

pytestmark = pytest.mark.django_db

HISTORIES = {
    # shopper: their purchases in order; the last one is the test item
    **{f"d{n}": ["AB-1", "AB-6", "AB-3", "AB-4"] for n in range(6)},
    **{f"l{n}": ["BK-1", "BK-2", "BK-5", "BK-6"] for n in range(5)},
    **{f"g{n}": ["GL-1", "GL-3", "GL-4"] for n in range(4)},
    **{f"t{n}": ["TP-1", "TP-3", "TP-4"] for n in range(3)},
    "mix": ["MS-1", "MS-3", "AB-1", "GL-1"],
}


@pytest.fixture
def history(store, embedded_catalog):
    events = [event(shopper, "purchase", sku, minutes=i)
              for shopper, skus in HISTORIES.items() for i, sku in enumerate(skus)]
    assert ingest(store, events).accepted == len(events)


def _run(member):
    run = evaluation_start(store=member.store, membership=member, background=False,
                           params={"seed": 3, "cold_fraction": 0.2})
    run_job(run.job_id, evaluation_run)
    return EvaluationRun.objects.select_related("job").get(pk=run.pk)


def test_the_evaluation_gives_the_same_numbers_twice(editor_member, history):
    first, second = _run(editor_member), _run(editor_member)

    assert first.job.status == Job.Status.SUCCEEDED, first.job.error
    assert set(first.methods) == {"popularity", "item_knn", "als", "embedding", "hybrid"}

    def metrics(run):
        return {name: {part: {key: value for key, value in numbers.items() if not key.endswith("seconds")}
                       for part, numbers in runs.items()} for name, runs in run.methods.items()}

    assert metrics(first) == metrics(second)
    assert first.result["dataset"] == {
        "items": 26, "shoppers": 19, "events": 69, "train_events": 50, "targets": 19, "cold_items": 5,
        "cold_train_events_dropped": first.result["dataset"]["cold_train_events_dropped"],
        "cold_targets": first.result["dataset"]["cold_targets"],
    }
    # on this tidy data the co-occurrence methods find the fourth item of every group
    table = {row["method"]: row for row in evaluation_table(first)}
    assert table["item_knn"]["recall"] > table["popularity"]["recall"]
    assert table["hybrid"]["recall"] >= table["embedding"]["recall"]


def test_the_events_become_interaction_data_in_time_order(store, history):
    data = store_interaction_data(store=store)

    assert (data.n_items, data.n_shoppers, len(data.item)) == (26, 19, 69)
    assert data.order_kind == "timestamp"
    assert data.item_vectors.shape == (26, 384)


def test_a_store_without_events_fails_the_job_with_a_reason(editor_member, embedded_catalog):
    run = evaluation_start(store=editor_member.store, membership=editor_member, background=False)

    run_job(run.job_id, evaluation_run)

    run.job.refresh_from_db()
    assert run.job.status == Job.Status.FAILED
    assert run.job.error == "EvaluationDataError: This store has no product events to evaluate on."


def test_the_command_prints_the_table_and_keeps_the_run(store, history, capsys):
    call_command("evaluate_recommendations", store.slug, "--methods", "popularity,item_knn,hybrid", "--seed", "3")

    out = capsys.readouterr().out
    assert "19 shoppers, 69 events, 26 products" in out
    assert [line.split()[0] for line in out.splitlines()[-3:]] == ["popularity", "item_knn", "hybrid"]
    run = EvaluationRun.objects.get(store=store)
    assert run.created_by is None and set(run.methods) == {"popularity", "item_knn", "hybrid"}


@pytest.mark.django_db(transaction=True)
def test_the_task_is_sent_only_once_its_run_is_committed(editor_member):
    from celery.signals import before_task_publish

    from catalog.services.jobs import job_cancel

    runs_at_send = []

    def look(sender=None, body=None, **kwargs):
        # What the worker would find if it took the message this instant.
        runs_at_send.append(EvaluationRun.objects.filter(job_id=body[0][0]).exists())

    before_task_publish.connect(look, weak=False)
    try:
        run = evaluation_start(store=editor_member.store, membership=editor_member)
    finally:
        before_task_publish.disconnect(look)
    # Still queued, so cancelled at once: a worker running beside this test leaves it alone.
    job_cancel(job=run.job, membership=editor_member)

    assert runs_at_send == [True]
