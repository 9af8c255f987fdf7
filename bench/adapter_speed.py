"""What a model version's LoRA adapter costs llama.cpp: the base model alone, the bundled adapter
applied at run time, and the same adapter merged into a copy of the weights
(GENERATION_MERGE_ADAPTERS), taking turns on the same prompts.

    .venv/bin/python bench/adapter_speed.py                  # 64 prompts, 48 new tokens, 2 rounds
    .venv/bin/python bench/adapter_speed.py --smoke          # 4 prompts, 8 tokens: checks that it runs

The prompts are product titles of the demo catalog in the tuned template's shape (no few-shot
examples), decoded GENERATION_BATCH_SIZE at a time with the default sampling; the adapter is the
one in content/adapters/. Tokens/s count new tokens over the wall time of the call. Prints
Markdown for bench/RESULTS.md, with the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from recommendation_common import machine
from smoke import data_dir, parse_args

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=2)
    args = parse_args(parser, prompts=4, max_new_tokens=8, rounds=1)
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("LOCAL_MODE", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_site.settings")
    import django

    django.setup()
    from catalog import generation_model as runtime
    from content.services.training import BUNDLED_DIR, BUNDLED_NAME
    from demo.catalog import amazon_rows
    from inference import GenerationParams, LoraAdapter
    from inference.generation import get_generator
    from inference.lora import merged_model

    adapter_file = BUNDLED_DIR / BUNDLED_NAME / runtime.ADAPTER_GGUF
    if not adapter_file.is_file():
        raise SystemExit(f"No bundled adapter at {adapter_file} (manage.py train_copy_model demo --bundle writes one).")
    rows = amazon_rows(data_dir(args.smoke) / "products.csv")[: args.prompts]
    prompts = [f"Product: {row.title}\nDescription:" for row in rows]
    params = GenerationParams(max_new_tokens=args.max_new_tokens, temperature=0.6, top_p=0.9,
                              repetition_penalty=1.15, seed=1, stop=())
    spec = runtime.model_spec()
    base = get_generator(spec)
    adapter = LoraAdapter(adapter_file)
    started = time.perf_counter()
    path = merged_model(adapter, base=spec)
    merge_s = time.perf_counter() - started
    merged = get_generator(spec.replace(source=str(path), model_name=base.model_id))
    models = [("base model alone", base, None), ("base + adapter at run time", base, adapter),
              ("adapter merged (Q8_0 merged weights)", merged, None)]
    for _, generator, lora in models:  # warm-up: the prefix cache, the adapter's load
        generator.generate(prompts[:2], params=params, adapter=lora)
    rates: dict[str, list[float]] = {label: [] for label, _, _ in models}
    for _ in range(args.rounds):
        for label, generator, lora in models:
            started = time.perf_counter()
            results = generator.generate(prompts, params=params, adapter=lora)
            seconds = time.perf_counter() - started
            rates[label].append(sum(r.completion_tokens for r in results) / seconds)
    print(f"Machine: {machine()}; model {base.model_id}, {len(prompts)} prompts, {args.max_new_tokens} new tokens, "
          f"GENERATION_BATCH_SIZE {spec.batch_size}, GENERATION_EXACT_BATCHES {spec.exact_batches}; merged copy "
          f"{path.stat().st_size / 1e6:.0f} MB (base {runtime_file_size(spec) / 1e6:.0f} MB), ready in {merge_s:.1f} s "
          "(0 when cached).\n")
    print("| model | " + " | ".join(f"tokens/s, round {n + 1}" for n in range(args.rounds)) + " |")
    print("| --- |" + " ---: |" * args.rounds)
    for label, values in rates.items():
        print(f"| {label} | " + " | ".join(f"{value:.1f}" for value in values) + " |")


def runtime_file_size(spec) -> int:
    from inference.gguf_cache import gguf_path

    return gguf_path(spec).stat().st_size


if __name__ == "__main__":
    main()
