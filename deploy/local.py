"""The team deployment on this machine's loopback, from the files in ``deploy/``: for the tests and benchmarks.

* :class:`PostgresServer`: a throw-away PostgreSQL cluster from Debian's ``postgresql`` binaries (``initdb`` into a
  temporary folder, ``postgres`` on a free 127.0.0.1 port with its socket in that folder, trust authentication for
  loopback only, stopped and deleted at the end). PostgreSQL refuses to run as root; when the tests run as root it
  runs as the unprivileged ``nobody`` user (``setuid`` in the child, like ``setpriv``), in a folder owned by it.
* :class:`Nginx`: Debian's ``nginx`` as its own process with ``deploy/nginx/nginx.conf.template`` (every file under
  a temporary prefix) including ``deploy/nginx/levels.conf.template``, a self-signed certificate for the public
  name (``openssl``), on a free port; as ``nobody`` too when root.
* :class:`Procfile`: starts the entries of ``deploy/Procfile`` (``web`` once per replica, with ``PORT``; ``worker``)
  with ``deploy/levels.env.example`` overridden by the caller's values, the way honcho/foreman would.
* :class:`TeamDeployment`: all of it together.

Ports are picked free at run time (and picked again if the bind fails); nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from deploy.render import render

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_ROOT / "deploy"
PUBLIC_HOST = "levels.test"  # the public name in tests; browsers map it to 127.0.0.1
STARTUP_TIMEOUT = 60.0


class ServerError(RuntimeError):
    """A server could not be started (the message says which and holds its log's tail)."""


def in_ci() -> bool:
    """Return True under ``CI=true`` (where a test that cannot run must fail, not skip)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now (bind may still race: callers retry on another)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged() -> tuple[int, int] | None:
    """Return the (uid, gid) to run servers as when we are root (``nobody``), else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


def _as(ids: tuple[int, int] | None) -> dict[str, Any]:
    """The ``subprocess`` arguments that run a child as ``ids`` (uid, gid; no other groups), or none."""
    return {} if ids is None else {"user": ids[0], "group": ids[1], "extra_groups": []}


def _own(path: Path, ids: tuple[int, int] | None) -> None:
    if ids is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, *ids)
        for name in dirs + files:
            os.chown(os.path.join(root, name), *ids)


def _popen(cmd: list[str], *, log: Path, ids: tuple[int, int] | None, cwd: Path,
           env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc: subprocess.Popen[bytes] = subprocess.Popen(
            cmd, cwd=cwd, env=dict(env) if env is not None else None, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, **_as(ids))
        return proc


def stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop ``proc`` (one we started) with ``sig``, then SIGKILL if it has not exited within ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def _came_up(proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float, period: float = 0.1) -> bool:
    """Wait until ``ready()`` while ``proc`` runs; return False if it exited or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            return True
        time.sleep(period)
    return False


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


# --- PostgreSQL --------------------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """Return the folder of Debian's PostgreSQL server binaries (newest version), or None when not installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


class PostgresServer:
    """A private PostgreSQL cluster (see the module docstring); superuser ``levels``, no password on loopback."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise ServerError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bindir = bindir
        self.ids = _unprivileged()
        # In the system's temporary folder (not a caller's private one): its user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="levels-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        _own(self.root, self.ids)
        self._run([str(bindir / "initdb"), "-D", str(self.data), "-U", "levels", "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync"])

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=120, **_as(self.ids))
        if done.returncode != 0:
            raise ServerError(f"{cmd[0]} failed: {done.stderr[-2000:]}")

    def url(self, dbname: str = "postgres") -> str:
        """Return the connection URL of database ``dbname``."""
        return f"postgresql://levels@127.0.0.1:{self.port}/{dbname}"

    def _ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url(), connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def start(self, port: int | None = None) -> PostgresServer:
        """Start the server (on ``port``, or a free one; the same one again after :meth:`stop`)."""
        attempts = [port] if port else [None, None, None]
        for wanted in attempts:
            self.port = wanted or free_port()
            cmd = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
                   "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}",
                   "-c", "max_connections=200", "-c", "shared_buffers=32MB"]
            self.proc = _popen(cmd, log=self.log, ids=self.ids, cwd=self.root)
            if _came_up(self.proc, self._ready, STARTUP_TIMEOUT):
                return self
            stop(self.proc, signal.SIGINT)
        raise ServerError(f"PostgreSQL did not start. Log tail:\n{_tail(self.log)}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` (SIGINT: sessions are ended, a clean shutdown) or ``immediate`` (SIGQUIT:
        like a crash; the next start recovers from the write-ahead log)."""
        stop(self.proc, signal.SIGINT if mode == "fast" else signal.SIGQUIT, timeout=30)

    def restart(self) -> None:
        """Start again on the same port (the URL the app holds stays valid)."""
        self.start(self.port)

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.encode())  # a dynamic statement (psycopg types literal strings only as queries)

    def create_database(self, name: str) -> str:
        """Create database ``name`` (an identifier of letters, digits, _) and return its URL."""
        assert name.replace("_", "").isalnum(), name
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, ending its sessions."""
        assert name.replace("_", "").isalnum(), name
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- nginx ---------------------------------------------------------------------------------------------------------


def self_signed_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """Write a self-signed certificate and key for ``name`` (openssl, valid 2 days); return their paths."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


class Nginx:
    """Debian's nginx with the deploy templates, on a free 127.0.0.1 port (see the module docstring)."""

    def __init__(self, upstreams: list[str], public_host: str = PUBLIC_HOST) -> None:
        if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
            raise ServerError("nginx is not installed (Debian: apt-get install nginx)")
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.upstreams = upstreams
        self.public_host = public_host
        self.ids = _unprivileged()
        self.prefix = Path(tempfile.mkdtemp(prefix="levels-nginx-"))  # reachable by its user (see PostgresServer)
        self.cert, self.key = self_signed_certificate(self.prefix, public_host)
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The public URL (``https://levels.test:PORT``): resolve the name to 127.0.0.1 to use it."""
        return f"https://{self.public_host}:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def _render(self) -> Path:
        site = self.prefix / "levels.conf"
        site.write_text(render((DEPLOY / "nginx" / "levels.conf.template").read_text(), {
            "LISTEN": f"127.0.0.1:{self.port}", "PUBLIC_HOST": self.public_host, "PUBLIC_ORIGIN": self.url,
            "TLS_CERT": str(self.cert),
            "TLS_KEY": str(self.key), "UPSTREAM_SERVERS": ",".join(self.upstreams),
        }))
        main = self.prefix / "nginx.conf"
        main.write_text(render((DEPLOY / "nginx" / "nginx.conf.template").read_text(),
                               {"PREFIX": str(self.prefix), "SITE": str(site)}))
        return main

    def _tls_ready(self) -> bool:
        context = ssl.create_default_context(cafile=str(self.cert))
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as raw, \
                    context.wrap_socket(raw, server_hostname=self.public_host):
                return True
        except OSError:
            return False

    def start(self, port: int | None = None) -> Nginx:
        """Start nginx on ``port`` (or a free one, picked again if the bind fails) and wait for TLS answers."""
        for wanted in [port] if port else [None, None, None]:
            self.port = wanted or free_port()
            main = self._render()
            _own(self.prefix, self.ids)
            check = subprocess.run([self.binary, "-t", "-p", str(self.prefix), "-c", str(main), "-e",
                                    str(self.prefix / "error.log")], capture_output=True, text=True, timeout=30,
                                   **_as(self.ids))
            if check.returncode != 0:
                raise ServerError(f"nginx -t refused the rendered configuration:\n{check.stderr[-2000:]}")
            self.proc = _popen([self.binary, "-p", str(self.prefix), "-c", str(main), "-e",
                                str(self.prefix / "error.log"), "-g", "daemon off;"],
                               log=self.prefix / "nginx.out", ids=self.ids, cwd=self.prefix)
            if _came_up(self.proc, self._tls_ready, 20):
                return self
            stop(self.proc, signal.SIGQUIT)
        raise ServerError(f"nginx did not start. Log tail:\n{_tail(self.prefix / 'error.log')}")

    def stop(self) -> None:
        stop(self.proc, signal.SIGQUIT)  # graceful shutdown

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.prefix, ignore_errors=True)


# --- Procfile ------------------------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """Return the ``KEY=VALUE`` lines of an env file (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def read_procfile(path: Path = DEPLOY / "Procfile") -> dict[str, str]:
    """Return the ``name: command`` entries of a Procfile."""
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def healthy(url: str) -> bool:
    """Return True if the Streamlit server at ``url`` (http://127.0.0.1:PORT) answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Replica:
    """One ``web`` process of the Procfile."""

    index: int
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Procfile:
    """Runs Procfile entries from the project folder with ``env`` (the env file's values plus the caller's)."""

    env: dict[str, str]
    logs: Path
    entries: dict[str, str] = field(default_factory=read_procfile)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, log_name: str, extra: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env, **(extra or {})}
        proc = _popen(["bash", "-c", f"exec {self.entries[name]}"], log=self.logs / log_name, ids=None,
                      cwd=PROJECT_ROOT, env=env)
        self.procs.append(proc)
        return proc

    def start_web(self, index: int) -> Replica:
        """Start replica ``index`` on a free port and wait until it is healthy (another port if the bind failed)."""
        log = self.logs / f"web{index}.log"
        for _attempt in range(3):
            port = free_port()
            proc = self.start("web", log.name, {"PORT": str(port)})
            replica = Replica(index, port, proc, log)
            if _came_up(proc, partial(healthy, replica.url), STARTUP_TIMEOUT, 0.25):
                return replica
            stop(proc)
        raise ServerError(f"replica {index} did not become healthy. Log tail:\n{_tail(log)}")

    def stop_all(self) -> None:
        for proc in self.procs:
            stop(proc)


class TeamDeployment:
    """PostgreSQL (given, or started), ``replicas`` web processes and (optionally) the worker from the Procfile, and
    nginx in front: the README's team setup on loopback. Use as a context manager (everything is stopped)."""

    def __init__(self, workdir: Path, postgres: PostgresServer, *, replicas: int = 2, worker: bool = True,
                 env: Mapping[str, str] | None = None, worker_env: Mapping[str, str] | None = None,
                 dbname: str = "levels") -> None:
        self.workdir = workdir
        self.postgres = postgres
        self.database_url = postgres.create_database(dbname)
        self.dbname = dbname
        settings = read_env_file(DEPLOY / "levels.env.example")
        settings.update({
            "LEVELS_DATABASE_URL": self.database_url, "LEVELS_PUBLIC_HOST": PUBLIC_HOST,
            "STREAMLIT_SERVER_COOKIE_SECRET": os.urandom(16).hex(), "LEVELS_PYTHON": sys.executable,
            "LEVELS_DATA_DIR": str(workdir / "data"), "LEVELS_OFFLINE": "0",
        })
        settings.update(env or {})
        self.procfile = Procfile(settings, workdir)
        self.replica_count = replicas
        self.with_worker = worker
        self.worker_env = dict(worker_env or {})
        self.replicas: list[Replica] = []
        self.worker: subprocess.Popen[bytes] | None = None
        self.nginx: Nginx | None = None

    def start(self) -> TeamDeployment:
        """Start the processes and nginx; if any fails, stop what was started and raise."""
        try:
            # The replicas must know the public origin, so nginx's port is picked first and nginx started last.
            self.nginx = Nginx([])
            port = free_port()
            self.procfile.env["LEVELS_PUBLIC_ORIGIN"] = f"https://{PUBLIC_HOST}:{port}"
            for i in range(self.replica_count):
                self.replicas.append(self.procfile.start_web(i))
            if self.with_worker:
                self.worker = self.procfile.start("worker", "worker.log", self.worker_env)
            self.nginx.upstreams = [r.address for r in self.replicas]
            self.nginx.start(port)
        except BaseException:
            self.close()
            raise
        return self

    @property
    def url(self) -> str:
        """The public URL through nginx."""
        assert self.nginx is not None
        return self.nginx.url

    def kill_replica(self, index: int) -> None:
        """SIGKILL replica ``index`` (a crash: no goodbye to its sessions)."""
        stop(self.replicas[index].proc, signal.SIGKILL)

    def close(self) -> None:
        if self.nginx is not None:
            self.nginx.close()
        self.procfile.stop_all()
        with contextlib.suppress(Exception):
            self.postgres.drop_database(self.dbname)

    def __enter__(self) -> TeamDeployment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started :class:`PostgresServer`, closed at the end."""
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.close()
