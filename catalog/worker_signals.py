"""Every worker sweeps the jobs (catalog.services.jobs.jobs_sweep): once when
it is ready, then every JOB_SWEEP_INTERVAL_SECONDS on a thread of its main
process. A timer inside the worker rather than Celery beat: `make run` starts
one worker and no beat, and on real servers there is no extra process to keep
alive; many workers sweeping is safe (an advisory lock lets one sweep at a
time, and a job sent twice is claimed once)."""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


class JobSweeper(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="job-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        from catalog.services.jobs import jobs_sweep

        try:
            while True:
                try:
                    jobs_sweep()
                except Exception:  # a database or broker outage: the next round tries again
                    logger.warning("jobs.sweep_failed", exc_info=True)
                    connection.close()
                if self.stopped.wait(self.interval):
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


_sweeper: JobSweeper | None = None


@worker_ready.connect
def start_job_sweeper(sender=None, **kwargs) -> None:
    global _sweeper
    if settings.JOB_SWEEP_INTERVAL_SECONDS <= 0:
        logger.info("jobs.sweep_disabled")
        return
    _sweeper = JobSweeper(settings.JOB_SWEEP_INTERVAL_SECONDS)
    _sweeper.start()


@worker_shutdown.connect
def stop_job_sweeper(sender=None, **kwargs) -> None:
    if _sweeper is not None:
        _sweeper.stop()
