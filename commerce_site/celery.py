"""The Celery app. Two queues: `default` for imports and bookkeeping, `gpu` for
model work (generation, embeddings, evaluation, fine-tuning), so GPU hosts can
run workers that take only model work (`celery worker -Q gpu`).

`task_routes` is the one place that says which queue a task goes to: jobs are
sent by task name through Celery's current app (catalog.services.jobs), which routes them
here, so no caller names a queue."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_site.settings")

app = Celery("commerce_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("gpu"))
app.conf.task_routes = {
    # Exact names win over the patterns: event imports are bookkeeping, not model work.
    "recommendations.tasks.import_events": {"queue": "default"},
    # A campaign's build reads recommendations and starts generation jobs; it runs no model itself.
    "content.tasks.build_campaign": {"queue": "default"},
    "content.tasks.*": {"queue": "gpu"},
    "recommendations.tasks.*": {"queue": "gpu"},
}
app.autodiscover_tasks()
