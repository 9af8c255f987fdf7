"""Start the whole product on one machine: `python -m commerce_site.run`.

    python -m commerce_site.run            services, migrations, demo, worker, web server
    python -m commerce_site.run services   start the embedded services (if used) and exit
    python -m commerce_site.run stop       stop the embedded services

With DATABASE_URL / CELERY_BROKER_URL set, the external servers are used and
nothing embedded starts. Ctrl-C stops the web server and the worker (a job in
progress is sent again by the worker's sweep once its heartbeat is stale) and
then the embedded services.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _settings():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_site.settings")
    from django.conf import settings

    return settings


def _say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def start_services() -> list:
    """Start the embedded servers that are in use; return those this call started."""
    settings = _settings()
    started = []
    if settings.USE_EMBEDDED_POSTGRES:
        postgres = settings.EMBEDDED_POSTGRES
        if postgres.start():
            started.append(postgres)
            _say(f"Postgres started (data in {postgres.data_dir})")
        else:
            _say("Postgres already running; reusing it")
        postgres.ensure_database(settings.DATABASES["default"]["NAME"])
    if settings.USE_EMBEDDED_VALKEY:
        valkey = settings.EMBEDDED_VALKEY
        if valkey.start():
            started.append(valkey)
            _say(f"Valkey started (data in {valkey.data_dir})")
        else:
            _say("Valkey already running; reusing it")
    return started


def stop_services() -> None:
    settings = _settings()
    if settings.USE_EMBEDDED_VALKEY:
        settings.EMBEDDED_VALKEY.stop()
    if settings.USE_EMBEDDED_POSTGRES:
        settings.EMBEDDED_POSTGRES.stop()


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def _stop(process: subprocess.Popen, name: str, timeout: float) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        _say(f"{name} did not stop within {timeout:.0f} s; killing it")
        process.kill()
        process.wait()


def web_command(*, host: str, port: str | int, access_log: str = "-") -> list[str]:
    """The web server's command line (bench/api_load.py measures this same server)."""
    return [sys.executable, "-m", "gunicorn", "commerce_site.wsgi",
            "--bind", f"{host}:{port}",
            "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
            "--threads", "4", "--timeout", "120", "--access-logfile", access_log]


@dataclass
class Web:
    """The gunicorn `make run` starts. Each worker loads commerce_site.wsgi, which
    warms its models and then leaves a file named after its pid in `ready_dir`."""

    process: subprocess.Popen
    workers: int
    ready_dir: Path

    def wait_until_serving(self, url: str, timeout: float = 600) -> bool:
        """Whether every worker is ready and `url` answers, before the server exits
        or `timeout` passes. One ready worker is not enough: the others, still
        loading their models, would slow the first requests down."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            if len(list(self.ready_dir.iterdir())) >= self.workers:
                try:
                    with urllib.request.urlopen(url, timeout=5):
                        return True
                except urllib.error.HTTPError:
                    return True  # it answered
                except OSError:
                    pass
            time.sleep(0.25)
        return False

    def stop(self, timeout: float = 10) -> None:
        _stop(self.process, "web", timeout)
        shutil.rmtree(self.ready_dir, ignore_errors=True)


def web_start(host: str, port: str, *, env: dict | None = None, output=None) -> Web:
    """gunicorn, started; `output` takes its log (the terminal when None)."""
    workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
    ready_dir = Path(tempfile.mkdtemp(prefix="commerce-web-ready-"))
    process = subprocess.Popen(web_command(host=host, port=port), cwd=BASE_DIR,
                               env={**(env or os.environ), "WEB_READY_DIR": str(ready_dir)},
                               stdout=output, stderr=output)
    return Web(process=process, workers=workers, ready_dir=ready_dir)


def serve() -> int:
    settings = _settings()
    started = start_services()
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    processes: list[tuple[str, subprocess.Popen]] = []
    web = None
    (settings.VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # WhiteNoise looks there too
    try:
        _manage("migrate", "--noinput")
        _manage("load_demo")
        _manage("prepare_generation_model")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "commerce_site", "worker",
             "-Q", "default,gpu", "-n", "worker@%h",
             "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2"),
             "--loglevel", settings.LOG_LEVEL],
            cwd=BASE_DIR,
        )
        processes.append(("worker", worker))
        web = web_start(host, port)
        processes.append(("web", web.process))
        _say("Web server starting (each process loads its models first)...")
        if not web.wait_until_serving(f"http://{host}:{port}/login/"):
            _say("The web server did not start")
            return 1
        _say(f"Open http://{host}:{port}/  (Ctrl-C stops everything)")
        _say("Demo logins (store 'Bench & Beaker Supply'): admin / demo-admin, editor / demo-editor, "
             "viewer / demo-viewer")
        while all(process.poll() is None for _, process in processes):
            time.sleep(0.5)
        failed = [name for name, process in processes if process.poll() is not None]
        _say(f"{', '.join(failed)} exited; stopping")
        return 1
    except KeyboardInterrupt:
        _say("Stopping...")
        return 0
    except subprocess.CalledProcessError as exc:
        _say(f"{' '.join(map(str, exc.cmd[1:3]))} failed with exit code {exc.returncode}")
        return exc.returncode or 1
    finally:
        for name, process in reversed(processes):
            _stop(process, name, timeout=20 if name == "worker" else 10)
        if web is not None:
            web.stop()
        for service in reversed(started):
            service.stop()
        if started:
            _say("Embedded services stopped")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    # Running everything on one machine is the operator's explicit choice of local mode:
    # the built-in SECRET_KEY is allowed (commerce_site.checks). The children inherit it.
    os.environ.setdefault("LOCAL_MODE", "true")
    if command == "serve":
        # Ctrl-C reaches the children too (same process group); SIGTERM from a
        # process manager is treated the same. The finally block in serve()
        # waits for the children and stops the embedded services.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        return serve()
    if command == "services":
        start_services()
        return 0
    if command == "stop":
        stop_services()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
