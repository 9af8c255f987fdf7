"""Fine-tuning speed: examples/s of a LoRA tune of the configured generation model on the very
pairs the product trains on, in fp32 and in bfloat16 autocast, and the training set that fits
the time budget at that speed.

    .venv/bin/python bench/finetune_speed.py                 # 48 examples per precision
    .venv/bin/python bench/finetune_speed.py --examples 96
    .venv/bin/python bench/finetune_speed.py --smoke         # 2 short examples: checks that it runs

The pairs are the demo store's corpus training pairs (content.services.training, from
PRODUCT_COPY_DIR, default ../shared/data/product-copy; a smoke run reads
bench/fixtures/smoke/product-copy/), the first --examples of them in the seeded order; each
precision trains a fresh adapter on the same ones (the LoRA defaults: rank 8, batch 4). The
autocast the product uses is bfloat16 where the CPU has native bfloat16 units (AMX or AVX-512
BF16; inference.finetune.bf16_autocast) and fp32 elsewhere. Prints Markdown for bench/RESULTS.md,
with the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from recommendation_common import machine, setup_django
from smoke import BENCH, data_dir, parse_args

SMOKE_COPY_DIR = BENCH / "fixtures" / "smoke" / "product-copy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=48, help="training examples per precision")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=None, help="default: LoraParams'")
    args = parse_args(parser, examples=2, batch_size=2, max_tokens=160)
    if args.smoke:
        os.environ["PRODUCT_COPY_DIR"] = str(SMOKE_COPY_DIR)
    setup_django("bench_finetune", smoke=args.smoke)
    import inference.finetune as finetune
    from catalog import generation_model
    from catalog.models import Store
    from content.services.training import (
        DEFAULT_PARAMS,
        TRAINING_BUDGET_SECONDS,
        corpus_available,
        corpus_training_pairs,
    )
    from demo.catalog import DEMO_SLUG, load_demo_catalog
    from inference.finetune import LoraParams, TrainingExample, lora_train
    from inference.runtime import resolve_device

    if not corpus_available():
        raise SystemExit("The product-copy corpus is missing (set PRODUCT_COPY_DIR); --smoke reads "
                         "bench/fixtures/smoke/product-copy/.")
    load_demo_catalog(data_dir=data_dir(args.smoke))
    store = Store.objects.get(slug=DEMO_SLUG)
    pairs, _ = corpus_training_pairs(store=store, limit=max(args.examples * 3, 20), seed=2024)
    examples = [TrainingExample(pair.prompt, pair.completion, pair.weight) for pair in pairs[: args.examples]]
    spec = generation_model.model_spec()
    params = {**DEFAULT_PARAMS, "batch_size": args.batch_size}
    if args.max_tokens:
        params["max_tokens"] = args.max_tokens
    device = resolve_device(spec.device)
    native = finetune.bf16_autocast(device)
    automatic = finetune.bf16_autocast
    rows = []
    try:
        for label, mixed in (("fp32", False), ("bfloat16 autocast", True)):
            finetune.bf16_autocast = lambda _device, mixed=mixed: mixed
            folder = Path(tempfile.mkdtemp(prefix="bench-finetune-"))
            try:
                result = lora_train(base=spec, examples=examples, params=LoraParams.from_dict(params),
                                    output_dir=folder / "adapter")
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            rows.append((label, mixed, result, os.getloadavg()[0]))
    finally:
        finetune.bf16_autocast = automatic
    print(f"Machine: {machine()}. Model: {generation_model.base_model_id()} ({spec.device}); "
          f"native bfloat16 on this device: {'yes' if native else 'no'}.\n")
    print("| precision | examples | steps | seconds | examples/s | tokens/s | examples in the "
          f"{TRAINING_BUDGET_SECONDS // 60}-minute budget | used by the product | load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for label, mixed, result, load in rows:
        fits = int(result.examples_per_second * TRAINING_BUDGET_SECONDS)
        print(f"| {label} | {result.examples} | {result.steps} | {result.seconds:.1f} | "
              f"{result.examples_per_second:.3f} | {result.tokens_per_second:.0f} | {fits:,} | "
              f"{'yes' if mixed == native else 'no'} | {load:.2f} |")


if __name__ == "__main__":
    main()
