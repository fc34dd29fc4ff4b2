"""The hardened server: ``.streamlit/config.toml`` is valid for this Streamlit and the running server obeys it.

A real ``streamlit run dashboard.py`` is started from the project directory (so with the project's config, only
the port changed) on a free 127.0.0.1 port, offline, with a throw-away data directory. Requests are made with the
standard library (a raw socket for the websocket handshake), so the exact Host and Origin headers are sent.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import StreamlitServer, offline_env
from tests.support.websocket import handshake_status_line

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"
FOREIGN_ORIGINS = [
    "http://evil.example", "https://evil.example", "http://127.0.0.1.evil.example", "http://localhost.evil.example",
    "null",
]


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text())


def _flat(config: dict, prefix: str = "") -> dict[str, object]:
    """Option name -> value; nested tables (``[theme.light]``) give dotted names (``theme.light.headingFontSizes``)."""
    out: dict[str, object] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        elif prefix:
            out[f"{prefix}{key}"] = value
    return out


# --- the config file ---------------------------------------------------------------------------------------


def test_every_config_option_exists_in_this_streamlit() -> None:
    from streamlit import config as st_config

    known = set(st_config._config_options_template)
    unknown = sorted(set(_flat(_config())) - known)
    assert not unknown, f"options unknown to Streamlit {st_config.__name__}: {unknown}"


def test_config_is_hardened_for_local_use() -> None:
    options = _flat(_config())
    assert options["server.address"] == "127.0.0.1"
    assert options["server.enableCORS"] is True
    origins = options["server.corsAllowedOrigins"]
    assert origins and all(o.startswith(("http://127.0.0.1:", "http://localhost:")) for o in origins), origins
    assert set(options["server.allowedHosts"]) == {"127.0.0.1", "localhost"}
    assert options["server.enableXsrfProtection"] is True
    assert options["server.enableStaticServing"] is False
    assert options["server.enableAgentApi"] is False
    assert 0 < options["server.maxUploadSize"] <= 10
    assert options["browser.gatherUsageStats"] is False
    assert options["client.toolbarMode"] == "viewer"
    assert options["client.showErrorDetails"] == "none"
    assert options["client.showErrorLinks"] is False
    assert options["client.allowedOrigins"] == []
    assert "theme.base" not in options, "a pinned theme base ignores the reader's light/dark choice"


def test_streamlit_accepts_the_config_values() -> None:
    """Streamlit's own parser and validation read the file without complaint and give the values back."""
    code = (
        "import json, sys\n"
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "config._check_conflicts()\n"
        "names = json.loads(sys.argv[1])\n"
        "print(json.dumps({n: config.get_option(n) for n in names}))\n"
    )
    names = sorted(_flat(_config()))
    out = subprocess.run([sys.executable, "-c", code, json.dumps(names)], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True)
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values == {k: v for k, v in _flat(_config()).items()}, out.stderr[-2000:]


# --- the running server ------------------------------------------------------------------------------------


class Server:
    def __init__(self, streamlit: StreamlitServer) -> None:
        self.port, self.log = streamlit.port, streamlit.log_path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        response.body = response.read()
        conn.close()
        return response

    def websocket_status(self, origin: str | None, host: str | None = None) -> int:
        """Open a websocket to /_stcore/stream with the given Origin and Host; return the handshake's status."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=15) as sock:
            answer = handshake_status_line(sock, host or self.host, origin)
        status_line = answer.decode(errors="replace")
        assert status_line.startswith("HTTP/1.1 "), f"no HTTP answer to the handshake: {answer[:200]!r}"
        return int(status_line.split()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``streamlit run dashboard.py`` with the project config (port changed only), offline, private data dir."""
    root = tmp_path_factory.mktemp("levels-server")
    (root / "data").mkdir()
    # Only the port (and no file watcher) on the command line: the address and the rest come from the config.
    streamlit = StreamlitServer(root / "streamlit.log", env=offline_env(root / "data"),
                                options={"server.fileWatcherType": "none"})
    try:
        streamlit.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield Server(streamlit)
    finally:
        streamlit.stop()


def _listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp and tcp6, LISTEN = 0A)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                found.append(address)
    return found


def test_listens_on_loopback_only(server: Server) -> None:
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("needs Linux /proc/net/tcp")
    addresses = _listening_addresses(server.port)
    assert addresses, "no listening socket found for the server's port"
    assert set(addresses) == {"0100007F"}, f"listening on {addresses} (0100007F is 127.0.0.1)"


@pytest.mark.parametrize("origin", [None, "same-origin", "http://localhost:8501", "http://127.0.0.1:8501"])
def test_websocket_from_an_allowed_origin_is_accepted(server: Server, origin: str | None) -> None:
    sent = f"http://{server.host}" if origin == "same-origin" else origin
    assert server.websocket_status(sent) == 101


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_websocket_from_a_foreign_origin_is_refused(server: Server, origin: str) -> None:
    assert server.websocket_status(origin) == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.nip.io:{port}", "[::1]:{port}"])
def test_websocket_with_a_foreign_host_is_refused(server: Server, host: str) -> None:
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 is same-origin with its Host."""
    host = host.format(port=server.port)
    assert server.websocket_status(f"http://{host}", host=host) == 403
    assert server.websocket_status(None, host=host) == 403


def test_plain_http_with_a_foreign_host_gets_only_the_empty_page_shell(server: Server) -> None:
    """Streamlit 1.67 checks Host on the websocket (and the agent API), not on its HTTP routes.

    So a foreign Host still gets the static page shell, which holds no app data: every view, table and number
    travels over the websocket, refused above. See README "Serving it to a team" for rejecting it earlier.
    """
    response = server.get("/", {"Host": "evil.example"})
    assert response.status == 200
    body = response.body.decode(errors="replace")
    assert "<noscript>" in body or "<div id=\"root\"" in body
    for data in ("CIFR", "CLSK", "technical levels", "JPMorgan"):
        assert data not in body


def test_cross_origin_http_gets_no_cors_grant(server: Server) -> None:
    response = server.get("/_stcore/host-config", {"Origin": "http://evil.example"})
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") is None
    allowed = server.get("/_stcore/host-config", {"Origin": "http://localhost:8501"})
    assert allowed.getheader("Access-Control-Allow-Origin") == "http://localhost:8501"
    config = json.loads(allowed.body)
    assert config["allowedOrigins"] == [], "a parent page could drive the app through postMessage"


def test_upload_without_xsrf_token_is_refused(server: Server) -> None:
    response = server.get("/_stcore/upload_file/some-session/some-file", {"Content-Type": "text/plain"}, "PUT")
    assert response.status == 403


@pytest.mark.parametrize("path", ["/app/static/config.toml", "/app/static/../README.md", "/README.md",
                                  "/.streamlit/config.toml", "/media/../../etc/passwd", "/static/../../etc/passwd"])
def test_project_files_are_not_served(server: Server, path: str) -> None:
    response = server.get(path)
    body = response.body
    assert response.status in (200, 400, 403, 404)
    assert b"root:" not in body and b"gatherUsageStats" not in body and b"Technical levels dashboard" not in body


def test_server_log_shows_no_traceback(server: Server) -> None:
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
