"""Every benchmark in bench/ still runs: each registered one, through
bench/run_all.py --smoke, in a subprocess of its own (tiny sizes, the synthetic
dataset in bench/fixtures/smoke/, no ../shared), and prints its Markdown tables.

The subprocesses get a database and a Valkey database of their own: a benchmark
purges its broker database and creates stores, and must reach neither this test
session's database nor its worker's queues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.fixtures.make_smoke_dataset import main as write_smoke_dataset
from bench.run_all import BENCHMARKS
from bench.smoke import SMOKE_DATA_DIR

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
# tests/conftest.py hands out Valkey databases 1..15 to test sessions under these keys;
# the benchmarks take one more the same way.
SLOT_KEY = "commerce:test-slot:{}"
SLOTS = range(15, 0, -1)
SMOKE_TIMEOUT_S = 600


def _server_connection(database: dict):
    import psycopg

    return psycopg.connect(dbname="postgres", host=database.get("HOST") or None, port=database.get("PORT") or None,
                           user=database.get("USER") or None, password=database.get("PASSWORD") or None,
                           passfile=database.get("OPTIONS", {}).get("passfile"), autocommit=True)


def _recreate(database: dict, name: str, *, create: bool) -> None:
    with _server_connection(database) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


def _claim_valkey_db(client) -> int:
    for slot in SLOTS:
        if client.set(SLOT_KEY.format(slot), f"bench-{os.getpid()}", nx=True, ex=6 * 3600):
            return slot
    raise RuntimeError("No free Valkey database for the benchmarks: all 15 test slots are taken.")


@pytest.fixture(scope="session")
def bench_env(tmp_path_factory):
    """The environment of the benchmark subprocesses: a fresh database named after
    this session's test database (dropped at the end), a Valkey database of their
    own, and no shared dataset (a smoke run must not need one)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = f"{database.get('TEST', {}).get('NAME') or 'test_' + database['NAME']}_bench"
    missing = tmp_path_factory.mktemp("bench") / "no-shared-data"
    env = {**os.environ, "DEMO_DATA_DIR": str(missing), "AMAZON_SCIENTIFIC_DIR": str(missing),
           "PYTHONUNBUFFERED": "1"}
    if settings.USE_EMBEDDED_POSTGRES:
        env["EMBEDDED_DATABASE_NAME"] = name
    else:
        env["DATABASE_URL"] = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))
    slot = None
    if settings.USE_EMBEDDED_VALKEY:
        import redis

        client = redis.Redis(unix_socket_path=str(settings.EMBEDDED_VALKEY.socket_path))
        slot = _claim_valkey_db(client)
        env["EMBEDDED_VALKEY_DB"] = str(slot)
    # With CELERY_BROKER_URL set there is no slot to take: the benchmarks share the
    # test session's broker, and purge it only while no test of this session runs.
    _recreate(database, name, create=True)
    yield env
    _recreate(database, name, create=False)
    if slot is not None:
        redis.Redis(unix_socket_path=str(settings.EMBEDDED_VALKEY.socket_path), db=slot).flushdb()
        client.delete(SLOT_KEY.format(slot))


def run_smoke(name: str, env: dict) -> tuple[int, str, str]:
    """bench/run_all.py --smoke NAME; on a timeout the benchmark under it is killed too."""
    process = subprocess.Popen([sys.executable, str(BENCH / "run_all.py"), "--smoke", name], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=SMOKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"bench {name} --smoke ran past {SMOKE_TIMEOUT_S} s:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return process.returncode, stdout, stderr


def assert_sections(output: str, sections: tuple[str, ...]) -> None:
    """Each section is in the output; a table header has its separator and a row under it."""
    lines = output.splitlines()
    for section in sections:
        found = [number for number, line in enumerate(lines) if line.startswith(section)]
        assert found, f"no line starting with {section!r} in:\n{output[-3000:]}"
        if section.startswith("|"):
            under = lines[found[0] + 1 : found[0] + 3]
            assert len(under) == 2 and all(line.startswith("|") for line in under), (
                f"the table {section!r} has no rows:\n{output[-3000:]}")


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=[pytest.mark.model] if benchmark.model else [])
    for name, benchmark in BENCHMARKS.items()
])
def test_benchmark_runs_in_smoke_mode(name, bench_env):
    code, stdout, stderr = run_smoke(name, bench_env)

    assert code == 0, f"bench {name} --smoke exited {code}:\n{stdout[-3000:]}\n{stderr[-6000:]}"
    assert_sections(stdout, BENCHMARKS[name].sections)


def test_every_benchmark_script_is_registered():
    scripts = {path.name for path in BENCH.glob("*.py") if 'if __name__ == "__main__":' in path.read_text()}

    assert scripts - {"run_all.py"} == {benchmark.script for benchmark in BENCHMARKS.values()}


def test_the_smoke_dataset_is_what_its_generator_writes(tmp_path):
    write_smoke_dataset(tmp_path)

    for name in ("products.csv", "interactions.csv"):
        assert (tmp_path / name).read_bytes() == (SMOKE_DATA_DIR / name).read_bytes(), name
