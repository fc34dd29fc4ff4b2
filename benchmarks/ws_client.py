"""A minimal Streamlit websocket client that loads a page the way the browser does, for load tests.

It speaks the protocol of Streamlit 1.67's Starlette server (``streamlit/web/server/starlette/
starlette_websocket.py``), as the frontend does on a page load:

1. ``GET /_stcore/health`` and ``GET /_stcore/host-config`` (the frontend checks both before it connects);
2. open ``ws://HOST:PORT/_stcore/stream`` with ``Origin`` = the app's own origin (same-origin, so the
   server's Origin check passes) and ``Sec-WebSocket-Protocol: streamlit, PLACEHOLDER_AUTH_TOKEN`` — the
   server accepts the first entry as the subprotocol and reads the second as the XSRF token, which only
   matters for auth cookies (there are none here); a third entry would resume an existing session;
3. send one binary ``BackMsg{rerun_script: ClientState}`` with the page's query string, ``page_name`` = the
   URL path (``ticker``; the server resolves it against ``st.navigation``'s ``url_path``), an empty
   ``page_script_hash`` (a direct link, as on a fresh tab), no widget states, no cached message hashes (a new
   tab has an empty message cache, so the server sends every message in full) and a ``ContextInfo`` (URL,
   timezone, locale) like the browser's;
4. read binary ``ForwardMsg`` frames: the page's elements arrive as ``delta.new_element``; the load is done at
   ``script_finished``.

A later :meth:`StreamlitSession.load` on the same connection is an in-app navigation (another rerun of the
same session). Only 127.0.0.1 / localhost URLs are accepted, and every wait has a timeout.

Through a TLS proxy (the team deployment's nginx): ``https://NAME:PORT`` with ``resolve="127.0.0.1"`` (the name
is sent as SNI and ``Host``, the socket goes to loopback), an ``ssl_context`` that trusts the proxy's certificate, and
``cookies=True``: the ``_streamlit_xsrf`` cookie of the health check's answer is sent on the later requests and the
websocket handshake, as a browser does (the proxy keeps a browser on one replica by that cookie).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

SUBPROTOCOLS = ("streamlit", "PLACEHOLDER_AUTH_TOKEN")  # what the frontend sends when it has no XSRF token
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass
class PageLoad:
    """Timings (seconds from the start of the load) and what arrived during one page load."""

    query: str
    ok: bool = False
    connect_s: float | None = None  # HTTP checks + websocket handshake (first load of a session only)
    chart_s: float | None = None  # first delta carrying a plotly chart element
    finished_s: float | None = None  # script_finished
    finish_status: str = ""
    messages: int = 0
    bytes: int = 0
    types: Counter = field(default_factory=Counter)
    elements: Counter = field(default_factory=Counter)
    error: str = ""


def _check_loopback(base_url: str, resolve: str | None = None) -> tuple[str, int]:
    """Return ``(host, port)`` of ``base_url`` after checking the connection goes to loopback only."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or parts.hostname is None or parts.port is None:
        raise ValueError(f"only http(s)://HOST:PORT URLs are allowed, got {base_url!r}")
    if (resolve or parts.hostname) not in LOOPBACK_HOSTS:
        raise ValueError(f"only loopback connections are allowed, got {base_url!r} resolved to {resolve!r}")
    return parts.hostname, parts.port


def _cookie_values(head: bytes) -> dict[str, str]:
    """Return the ``name=value`` pairs of the ``Set-Cookie`` headers of an HTTP answer's head."""
    found: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"set-cookie":
            pair = value.decode("latin-1").strip().split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


async def http_get(base_url: str, path: str, timeout: float = 10.0, *, resolve: str | None = None,
                   ssl_context: ssl.SSLContext | None = None, cookies: dict[str, str] | None = None,
                   ) -> tuple[int, bytes]:
    """A plain HTTP/1.1 GET on loopback (no proxy, no redirects); return (status, body).

    With ``cookies`` (a dict), its entries are sent and the answer's ``Set-Cookie`` values are stored in it.
    """
    host, port = _check_loopback(base_url, resolve)
    secure = urlsplit(base_url).scheme == "https"

    async def _get() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(
            resolve or host, port, ssl=(ssl_context or True) if secure else None,
            server_hostname=host if secure else None,
        )
        try:
            cookie = f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}\r\n" if cookies else ""
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{cookie}Connection: close\r\n\r\n".encode())
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        if cookies is not None:
            cookies.update(_cookie_values(head))
        return status, body

    return await asyncio.wait_for(_get(), timeout)


def rerun_backmsg(query: str, page_name: str, url: str) -> bytes:
    """Serialize the BackMsg the frontend sends to (re)run the script for a page."""
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_script_hash = ""
    state.page_name = page_name
    info = state.context_info
    info.url = url
    info.timezone = "UTC"
    info.timezone_offset = 0
    info.locale = "en-US"
    info.is_embedded = False
    info.color_scheme = "light"
    return msg.SerializeToString()


class StreamlitSession:
    """One browser tab: a websocket connection to the server, on which pages are loaded one after another."""

    def __init__(self, base_url: str, *, http_checks: bool = True, timeout: float = 60.0,
                 resolve: str | None = None, ssl_context: ssl.SSLContext | None = None, cookies: bool = False) -> None:
        host, port = _check_loopback(base_url, resolve)
        scheme = urlsplit(base_url).scheme
        self.base_url = f"{scheme}://{host}:{port}"
        self.ws_url = f"{'wss' if scheme == 'https' else 'ws'}://{host}:{port}/_stcore/stream"
        self.http_checks = http_checks
        self.timeout = timeout
        self.resolve = resolve
        self.ssl_context = ssl_context
        self.cookies: dict[str, str] | None = {} if cookies else None
        self.ws: ClientConnection | None = None
        self.loads = 0

    async def open(self) -> None:
        if self.http_checks:
            for path in ("/_stcore/health", "/_stcore/host-config"):
                status, _ = await http_get(self.base_url, path, self.timeout, resolve=self.resolve,
                                           ssl_context=self.ssl_context, cookies=self.cookies)
                if status != 200:
                    raise ConnectionError(f"GET {path} -> HTTP {status}")
        extra: dict[str, object] = {}
        if self.resolve is not None:
            extra["host"] = self.resolve
        if self.ws_url.startswith("wss:"):
            extra["ssl"] = self.ssl_context or True
        if self.cookies:
            extra["additional_headers"] = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self.ws = await connect(
            self.ws_url,
            origin=self.base_url,
            subprotocols=list(SUBPROTOCOLS),
            proxy=None,  # loopback only, never through an environment proxy
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=self.timeout,
            ping_interval=None,
            close_timeout=5,
            user_agent_header="levels-load-benchmark",
            **extra,
        )

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            await ws.close()

    async def __aenter__(self) -> StreamlitSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def load(self, query: str, page_name: str = "ticker") -> PageLoad:
        """Load ``/{page_name}?{query}``: connect first if needed, send rerun_script, read until script_finished."""
        result = PageLoad(query=query)
        start = time.perf_counter()
        try:
            if self.ws is None:
                await self.open()
                result.connect_s = time.perf_counter() - start
            assert self.ws is not None
            url = f"{self.base_url}/{page_name}" + (f"?{query}" if query else "")
            await self.ws.send(rerun_backmsg(query, page_name, url))
            self.loads += 1
            deadline = start + self.timeout
            while True:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError(f"no script_finished within {self.timeout:.0f} s")
                frame = await asyncio.wait_for(self.ws.recv(), remaining)
                now = time.perf_counter() - start
                if isinstance(frame, str):
                    raise TypeError("text frame from the server")
                result.messages += 1
                result.bytes += len(frame)
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                kind = msg.WhichOneof("type") or "?"
                result.types[kind] += 1
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element.WhichOneof("type") or "?"
                    result.elements[element] += 1
                    if element == "plotly_chart" and result.chart_s is None:
                        result.chart_s = now
                elif kind == "script_finished":
                    result.finished_s = now
                    result.finish_status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                    # A rerun asked for by the script itself ends this run early; wait for the run that follows.
                    if result.finish_status != "FINISHED_EARLY_FOR_RERUN":
                        break
            result.ok = result.chart_s is not None and result.finish_status == "FINISHED_SUCCESSFULLY"
            if not result.ok and not result.error:
                result.error = f"finished {result.finish_status} without a chart" if result.chart_s is None else (
                    f"finished {result.finish_status}")
        except (OSError, TimeoutError, ConnectionError, TypeError, ValueError, AssertionError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - websockets' ConnectionClosed etc.: recorded, not raised
            result.error = f"{type(exc).__name__}: {exc}"
        return result
