"""Celery tasks of the content app; they run on the `gpu` queue
(by the Celery routing table) and take ids only."""

import logging

from celery import shared_task

from catalog.services.jobs import run_job
from content.services.campaigns import campaign_build_run
from content.services.copy_evaluation import copy_evaluation_run
from content.services.generation import generation_run
from content.services.playground import playground_run
from content.services.training import model_version_train_run

logger = logging.getLogger(__name__)


@shared_task(name="content.tasks.run_generation")
def run_generation(job_id: int) -> None:
    # run_job claims the job (a second delivery does nothing), records progress,
    # cancellation and failures; generation_run writes only missing drafts.
    run_job(job_id, generation_run)


@shared_task(name="content.tasks.run_playground")
def run_playground(job_id: int) -> None:
    # Previews and comparisons of the prompt playground: PromptTrial rows, never drafts.
    run_job(job_id, playground_run)


@shared_task(name="content.tasks.build_campaign")
def build_campaign(job_id: int) -> None:
    # Segments and products from the shoppers' recommendations, then one generation job per segment.
    run_job(job_id, campaign_build_run)


@shared_task(name="content.tasks.run_training")
def run_training(job_id: int) -> None:
    # A LoRA fine-tune of a model version; a second delivery after it finished does nothing.
    run_job(job_id, model_version_train_run)


@shared_task(name="content.tasks.run_copy_evaluation")
def run_copy_evaluation(job_id: int) -> None:
    # The copy yardstick; a second run writes only the drafts the evaluation lacks.
    run_job(job_id, copy_evaluation_run)
