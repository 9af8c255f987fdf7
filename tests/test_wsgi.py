"""A web process loads what its requests need before it takes the first one:
commerce_site.wsgi runs catalog.hooks.web_warmups (the embedding model, which
semantic search needs) in every gunicorn worker as it starts."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import hooks

REPO = Path(__file__).resolve().parent.parent
LOADED = ("import commerce_site.wsgi\nfrom recommendations import embedding_model\n"
          "print('loaded' if embedding_model._embedder is not None else 'not loaded')")


def _web_process(**env) -> str:
    done = subprocess.run([sys.executable, "-c", LOADED], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "LOCAL_MODE": "true", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.model
def test_a_web_process_has_the_embedding_model_loaded_when_it_is_ready_to_serve():
    assert _web_process() == "loaded"
    assert _web_process(WEB_WARMUP="false") == "not loaded"


def test_a_failing_warmup_is_logged_and_the_others_still_run(monkeypatch, caplog):
    ran = []

    def broken():
        raise OSError("model folder missing")

    def fine():
        ran.append("fine")

    registry = hooks.Hook("web_warmups")
    registry.register(broken)
    registry.register(fine)
    monkeypatch.setattr(hooks, "web_warmups", registry)

    with caplog.at_level(logging.ERROR, logger="catalog.hooks"):
        spent = hooks.web_warm()

    assert ran == ["fine"] and list(spent) == [fine.__qualname__]
    assert [record.message for record in caplog.records] == ["web.warmup_failed"]


@pytest.mark.django_db
def test_the_scoring_data_of_the_stores_active_last_is_built_at_start(store, other_store):
    from recommendations import scoring_data
    from tests.catalog.factories import StoreFactory
    from tests.recommendations.factories import add_catalog, event, ingest

    quiet = StoreFactory(slug="quiet")
    for shop in (store, other_store, quiet):
        add_catalog(shop)
    ingest(other_store, [event("s-1", "purchase", "AB-1")])
    ingest(store, [event("s-2", "purchase", "GL-1"), event("s-2", "view", "BK-1")])
    scoring_data.forget_scoring_data()

    try:
        scoring_data.warm_recent_stores(limit=1)
        built = dict(scoring_data._models)
    finally:
        scoring_data.forget_scoring_data()

    assert list(built) == [store.pk]  # the store with the latest event; the rest build on first use
    assert built[store.pk].events == 2


def test_recommendations_registers_its_warmups():
    from recommendations import embedding_model, scoring_data

    assert {embedding_model.warm, scoring_data.warm_recent_stores} <= set(hooks.web_warmups)
