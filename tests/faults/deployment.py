"""A whole deployment of its own for tests that break it: Postgres and Valkey
started by the project's own runner under a temporary VAR_DIR, migrated, and
Celery workers as separate processes pointed at them. Restarting or killing
any of it disturbs no other test session (each has the shared servers' own
databases, which these tests never touch).

`using()` points this test process's ORM and Celery publishing at the
deployment, so a test calls the services as the web process would."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.conftest import BASE_DIR, broker_at, wait_for

# Short enough for a test to wait for a stale heartbeat, long enough for a busy machine
# (the settings' minimum).
STALE_AFTER_SECONDS = 30
SWEEP_INTERVAL_SECONDS = 2
START_TIMEOUT = 240


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def hostname(self) -> str:
        return self.name.replace("%h", os.uname().nodename)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL the worker and its pool: the machine it ran on died."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(30)

    def kill_pool_process(self) -> int:
        """SIGKILL the pool process running the task (prefork): the worker itself lives on."""
        children = psutil.Process(self.process.pid).children()
        assert children, "the worker has no pool process"
        children[0].kill()
        return children[0].pid

    def stop(self, timeout: float = 60) -> None:
        """A warm shutdown (SIGTERM), as a process manager does."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Deployment:
    root: Path
    workers: list[Worker] = field(default_factory=list)
    database: dict = field(default_factory=dict)
    broker_url: str = ""

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    @property
    def env(self) -> dict:
        env = {name: value for name, value in os.environ.items()
               if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMBEDDED_VALKEY_DB",
                               "EMBEDDED_DATABASE_NAME"}}
        from django.conf import settings

        env.update(
            DJANGO_SETTINGS_MODULE="commerce_site.settings", VAR_DIR=str(self.var_dir),
            # The converted model is shared with the rest of the suite: converting it again takes minutes.
            MODEL_CACHE_DIR=str(settings.MODEL_CACHE_DIR),
            JOB_STALE_AFTER_SECONDS=str(STALE_AFTER_SECONDS), JOB_SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL_SECONDS),
            SECRET_KEY=self._secret, PYTHONUNBUFFERED="1",
        )
        return env

    def __post_init__(self) -> None:
        self._secret = secrets.token_urlsafe(32)

    # -- services

    def start(self) -> None:
        """Postgres and Valkey (the project's runner, `run services`), then the migrations."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self._python("-m", "commerce_site.run", "services")
        self._python("manage.py", "migrate", "--noinput")
        found = json.loads(self._python("-c", (
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps({'database': settings.DATABASES['default'], 'broker': settings.CELERY_BROKER_URL}, "
            "default=str))"
        )).splitlines()[-1])
        self.database, self.broker_url = found["database"], found["broker"]

    def shutdown(self) -> None:
        for worker in self.workers:
            worker.kill()
        self._python("-m", "commerce_site.run", "stop", check=False)

    def postgres(self):
        from commerce_site.embedded import EmbeddedPostgres

        return EmbeddedPostgres(self.var_dir)

    def valkey(self):
        from commerce_site.embedded import EmbeddedValkey

        return EmbeddedValkey(self.var_dir)

    def _python(self, *args: str, check: bool = True) -> str:
        result = subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=self.env, capture_output=True, text=True,
                                timeout=600)
        if check and result.returncode:
            raise RuntimeError(f"{' '.join(args[:3])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return result.stdout

    # -- workers

    def start_worker(self, *, concurrency: int = 1) -> Worker:
        """A worker as `make run` starts one (prefork, both queues), in a process group
        of its own so it can be killed whole; returns once it answers a ping."""
        name = f"fault-{uuid.uuid4().hex[:8]}@%h"
        log_path = self.var_dir / "log" / f"worker-{name.split('@')[0]}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "commerce_site", "worker", "-Q", "default,gpu", "-n", name,
                 "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        worker = Worker(name=name, process=process, log_path=log_path)
        self.workers.append(worker)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping(worker):
            if process.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                raise RuntimeError(f"The worker did not start:\n{worker.log_tail()}")
        return worker

    def ping(self, worker: Worker) -> bool:
        from commerce_site.celery import app

        # Through the app's own pools (a connection passed to control still publishes through them).
        with broker_at(self.broker_url):
            return bool(app.control.ping(destination=[worker.hostname], timeout=1.0))

    # -- this process

    @contextmanager
    def using(self):
        """This process's ORM and Celery publishing go to the deployment while inside."""
        from django.db import connections

        connection = connections["default"]
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(
            {key: self.database[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
             if key in self.database}
        )
        try:
            with broker_at(self.broker_url):
                yield self
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


def job_state(job_id: int):
    """The job as the database has it now, or None while the database is away."""
    from django.db import InterfaceError, OperationalError, connection

    from catalog.models import Job

    try:
        return Job.objects.get(pk=job_id)
    except (OperationalError, InterfaceError):
        connection.close()  # reconnect on the next call
        return None


def wait_for_job(job_id: int, predicate, *, timeout: float, message: str, workers: list[Worker] = ()):
    """Wait until predicate(job) holds; on a timeout, say where the job stood and what the workers logged."""
    try:
        return wait_for(lambda: (lambda job: job if job is not None and predicate(job) else None)(job_state(job_id)),
                        timeout=timeout, interval=0.25, message=message)
    except AssertionError as exc:
        job = job_state(job_id)
        where = (f"status={job.status} done={job.done}/{job.total} attempts={job.attempts} error={job.error!r}"
                 if job else "database away")
        logs = "\n\n".join(f"--- {worker.name}\n{worker.log_tail()}" for worker in workers)
        raise AssertionError(f"{exc}; the job: {where}\n{logs}") from None
