"""Test set-up: the real embedded Postgres (with pgvector) and Valkey, started
here when DATABASE_URL / CELERY_BROKER_URL are unset and stopped at the end if
this run started them; a real Celery worker process for tests about background
work; the system's Chromium for browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The models this suite's operator offers besides the default, for this process
# (pytest_configure) and the test worker (its environment): one whose file was
# never copied here, and one whose copy was cut off after its header.
CUT_OFF_MODEL = Path(__file__).resolve().parent / "fixtures" / "cut-off-model.gguf"
os.environ["GENERATION_MODELS"] = (
    f"missing-finetune=/nonexistent/models/gemma-finetuned.gguf,cut-off-finetune={CUT_OFF_MODEL}")

_started_services: list = []
# Each test session takes a slot 1..15: its own Valkey database (so neither
# `make run`'s worker, on database 0, nor another session's worker takes its
# tasks) and its own test database name (so two sessions on one checkout do not
# drop each other's database).
TEST_SLOTS = range(15, 0, -1)
_slot: dict = {}


def _claim_slot(valkey) -> int:
    import redis

    client = redis.Redis(unix_socket_path=str(valkey.socket_path))
    for slot in TEST_SLOTS:
        if client.set(f"commerce:test-slot:{slot}", os.getpid(), nx=True, ex=6 * 3600):
            _slot.update(number=slot, client=client)
            return slot
    raise RuntimeError("All 15 test slots are taken: are 15 test sessions running on this checkout?")


def pytest_configure(config):
    from django.conf import settings

    from commerce_site.env import env_models
    from commerce_site.run import start_services

    # pytest-django read the settings before this module set the variable.
    settings.GENERATION_MODELS = env_models("GENERATION_MODELS")
    _started_services.extend(start_services())
    if settings.USE_EMBEDDED_VALKEY:
        slot = _claim_slot(settings.EMBEDDED_VALKEY)
        settings.CELERY_BROKER_URL = settings.EMBEDDED_VALKEY.url(slot)
        os.environ["EMBEDDED_VALKEY_DB"] = str(slot)
        database = settings.DATABASES["default"]
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{slot}"
        if not os.environ.get("CACHE_URL"):
            # The shared cache in the slot's database too (the test worker reads the same
            # EMBEDDED_VALKEY_DB), emptied of what an earlier session on this slot left.
            settings.CACHES["default"]["LOCATION"] = settings.EMBEDDED_VALKEY.cache_url(slot)
            from django.core.cache import cache

            cache.clear()
    from commerce_site.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL


def pytest_unconfigure(config):
    others = []
    if _slot:
        client = _slot["client"]
        client.delete(f"commerce:test-slot:{_slot['number']}")
        others = client.keys("commerce:test-slot:*")
    if others:
        # Another test session on this checkout still uses the services this one
        # started: leave them running (the last session to end, or `make stop`, stops them).
        return
    for service in reversed(_started_services):
        service.stop()


# --------------------------------------------------------------------------- worker


def _worker_env(database_name: str) -> dict:
    from django.conf import settings

    env = os.environ.copy()
    if settings.USE_EMBEDDED_POSTGRES:
        env["EMBEDDED_DATABASE_NAME"] = database_name
    else:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(settings.DATABASE_URL)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database_name}"))
    env.setdefault("CELERY_TASK_TIME_LIMIT", "900")
    # The session's worker does not sweep: tests about the sweep and about faults start
    # workers of their own, and a sweep here would send jobs a test means to run itself.
    env["JOB_SWEEP_INTERVAL_SECONDS"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the real broker, using the test database.
    Tests that use it need @pytest.mark.django_db(transaction=True) so the
    worker sees their rows."""
    from django.db import connection

    from commerce_site.celery import app

    app.control.purge()
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log_path = BASE_DIR / "var" / "log" / "test-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "commerce_site", "worker", "-Q", "default,gpu",
         "--pool", "solo", "-n", name, "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR,
        env=_worker_env(connection.settings_dict["NAME"]),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    hostname = name.replace("%h", os.uname().nodename)
    while not app.control.ping(destination=[hostname], timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"The Celery worker did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
    yield process
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def published_tasks():
    """The (task name, job id) of every message this process published while the
    test ran, seen through Celery's own after_task_publish signal: the messages
    really went to the broker."""
    from celery.signals import after_task_publish

    seen: list[tuple[str, int]] = []

    def record(sender=None, body=None, **kwargs):
        args = body[0] if isinstance(body, tuple | list) else []
        seen.append((sender, args[0] if args else None))

    after_task_publish.connect(record, weak=False)
    yield seen
    after_task_publish.disconnect(record)


@contextmanager
def broker_at(url: str):
    """Publish through the broker at `url` while inside (a stopped or dedicated
    server); the Celery app's connection pools are rebuilt both ways."""
    from commerce_site.celery import app

    def point_at(target: str) -> None:
        from kombu import pools

        app.conf.broker_url = target
        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()  # kombu keeps pools per connection: closed and forgotten, as after a fork

    saved = app.conf.broker_url
    point_at(url)
    try:
        yield
    finally:
        point_at(saved)


def wait_for(predicate, *, timeout: float = 120.0, interval: float = 0.25, message: str = "condition"):
    """Poll until predicate() is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


# --------------------------------------------------------------------------- browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if the Content-Security-Policy blocked anything on it."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert blocked == [], f"The Content-Security-Policy blocked: {blocked}"


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/s/**")


# --------------------------------------------------------------------------- stores and people


@pytest.fixture
def store(db):
    from tests.catalog.factories import StoreFactory

    return StoreFactory(name="Bench Supply", slug="bench")


@pytest.fixture
def other_store(db):
    from tests.catalog.factories import StoreFactory

    return StoreFactory(name="Other Shop", slug="other")


def _member(store, role: str, username: str):
    from tests.catalog.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    return MembershipFactory(store=store, user=user, role=role)


@pytest.fixture
def admin_member(store):
    return _member(store, "admin", "alice-admin")


@pytest.fixture
def editor_member(store):
    return _member(store, "editor", "eddie-editor")


@pytest.fixture
def viewer_member(store):
    return _member(store, "viewer", "vera-viewer")


@pytest.fixture
def client_as(client):
    """client_as(membership) logs the test client in as that member."""

    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in
