"""Fine-tune the generation model from the command line: the same service and job as the Models page.

    manage.py train_copy_model demo --sources corpus --examples 1600 --bundle

is how the bundled adapter (content/adapters/product-copy-v1/) is rebuilt: the demo store's
description templates, the product-copy corpus (PRODUCT_COPY_DIR), a fixed seed.
"""

import json
import os
import shutil
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog import generation_model
from catalog.models import Membership
from catalog.services.jobs import run_job
from content.management.commands._common import store_by_slug
from content.models import ModelVersion
from content.services.training import (
    BUNDLED_DIR,
    BUNDLED_NAME,
    model_version_activate,
    model_version_train,
    model_version_train_run,
)
from inference.lora import ADAPTER_TOKENS

BUNDLED_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter.gguf", ADAPTER_TOKENS)


class Command(BaseCommand):
    help = ("Train a LoRA adapter over the configured generation model on the product-copy corpus and/or the "
            "store's approved drafts, as a new model version of the store.")

    def add_arguments(self, parser):
        parser.add_argument("store", help="the store's slug")
        parser.add_argument("--user", default="", help="an admin of the store (default: the operator)")
        parser.add_argument("--sources", default="corpus", help="comma-separated: corpus, approvals")
        parser.add_argument("--examples", type=int, default=None,
                            help="training examples (default: what fits the time budget at the measured speed)")
        parser.add_argument("--epochs", type=int, default=1)
        parser.add_argument("--rank", type=int, default=8)
        parser.add_argument("--learning-rate", type=float, default=3e-4)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--name", default="")
        parser.add_argument("--activate", action="store_true", help="make it the store's model once trained")
        parser.add_argument("--bundle", action="store_true",
                            help=f"write the adapter and its record to content/adapters/{BUNDLED_NAME}/ (the "
                                 "adapter the app ships)")
        parser.add_argument("--background", action="store_true", help="queue the job for the worker")

    def handle(self, *args, **options):
        store = store_by_slug(options["store"])
        membership = None
        if options["user"]:
            membership = Membership.objects.filter(store=store, user__username=options["user"]).first()
            if membership is None:
                raise CommandError(f"'{options['user']}' is not a member of '{store.slug}'.")
        params = {"epochs": options["epochs"], "rank": options["rank"], "alpha": 2 * options["rank"],
                  "learning_rate": options["learning_rate"]}
        load = os.getloadavg()[0]
        try:
            version = model_version_train(
                store=store, membership=membership, sources=[s.strip() for s in options["sources"].split(",")],
                max_examples=options["examples"], params=params, seed=options["seed"], name=options["name"],
                send=options["background"],
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        if options["background"]:
            self.stdout.write(f"Queued training of {version.label} (job #{version.job_id}).")
            return
        started = time.monotonic()
        run_job(version.job_id, model_version_train_run)
        version.refresh_from_db()
        if version.status != ModelVersion.Status.READY:
            raise CommandError(f"Training {version.get_status_display().lower()}: {version.error or version.job.error}")
        final_loss = version.loss_curve[-1][1] if version.loss_curve else "-"
        self.stdout.write(self.style.SUCCESS(
            f"{version.label}: {version.training_examples} examples in {version.training_seconds:.0f} s "
            f"({version.examples_per_second:.3f} examples/s on {version.device}), adapter "
            f"{version.adapter_bytes / 1e6:.1f} MB, final loss {final_loss}; "
            f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after."))
        if options["activate"]:
            if membership is None:
                from content.models import ModelActivation

                ModelActivation.objects.create(store=store, model_version=version, note="train_copy_model --activate")
            else:
                model_version_activate(store=store, membership=membership, model_version=version)
            self.stdout.write(f"{store.name} now writes with {version.label}.")
        if options["bundle"]:
            self._bundle(version, seconds=time.monotonic() - started, load=load)

    def _bundle(self, version: ModelVersion, *, seconds: float, load: float) -> None:
        source = generation_model.adapter_path(version.adapter)
        target = Path(BUNDLED_DIR) / BUNDLED_NAME
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in BUNDLED_FILES:
            shutil.copyfile(source / name, target / name)
        record = {
            "base_model_id": version.base_model_id, "examples": version.training_examples,
            "data_hash": version.training_data_hash, "training_data": version.training_data,
            "params": version.params, "loss_curve": version.loss_curve, "seconds": round(version.training_seconds, 1),
            "examples_per_second": round(version.examples_per_second, 4), "device": version.device,
            "load_average_before": round(load, 2), "job_seconds": round(seconds, 1),
            "trained_at": timezone.now().isoformat(timespec="seconds"),
            "command": "manage.py train_copy_model demo --sources corpus --bundle "
                       f"--examples {version.training_examples} --seed {version.params.get('seed')}",
            "note": "Rebuild with the command above (the demo store loaded, PRODUCT_COPY_DIR present).",
        }
        (target / "training.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        size = sum(path.stat().st_size for path in target.iterdir())
        self.stdout.write(f"Bundled into {target} ({size / 1e6:.1f} MB).")
