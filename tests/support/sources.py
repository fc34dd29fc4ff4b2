"""Fake live sources and transports for the refresh tests: nothing here touches the network.

Yahoo requests are answered by a fake source, redirected to sockets that refuse or never answer, or to a stub HTTP
server on 127.0.0.1. Also: live-mode settings and a frozen New York clock for the repository.
"""

from __future__ import annotations

import http.server
import socket
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import requests

from marketdata import repository as repository_module
from marketdata.config import Settings
from marketdata.sources import SourceError
from tests.support.bars import NEW_YORK

# Friday evening in New York, two months after the bundled snapshot ends: every fake bar below is final.
FROZEN_NEW_YORK = datetime(2026, 11, 20, 21, 0)


def settings(data_dir: Path, *, timeout: float = 1.0, cooldown: float = 300, interval: float = 900) -> Settings:
    return Settings(data_dir=data_dir, offline=False, refresh_timeout=timeout, refresh_interval=interval,
                    failure_cooldown=cooldown)


def freeze_new_york(monkeypatch, moment: datetime = FROZEN_NEW_YORK) -> None:
    """Make the repository believe it is ``moment`` New York wall time (which bars are final, what is 'old')."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            aware = moment.replace(tzinfo=NEW_YORK)
            return aware.astimezone(tz) if tz is not None else aware.replace(tzinfo=None)

    monkeypatch.setattr(repository_module, "datetime", Frozen)


class FakeSource:
    """A LiveSource answering per symbol (a frame, or an exception to raise) and counting every call."""

    name = "fake"

    def __init__(self, answers: dict[str, pd.DataFrame | BaseException],
                 default: pd.DataFrame | BaseException | None = None) -> None:
        self.answers = answers
        self.default = default if default is not None else SourceError("fake has no data for this symbol")
        self.history_calls: list[tuple[str, date | None]] = []
        self.action_calls = 0

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        self.history_calls.append((symbol, start))
        answer = self.answers.get(symbol, self.default)
        if isinstance(answer, BaseException):
            raise answer
        return answer.copy()

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        self.action_calls += 1
        raise SourceError("fake has no analyst actions")


# --- transports ------------------------------------------------------------------------------------------


class LoopbackSession(requests.Session):
    """A real ``requests.Session`` that sends every Yahoo request to ``http://127.0.0.1:PORT`` instead.

    So connection refused, read timeouts and HTTP answers come from the real socket/HTTP stack, on loopback.
    """

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.trust_env = False  # no proxy from the environment, even for 127.0.0.1
        self.calls: list[str] = []

    def request(self, method, url, *args, **kwargs):
        self.calls.append(url)
        parts = urlsplit(url)
        local = urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))
        return super().request(method, local, *args, **kwargs)


def closed_port() -> tuple[socket.socket, int]:
    """Return a bound socket that does not listen (so connecting to its port is refused) and the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def silent_port() -> tuple[socket.socket, int]:
    """Return a listening socket that never accepts or answers (so every read times out) and the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock, sock.getsockname()[1]


@dataclass
class StubServer:
    """A stub HTTP server on 127.0.0.1 answering every request with ``status`` and ``body``; counts requests."""

    status: int = 429
    body: bytes = b"Too Many Requests\r\n"
    paths: list[str] = field(default_factory=list)

    def __enter__(self) -> StubServer:
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                stub.paths.append(self.path)
                self.send_response(stub.status)
                self.send_header("Content-Type", "text/plain;charset=utf-8")
                self.send_header("Content-Length", str(len(stub.body)))
                self.end_headers()
                self.wfile.write(stub.body)

            do_GET = do_POST = _answer

            def log_message(self, format, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
