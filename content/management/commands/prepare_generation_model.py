"""Write the files the configured generation models, and the model versions stores write with,
run from, before a worker needs them."""

import time

from django.core.management.base import BaseCommand

from catalog import generation_model
from catalog.models import Store
from content.selectors.model_versions import active_model_version


class Command(BaseCommand):
    help = ("Write the files each configured GGUF model runs from on llama.cpp (the packaged model joined "
            "from its chunks, its copy with the product-copy vocabulary: GENERATION_VOCABULARY), and convert "
            "and merge the adapter of each model version a store writes with (GENERATION_MERGE_ADAPTERS), so "
            "a worker's first start loads in about a second and its first job waits for neither. Servers "
            "and Hugging Face folders need nothing. `make run` runs it before it starts the worker.")

    def handle(self, *args, **options):
        from inference.errors import InferenceError
        from inference.generation.factory import resolve_backend
        from inference.gguf_cache import llama_gguf

        for name in generation_model.configured_models():
            started = time.perf_counter()
            try:
                spec = generation_model.model_spec(model=name)
                if spec.kind != "gguf" or resolve_backend(spec) != "llama.cpp":
                    continue
                path = llama_gguf(spec)
            except InferenceError as exc:  # generating with it fails with the same reason; the rest go on
                self.stderr.write(f"Model {name or 'default'}: {exc}")
                continue
            self.stdout.write(f"Model {name or 'default'}: {path} ({time.perf_counter() - started:.1f} s).")
        for store in Store.objects.order_by("pk"):
            version = active_model_version(store=store)
            if version is None or not version.adapter or not version.is_ready:
                continue
            started = time.perf_counter()
            try:
                generation_model.adapter_prepare(version.adapter)
            except generation_model.ModelUnavailable as exc:  # the store falls back as generation would
                self.stderr.write(f"{store.name}: {version.label}: {exc}")
                continue
            self.stdout.write(f"{store.name}: {version.label} ready ({time.perf_counter() - started:.1f} s).")
