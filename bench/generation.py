"""Generation engines side by side: tokens/s on the same prompts in one run, and how long
a worker takes to become ready.

    .venv/bin/python bench/generation.py                  # every engine, loads and throughput
    .venv/bin/python bench/generation.py --engines engine,reference
    .venv/bin/python bench/generation.py --llama-server /path/to/llama-server   # adds llama-server
    .venv/bin/python bench/generation.py --smoke          # checks that it runs (bench/smoke.py)

Engines, all on the default model (Gemma 3 270M Q4_K_M GGUF):

- `reference`: llama.cpp's own single stream through llama-cpp-python's high-level
  `Llama` (one prompt at a time, its prompt cache on): the yardstick.
- `engine`: the project's llama.cpp runtime (`inference.generation.llama`), the
  prompts in batches of each `--batch-sizes` (several sequences per llama_decode,
  the shared few-shot prefix computed once), with the output layer trimmed to the
  tokens product copy uses (GENERATION_VOCABULARY=copy, the default).
- `engine-full`: the same runtime on the model's full vocabulary (GENERATION_VOCABULARY=full).
- `transformers`: the project's transformers runtime (GGUF dequantized to fp32).
- `llama-server`: llama.cpp's server with one slot per prompt, every prompt sent at
  once through the OpenAI-compatible completions endpoint (only with --llama-server).

The prompts are 16 completion-style few-shot product-description prompts built from
real products in ../shared/data/amazon-scientific, the same for every engine and
batch size; sampling is the runtime's default (temperature 0.7, top-k 50, top-p 0.95,
repetition penalty 1.1) with no stop sequence, so EOS is the only early end. tokens/s
counts new tokens over wall time, prefill included; tokens per CPU-second divides
them by the CPU time of the process that computed them (this one, the reference's
child or llama-server), which other sessions' load on a shared machine disturbs far
less than wall time. Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from smoke import data_dir, parse_args  # noqa: E402

PROMPT_COUNT = 16
FEW_SHOT = (
    "Product: Gorilla Original Gorilla Glue, Waterproof Polyurethane Glue, 8 ounce Bottle\n"
    "Brand: Gorilla\n"
    "Category: Tapes, Adhesives & Sealants\n"
    "Description: A waterproof polyurethane glue in an 8 ounce bottle that bonds wood, stone, metal and "
    "ceramic for indoor and outdoor repairs.\n"
    "\n"
    "Product: DEWALT DW4524 4-1/2-Inch Concrete/Masonry Grinding Wheel\n"
    "Brand: DEWALT\n"
    "Category: Abrasive Wheels & Discs\n"
    "Description: A 4-1/2-inch grinding wheel for concrete and masonry that fits standard angle grinders.\n"
    "\n"
)
SEED = 2024
ENGINES = ("reference", "engine", "engine-full", "transformers", "llama-server")
REFERENCE = "llama.cpp single stream (llama-cpp-python Llama)"


def product_prompts(products_csv: Path, count: int = PROMPT_COUNT) -> list[str]:
    """`count` products spread over the catalog, so titles of many lengths are in the mix."""
    with products_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    step = len(rows) // count
    chosen = rows[step // 2 :: step][:count]
    return [
        f"{FEW_SHOT}Product: {row['title']}\nBrand: {row['brand'] or 'unbranded'}\n"
        f"Category: {row['categories'].removeprefix('Industrial & Scientific ')}\nDescription:"
        for row in chosen
    ]


def sampling(max_new_tokens: int):
    # Imported here: the reference child must not import the runtime (see reference_runner).
    from inference import GenerationParams

    return GenerationParams(max_new_tokens=max_new_tokens, seed=SEED)


# --------------------------------------------------------------------------- engines
# Each runner generates for all prompts once and returns (new tokens, wall seconds, CPU seconds).

Runner = Callable[[list[str], int], tuple[int, float, float]]


def spec(backend: str, *, batch_size: int = 16, cache_dir: Path | None = None, vocabulary: str = "copy"):
    from inference import ModelSpec

    options = {"cache_dir": cache_dir} if cache_dir else {}
    return ModelSpec.default(device="cpu", backend=backend, batch_size=batch_size, vocabulary=vocabulary, **options)


def runtime_runner(backend: str, batch_size: int, *, vocabulary: str = "copy") -> Runner:
    from inference import get_generator

    generator = get_generator(spec(backend, batch_size=max(batch_size, 16), vocabulary=vocabulary))

    def run(prompts: list[str], max_new_tokens: int) -> tuple[int, float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        results = generator.generate(prompts, params=sampling(max_new_tokens), batch_size=batch_size)
        tokens = sum(result.completion_tokens for result in results)
        return tokens, time.perf_counter() - started, time.process_time() - cpu

    return run


def reference_runner() -> Runner:
    """llama-cpp-python's high-level Llama in a child process with llama.cpp's own
    kernel defaults (this process's runtime sets options that would change them);
    OMP_WAIT_POLICY stays as the runtime sets it, so both wait for threads alike."""
    from inference.gguf_cache import gguf_path

    model = gguf_path(spec("llama.cpp"))

    def run(prompts: list[str], max_new_tokens: int) -> tuple[int, float, float]:
        request = json.dumps({"model": str(model), "prompts": prompts, "max_new_tokens": max_new_tokens,
                              "sampling": sampling(max_new_tokens).to_dict()})
        environment = {key: value for key, value in os.environ.items()
                       if key != "GGML_CPU_TILED_MM"}
        output = subprocess.run([sys.executable, __file__, "--reference-child"], input=request, env=environment,
                                check=True, capture_output=True, text=True).stdout
        reply = json.loads(output.strip().splitlines()[-1])
        return reply["tokens"], reply["seconds"], reply["cpu_seconds"]

    return run


def reference_child(request: dict) -> dict:
    from llama_cpp import Llama

    threads = len(os.sched_getaffinity(0))
    model = Llama(model_path=request["model"], n_ctx=2048, n_threads=threads, n_threads_batch=threads,
                  verbose=False)
    params = request["sampling"]

    def complete(prompt: str, max_tokens: int) -> int:
        output = model.create_completion(
            prompt, max_tokens=max_tokens, temperature=params["temperature"], top_k=params["top_k"],
            top_p=params["top_p"], repeat_penalty=params["repetition_penalty"], min_p=0.0, seed=SEED,
        )
        return output["usage"]["completion_tokens"]

    complete(request["prompts"][0], 2)  # warm-up
    started, cpu = time.perf_counter(), time.process_time()
    tokens = sum(complete(prompt, request["max_new_tokens"]) for prompt in request["prompts"])
    return {"tokens": tokens, "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


class LlamaServer:
    """llama-server on a free local port with one slot per prompt, stopped on exit."""

    def __init__(self, binary: Path, *, slots: int) -> None:
        from inference.gguf_cache import gguf_path
        from inference.runtime import available_cpus

        self.slots = slots
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [str(binary), "-m", str(gguf_path(spec("llama.cpp"))), "--host", "127.0.0.1", "--port", str(self.port),
             "-np", str(slots), "-c", str(slots * 1024), "-t", str(available_cpus()), "--no-webui"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.close()
        raise SystemExit("llama-server did not become healthy within 120 s")

    def complete(self, prompt: str, max_new_tokens: int, *, cache_prompt: bool) -> int:
        params = sampling(max_new_tokens)
        body = json.dumps({
            "prompt": prompt, "max_tokens": max_new_tokens, "temperature": params.temperature,
            "top_k": params.top_k, "top_p": params.top_p, "repeat_penalty": params.repetition_penalty,
            "min_p": 0.0, "seed": SEED, "cache_prompt": cache_prompt,
        }).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as reply:
            return json.loads(reply.read())["usage"]["completion_tokens"]

    def erase_slots(self) -> None:
        for slot in range(self.slots):
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}/slots/{slot}?action=erase", data=b"{}",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60):
                pass

    def runner(self, *, cache_prompt: bool, warm_prompts: list[str]) -> Runner:
        """With cache_prompt, the slots first hold other products' prompts of the same
        template (a job's steady state): sending the measured prompts twice would find
        each whole prompt cached, which no job does."""

        def run(prompts: list[str], max_new_tokens: int) -> tuple[int, float, float]:
            import psutil

            self.erase_slots()
            if cache_prompt:
                with concurrent.futures.ThreadPoolExecutor(len(warm_prompts)) as pool:
                    list(pool.map(lambda p: self.complete(p, 1, cache_prompt=True), warm_prompts))
            server = psutil.Process(self.process.pid)
            started, cpu = time.perf_counter(), sum(server.cpu_times()[:2])
            with concurrent.futures.ThreadPoolExecutor(len(prompts)) as pool:
                counts = list(pool.map(lambda p: self.complete(p, max_new_tokens, cache_prompt=cache_prompt),
                                       prompts))
            return sum(counts), time.perf_counter() - started, sum(server.cpu_times()[:2]) - cpu

        return run

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --------------------------------------------------------------------------- measuring


def measure(runners: dict[str, Runner], prompts: list[str], *, max_new_tokens: int, rounds: int) -> dict[str, dict]:
    """Best of `rounds` per runner; the runners take turns within a round, so a burst of
    load from other processes on a shared machine hits them alike."""
    for run in runners.values():
        run(prompts[:1], 2)  # warm-up: first decode graphs, caches
    best: dict[str, dict] = {}
    for round_number in range(1, rounds + 1):
        for name, run in runners.items():
            load = os.getloadavg()[0]
            tokens, seconds, cpu_seconds = run(prompts, max_new_tokens)
            rate = tokens / seconds
            print(f"round {round_number}, {name}: {tokens} tokens in {seconds:.1f} s = {rate:.1f} tokens/s, "
                  f"{tokens / cpu_seconds:.1f} per CPU-second (load average {load:.1f})", flush=True)
            if name not in best or rate > best[name]["tokens_per_s"]:
                best[name] = {"tokens": tokens, "seconds": seconds, "tokens_per_s": rate, "load": load}
            per_cpu = tokens / cpu_seconds
            if per_cpu > best[name].get("tokens_per_cpu_s", 0):
                best[name]["tokens_per_cpu_s"] = per_cpu
    return best


def ready_in_child(backend: str, cache_dir: Path) -> dict:
    """Seconds from starting a fresh Python process to its first generated token."""
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "--ready-probe", backend, "--cache-dir", str(cache_dir)],
        check=True, capture_output=True, text=True,
    ).stdout
    probe = json.loads(output.strip().splitlines()[-1])
    return {**probe, "wall_s": time.perf_counter() - started}


def ready_probe(backend: str, cache_dir: Path) -> dict:
    from inference import get_generator

    started = time.perf_counter()
    generator = get_generator(spec(backend, cache_dir=cache_dir))
    loaded = time.perf_counter() - started
    generator.generate(["Product: a glass beaker\nDescription:"], params=sampling(1))
    return {"load_s": loaded, "first_token_s": time.perf_counter() - started,
            "load_source": getattr(generator, "load_source", "")}


def measure_ready(backends: list[str]) -> dict[str, tuple[dict, dict]]:
    """A first start (empty model cache) and a second one (the cache the first left) per backend."""
    found = {}
    for backend in backends:
        fresh = Path(tempfile.mkdtemp(prefix="bench-model-cache-", dir=REPO / "var"))
        try:
            found[backend] = (ready_in_child(backend, fresh), ready_in_child(backend, fresh))
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        print(f"ready, {backend}: first {found[backend][0]['wall_s']:.1f} s, "
              f"second {found[backend][1]['wall_s']:.1f} s", flush=True)
    return found


# --------------------------------------------------------------------------- report


def cpu_model() -> str:
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    for line in output.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def report(*, rows: dict[str, dict], ready: dict, args: argparse.Namespace, prompts: int, load_before: float) -> str:
    reference = rows.get(REFERENCE, {}).get("tokens_per_s")
    reference_cpu = rows.get(REFERENCE, {}).get("tokens_per_cpu_s")
    lines = [
        f"Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. Machine: {cpu_model()}, "
        f"{os.cpu_count()} cores. Load average before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}.",
        "",
        f"{prompts} few-shot product-description prompts, max_new_tokens {args.max_new_tokens}, temperature 0.7, "
        f"top-k 50, top-p 0.95, repetition penalty 1.1, seed {SEED}, no stop sequence; best of {args.rounds} "
        "rounds, engines taking turns.",
        "",
        "| engine | batch | tokens | seconds | tokens/s | vs llama.cpp single stream | tokens per CPU-s "
        "| vs llama.cpp, CPU | load avg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in rows.items():
        engine, _, batch = name.partition(" @")
        ratio = f"{row['tokens_per_s'] / reference:.2f}x" if reference else "-"
        cpu_ratio = f"{row['tokens_per_cpu_s'] / reference_cpu:.2f}x" if reference_cpu else "-"
        lines.append(f"| {engine} | {batch or '1'} | {row['tokens']} | {row['seconds']:.1f} | "
                     f"{row['tokens_per_s']:.1f} | {ratio} | {row['tokens_per_cpu_s']:.1f} | {cpu_ratio} "
                     f"| {row['load']:.1f} |")
    if ready:
        lines += ["", "| worker start (fresh process) | load | first token | process wall |",
                  "| --- | ---: | ---: | ---: |"]
        for backend, (first, second) in ready.items():
            for label, probe in (("first start, empty model cache", first), ("second start", second)):
                lines.append(f"| {backend}, {label} | {probe['load_s']:.1f} s | {probe['first_token_s']:.1f} s | "
                             f"{probe['wall_s']:.1f} s |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="reference,engine,engine-full,transformers",
                        help=f"comma-separated, from {', '.join(ENGINES)}")
    parser.add_argument("--batch-sizes", default="1,16", help="batch sizes of the project's runtimes")
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--llama-server", type=Path, help="a llama-server binary: adds the llama-server engine")
    parser.add_argument("--skip-ready", action="store_true", help="skip the worker start measurement")
    parser.add_argument("--ready-probe", help=argparse.SUPPRESS)
    parser.add_argument("--reference-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    args = parse_args(parser)
    if args.ready_probe:
        print(json.dumps(ready_probe(args.ready_probe, args.cache_dir)))
        return
    if args.reference_child:
        print(json.dumps(reference_child(json.loads(sys.stdin.read()))))
        return
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        raise SystemExit(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    count = PROMPT_COUNT
    batch_sizes = [int(size) for size in args.batch_sizes.split(",")]
    if args.smoke:
        # Tiny but whole: both llama.cpp paths and the batch code; transformers needs a
        # 100 s conversion on a fresh checkout, so only when asked for.
        count, args.max_new_tokens, args.rounds, batch_sizes = 2, 4, 1, [1, 2]
        if args.engines == parser.get_default("engines"):
            engines = ["reference", "engine", "engine-full"]
    if args.llama_server and "llama-server" not in engines:
        engines.append("llama-server")
    load_before = os.getloadavg()[0]
    started_backends = {"engine": "llama.cpp", "transformers": "transformers"}
    ready = {} if args.skip_ready else measure_ready(
        [backend for engine, backend in started_backends.items() if engine in engines]
    )
    prompts = product_prompts(data_dir(args.smoke) / "products.csv", PROMPT_COUNT)[:count]
    runners: dict[str, Runner] = {}
    server = None
    try:
        if "reference" in engines:
            runners[REFERENCE] = reference_runner()
        if "engine" in engines:
            for size in batch_sizes:
                runners[f"project runtime, llama.cpp @{size}"] = runtime_runner("llama.cpp", size)
        if "engine-full" in engines:
            for size in batch_sizes:
                runners[f"project runtime, llama.cpp, full vocabulary @{size}"] = runtime_runner(
                    "llama.cpp", size, vocabulary="full")
        if "transformers" in engines:
            for size in batch_sizes:
                runners[f"project runtime, transformers fp32 @{size}"] = runtime_runner("transformers", size)
        if "llama-server" in engines:
            if not args.llama_server:
                raise SystemExit("the llama-server engine needs --llama-server PATH")
            server = LlamaServer(args.llama_server, slots=len(prompts))
            others = [prompt for prompt in product_prompts(PROMPT_COUNT + 1) if prompt not in prompts][:len(prompts)]
            runners[f"llama-server, {len(prompts)} slots @{len(prompts)}"] = server.runner(
                cache_prompt=False, warm_prompts=others)
            runners[f"llama-server, {len(prompts)} slots, cache_prompt @{len(prompts)}"] = server.runner(
                cache_prompt=True, warm_prompts=others)
        rows = measure(runners, prompts, max_new_tokens=args.max_new_tokens, rounds=args.rounds)
    finally:
        if server is not None:
            server.close()
    print()
    print(report(rows=rows, ready=ready, args=args, prompts=len(prompts), load_before=load_before))


if __name__ == "__main__":
    main()
