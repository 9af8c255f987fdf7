"""The embedded servers start over what a crash leaves behind."""

import subprocess
import sys

import psycopg
import pytest

from commerce_site.embedded import EmbeddedPostgres, EmbeddedValkey, socket_dir


@pytest.fixture
def var_dir(tmp_path_factory):
    # A short path: Unix socket paths are limited to about 100 bytes.
    path = tmp_path_factory.mktemp("v")
    yield path
    EmbeddedValkey(path).stop()
    EmbeddedPostgres(path).stop()


def test_valkey_starts_over_a_stale_socket_file_and_keeps_data_across_restarts(var_dir):
    valkey = EmbeddedValkey(var_dir)
    valkey.socket_path.parent.mkdir(parents=True, exist_ok=True)
    valkey.socket_path.write_text("left by a crash")

    assert valkey.start() is True
    import redis

    client = redis.Redis(unix_socket_path=str(valkey.socket_path))
    client.rpush("queue", "job-1")
    assert valkey.start() is False  # already running: reused
    valkey.stop()
    valkey.start()

    assert redis.Redis(unix_socket_path=str(valkey.socket_path)).lrange("queue", 0, -1) == [b"job-1"]


def test_postgres_starts_over_a_stale_pid_file_and_has_pgvector(var_dir):
    postgres = EmbeddedPostgres(var_dir)
    postgres.start()
    postgres.stop()
    # A crash leaves postmaster.pid naming a process that is not postgres.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (postgres.data_dir / "postmaster.pid").write_text(f"{sleeper.pid}\n{postgres.data_dir}\n")
        assert postgres.start() is True
        postgres.ensure_database("shop")
        with psycopg.connect(postgres.url("shop"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            assert conn.execute("SELECT '[3,4]'::vector <-> '[0,0]'::vector").fetchone() == (5.0,)
    finally:
        sleeper.kill()


def test_a_deep_checkout_puts_its_sockets_in_a_short_folder(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)

    assert len(str(socket_dir(deep) / ".s.PGSQL.5432")) <= 100
    assert socket_dir(deep) != deep / "run"
