"""The storefront API under load: `make run`'s web server (gunicorn, the same
command line) on loopback, driven by concurrent HTTP clients.

    .venv/bin/python bench/api_load.py [--products 100000] [--duration 20] [--clients 1,8,32]
    .venv/bin/python bench/api_load.py --smoke   # 960 products of bench/fixtures/smoke, seconds

The store is recommendation_latency.py's (`--products` products with real MiniLM
vectors and the dataset's 59,384 interactions; built once and reused, rebuilt
for --smoke). Measures:

- ingestion: events/s through POST /events, one client sending batches of 100
  and of 1,000 new events (new shoppers, unique idempotency keys; removed after);
- the stored recommendation lists: what the worker's profile build computes for
  every shopper (recommendations.services.serving), timed here in-process for
  the shoppers whose list is not current;
- recommendations: GET /shoppers/{id}/recommendations?k=10 for shoppers drawn
  at random from the store's, at 1, 8 and 32 concurrent clients, each with its
  own keep-alive connection: requests/s, p50 and p95, and any non-200, served
  from the stored lists (a storefront's normal case); then at 8 clients with
  the lists cleared, so every request computes afresh (the shopper's first
  request after an event, before the worker's refresh) and stores its list;
- the CPU the server spent per request (gunicorn workers plus their Postgres
  backends, from /proc): on a loaded shared machine requests/s measures the
  share of the cores the server got, while CPU per request says what two free
  cores would carry (2,000 ms / CPU ms per request).

The load generator is a thread per client in this process (an equivalent of
Locust's FastHttpUser loop: http.client, keep-alive, no think time); it shares
the machine's two cores with the server and Postgres, as a storefront's calls on
loopback would. The figures carry the machine's load average: the machine is
shared. Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from recommendation_common import REPO, machine, percentile, setup_django
from smoke import data_dir, parse_args

HOST = "127.0.0.1"


def server_cpu_ms(server: subprocess.Popen, database: str) -> float:
    """CPU time (user + system) so far of the web server's processes and of the
    Postgres backends serving the benchmark's database."""
    import psutil

    total = 0.0
    root = psutil.Process(server.pid)
    processes = [root, *root.children(recursive=True)]
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if cmdline.startswith("postgres: ") and f" {database} " in f"{cmdline} ":
            processes.append(process)
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    """gunicorn as `make run` starts it (commerce_site.run.web_command), on the
    benchmark's database, without the rate limit (it would cap what is measured)."""
    from commerce_site.run import web_command

    env = {**os.environ, "API_RATE_LIMIT": "0", "WEB_CONCURRENCY": str(workers), "LOG_LEVEL": "WARNING",
           "LOCAL_MODE": os.environ.get("LOCAL_MODE", "true")}  # a bench runs on a machine of one's own
    log = (REPO / "var" / "log").joinpath("bench-api-server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(web_command(host=HOST, port=port, access_log="/dev/null"), cwd=REPO, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The web server exited; see {log}:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("The web server did not answer within 120 s")


def make_key(store) -> str:
    from catalog import services
    from catalog.models import Membership

    user = services.user_get_or_create(username="bench-api", password=uuid.uuid4().hex)
    membership = services.membership_set(store=store, user=user, role="admin")
    _, raw = services.apikey_create(membership=Membership.objects.select_related("store", "user")
                                    .get(pk=membership.pk), name="bench", scopes=["events:write", "read"])
    return raw


class Client:
    """One keep-alive connection; `call` returns (status, milliseconds)."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.headers = port, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, float, bytes]:
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=self.headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            return 0, (time.perf_counter() - started) * 1000, b""
        return response.status, (time.perf_counter() - started) * 1000, data


def ingestion(port: int, key: str, skus: list[str], *, batch: int, batches: int) -> dict:
    client, run = Client(port, key), uuid.uuid4().hex[:8]
    rng = random.Random(batch)
    sent = accepted = 0
    bodies = []
    for number in range(batches):
        events = [{"shopper": f"load-{run}-{rng.randrange(batch * batches // 5 + 1)}", "type": "view",
                   "sku": rng.choice(skus), "key": f"load-{run}-{number}-{i}"} for i in range(batch)]
        bodies.append(json.dumps({"events": events}).encode())
    latencies = []
    started = time.perf_counter()
    for body in bodies:
        status, ms, data = client.call("POST", "/api/v1/events", body)
        latencies.append(ms)
        if status == 200:
            accepted += json.loads(data)["accepted"]
        sent += batch
    seconds = time.perf_counter() - started
    return {"batch": batch, "events": sent, "accepted": accepted, "seconds": seconds,
            "events_s": sent / seconds, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}


def recommendations(port: int, key: str, shoppers: list[str], *, clients: int, duration: float,
                    warmup: float) -> dict:
    stop_at = time.monotonic() + warmup + duration
    measure_from = time.monotonic() + warmup
    results: list[list[tuple[float, float, int]]] = [[] for _ in range(clients)]

    def loop(index: int) -> None:
        client, rng = Client(port, key), random.Random(index)
        while (now := time.monotonic()) < stop_at:
            shopper = rng.choice(shoppers)
            status, ms, _ = client.call("GET", f"/api/v1/shoppers/{shopper}/recommendations?k=10")
            if now >= measure_from:
                results[index].append((now, ms, status))

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = [row for client_rows in results for row in client_rows]
    latencies = [ms for _, ms, status in rows if status == 200]
    return {"clients": clients, "requests": len(rows), "rps": len(rows) / duration,
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "mean": statistics.fmean(latencies) if latencies else float("nan"),
            "errors": sum(1 for _, _, status in rows if status != 200)}


def build_stored_lists(store) -> str:
    """The worker's job, in this process: the profiles (and stored lists) of the shoppers whose
    list is not current. Returns a line for the results."""
    from django.db.models import F, Q

    from recommendations.embedding_model import configured_model_id
    from recommendations.models import Shopper
    from recommendations.services.profiles import profiles_refresh
    from recommendations.services.serving import STORED_K, STORED_MAX_AGE_SECONDS

    fresh_after = time.time() - STORED_MAX_AGE_SECONDS / 2  # current for the whole run
    current = Q(profile__recommended_for=F("events_updated_at"), profile__recommended_model=configured_model_id(),
                profile__recommended_at__gt=datetime.fromtimestamp(fresh_after, UTC))
    stale = Shopper.objects.filter(store=store).exclude(current).update(profile_stale=True)
    started = time.perf_counter()
    built = profiles_refresh(store=store) if stale else 0
    seconds = time.perf_counter() - started
    if not built:
        return "Stored lists: every shopper's was current (built by an earlier run)."
    return (f"Stored lists: the worker's profile build (profile and top {STORED_K} list) for {built:,} "
            f"shoppers took {seconds:.0f} s in one process, {1000 * seconds / built:.1f} ms per shopper "
            f"(load average {os.getloadavg()[0]:.1f}).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per concurrency")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--batches", type=int, default=20, help="POST /events calls per batch size")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--rebuild", action="store_true", help="build the benchmark store again")
    args = parse_args(parser, products=960, duration=2.0, warmup=0.5, clients="1,4", batches=2)
    dataset = data_dir(args.smoke)
    setup_django(smoke=args.smoke)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from recommendation_latency import build_store

    from catalog.models import Product
    from recommendations.models import Event, Shopper
    from recommendations.services.serving import stored_lists_clear

    store, _ = build_store(args.products, dataset, rebuild=args.rebuild or args.smoke)
    stored_line = build_stored_lists(store)
    key = make_key(store)
    shoppers = list(Shopper.objects.filter(store=store).exclude(external_id__startswith="load-")
                    .values_list("external_id", flat=True))
    skus = list(Product.objects.filter(store=store).order_by("?").values_list("sku", flat=True)[:2000])
    port = free_port()
    server = start_server(port, args.workers)
    from django.conf import settings

    database = settings.DATABASES["default"]["NAME"]
    try:
        lines = [f"Machine: {machine()}.", "", stored_line, "",
                 f"Server: gunicorn, {args.workers} workers x 4 threads (`make run`'s command line), on {HOST}; "
                 f"store of {args.products:,} products, {len(shoppers):,} shoppers.", "",
                 "| POST /events, batch | events | accepted | seconds | events/s | p50 ms per call | "
                 "p95 ms per call | server CPU ms per 1,000 events | events/s on 2 free cores (CPU bound) |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for batch in (100, 1000):
            ingestion(port, key, skus, batch=batch, batches=1)  # warm the worker
            cpu = server_cpu_ms(server, database)
            row = ingestion(port, key, skus, batch=batch, batches=args.batches)
            per_1000 = (server_cpu_ms(server, database) - cpu) / row["events"] * 1000
            lines.append(f"| {row['batch']:,} | {row['events']:,} | {row['accepted']:,} | {row['seconds']:.1f} | "
                         f"{row['events_s']:,.0f} | {row['p50']:.0f} | {row['p95']:.0f} | {per_1000:.0f} | "
                         f"{2_000_000 / per_1000:,.0f} |")
        lines += ["", "| GET recommendations, k 10 | requests | requests/s | p50 ms | p95 ms | mean ms | "
                      "non-200 | server CPU ms per request | requests/s on 2 free cores (CPU bound) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        runs = [(f"{clients} client{'s' if clients > 1 else ''}, stored lists", clients, shoppers)
                for clients in [int(value) for value in args.clients.split(",") if value]]
        runs.append(("8 clients, computed afresh (lists cleared)", 8, shoppers))
        for label, clients, pool in runs:
            if "afresh" in label:
                stored_lists_clear(store=store)
            cpu = server_cpu_ms(server, database)
            row = recommendations(port, key, pool, clients=clients, duration=args.duration, warmup=args.warmup)
            per_request = (server_cpu_ms(server, database) - cpu) / max(row["requests"], 1)
            lines.append(f"| {label} | {row['requests']:,} | {row['rps']:.0f} | {row['p50']:.1f} | "
                         f"{row['p95']:.1f} | {row['mean']:.1f} | {row['errors']} | {per_request:.1f} | "
                         f"{2000 / per_request:,.0f} |")
        lines += ["", f"Load average after the run: {', '.join(f'{v:.1f}' for v in os.getloadavg())}."]
    finally:
        server.terminate()
        server.wait(30)
        # the events the run sent (their shoppers too): the next run starts from the same store
        Event.objects.filter(store=store, shopper__external_id__startswith="load-").delete()
        Shopper.objects.filter(store=store, external_id__startswith="load-").delete()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
