"""Write the files the configured generation models run from before a worker needs them."""

import time

from django.core.management.base import BaseCommand, CommandError

from catalog.generation_model import configured_models, model_spec
from inference.errors import InferenceError


class Command(BaseCommand):
    help = ("Write the files each configured GGUF model runs from on llama.cpp (the packaged model joined "
            "from its chunks, its copy with the product-copy vocabulary: GENERATION_VOCABULARY), so a "
            "worker's first start loads in about a second. Servers and Hugging Face folders need nothing. "
            "`make run` runs it before it starts the worker.")

    def handle(self, *args, **options):
        from inference.generation.factory import resolve_backend
        from inference.gguf_cache import llama_gguf

        for name in configured_models():
            spec = model_spec(model=name)
            if spec.kind != "gguf" or resolve_backend(spec) != "llama.cpp":
                continue
            started = time.perf_counter()
            try:
                path = llama_gguf(spec)
            except InferenceError as exc:
                raise CommandError(f"model {name or 'default'}: {exc}") from exc
            self.stdout.write(f"Model {name or 'default'}: {path} ({time.perf_counter() - started:.1f} s).")
