"""Real processes for the fault tests: web (uvicorn), the mail worker, Redis, PostgreSQL.

Each is the program production runs, started here on loopback with the test's
settings, so a fault is a real ``kill -9`` or a real stop of a real server. The web
processes and the worker use the test database of the pytest process (the tests are
``transaction=True``: what the test writes is committed and the processes see it),
its secret key (so a session the test makes is valid there) and its key files.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from tests.subprocesses import terminate

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
UVICORN = str(Path(PYTHON).with_name("uvicorn"))
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, *, seconds: float, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} on start")
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {seconds} s")


def database_url() -> str:
    """The pytest process's (test) database, as ``DATABASE_URL`` says it."""
    conf = connection.settings_dict
    assert conf["ENGINE"] == "django.db.backends.postgresql", conf["ENGINE"]
    user = conf.get("USER") or "postgres"
    host = conf.get("HOST") or HOST
    port = conf.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{conf['NAME']}"


def process_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a Prachum process sharing this test's database and keys."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_ALLOW"))
    }
    var = tmp_path / "var"
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "PRACHUM_VAR_DIR": str(var),
            "DATABASE_URL": database_url(),
            "SECRET_KEY": str(settings.SECRET_KEY),
            "SIGNING_KEY_FILE": str(settings.SIGNING_KEY_FILE),
            "FIELD_ENCRYPTION_KEYS_FILE": str(settings.FIELD_ENCRYPTION_KEYS_FILE),
            "EVIDENCE_PACKAGES_DIR": str(settings.EVIDENCE_PACKAGES_DIR),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SITE_URL": str(settings.SITE_URL),
            "DEFAULT_FROM_EMAIL": str(settings.DEFAULT_FROM_EMAIL),
            "MEETING_OPEN_EARLY_MINUTES": str(settings.MEETING_OPEN_EARLY_MINUTES),
            "IDENTITY_CHECK_FRESH_MINUTES": str(settings.IDENTITY_CHECK_FRESH_MINUTES),
            "HOSTING_COUNTRY": "TH",
            "SERVICE_COUNTRY": "TH",
            "DEMO_MODE": "true",
            "EMAIL_URL": "",
            "REDIS_URL": "",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "LOG_LEVEL": "WARNING",
            "JANUS_ENABLED": "false",
        }
    )
    env.update(extra)
    return env


@dataclass
class Managed:
    """A child process with its log in the test's folder."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[Any] | None = None
    starts: int = 0

    def spawn(self) -> subprocess.Popen[Any]:
        self.starts += 1
        handle = self.log.open("ab")
        handle.write(f"\n--- start {self.starts}: {' '.join(self.argv)}\n".encode())
        handle.flush()
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=dict(self.env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        return self.process

    def kill9(self) -> None:
        """``kill -9``: no handler runs, nothing is flushed or closed."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        terminate(self.process)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class WebProcess(Managed):
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def start(self) -> WebProcess:
        process = self.spawn()
        wait_for_port(self.port, seconds=30, process=process)
        return self


def web_process(tmp_path: Path, *, name: str = "web-1", **env: str) -> WebProcess:
    port = free_port()
    argv = [
        UVICORN,
        "config.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return WebProcess(
        name=name,
        argv=argv,
        env=process_env(tmp_path, SERVER_NODE=name, **env),
        log=tmp_path / f"{name}.log",
        port=port,
    )


def worker_process(tmp_path: Path, **env: str) -> Managed:
    argv = [PYTHON, "manage.py", "worker", "--interval", "0.2"]
    return Managed(
        name="worker",
        argv=argv,
        env=process_env(tmp_path, **env),
        log=tmp_path / "worker.log",
    )


@dataclass
class RedisServer:
    """A Redis of the test's own on a loopback port, keeping nothing on disk (as CI's)."""

    folder: Path
    port: int = field(default_factory=free_port)
    managed: Managed | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> RedisServer:
        program = shutil.which("redis-server")
        if program is None:
            raise RuntimeError("redis-server is missing: apt-get install redis-server")
        self.folder.mkdir(parents=True, exist_ok=True)
        argv = [
            program,
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        if self.managed is None:
            self.managed = Managed(
                name="redis", argv=argv, env=os.environ, log=self.folder / "redis.log"
            )
        process = self.managed.spawn()
        wait_for_port(self.port, seconds=10, process=process)
        return self

    def stop(self) -> None:
        """The server goes away (and with it every group and queued message)."""
        assert self.managed is not None
        self.managed.stop()


def postgres_cluster() -> tuple[str, str]:
    """(version, name) of the Debian cluster serving the test database."""
    port = str(connection.settings_dict.get("PORT") or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    raise RuntimeError(f"no PostgreSQL cluster on port {port}:\n{listing}")


def pg_ctlcluster(action: str) -> None:
    version, name = postgres_cluster()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action],
        check=True,
        capture_output=True,
        timeout=60,
    )


def wait_for_postgres(seconds: float = 30) -> None:
    conf = connection.settings_dict
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready = subprocess.run(
            [
                "pg_isready",
                "-q",
                "-h",
                conf.get("HOST") or HOST,
                "-p",
                str(conf.get("PORT") or 5432),
            ],
            check=False,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not come back")
