"""Fixtures for the real-browser tests: one Streamlit server and one Chromium for the whole session.

Modelled on Streamlit's own e2e_playwright suite: the app runs as a subprocess on a free port (offline, with
a throw-away data directory), the browser is Debian's Chromium driven by Playwright's sync API (Playwright's
own browsers cannot be downloaded here), and every test gets a fresh browser context.

Without ``/usr/bin/chromium`` the tests are skipped, except under ``CI`` where they fail: CI must run them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STARTUP_TIMEOUT = 60.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _require_browser() -> None:
    """Skip (locally) or fail (under CI) when the browser tests cannot run."""
    problems = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install -r requirements-dev.txt)")
    if problems:
        reason = "browser tests need " + "; ".join(problems)
        if _in_ci():
            pytest.fail(f"{reason} — CI=true, so this is an error, not a skip", pytrace=False)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _start_server(data_dir: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run dashboard.py`` on a free port; return the process and its base URL once healthy."""
    env = {**os.environ, "LEVELS_OFFLINE": "1", "LEVELS_DATA_DIR": str(data_dir)}
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between the probe and the bind: retry on another
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [
            sys.executable, "-m", "streamlit", "run", "dashboard.py",
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            # Others edit the sources while the suite runs: never rerun or prompt because a file changed.
            "--server.fileWatcherType", "none", "--server.runOnSave", "false",
        ]
        log = log_path.open("ab")
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if _healthy(url):
                return proc, url
            time.sleep(0.25)
        _stop(proc)
        last_error = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"Streamlit did not become healthy within {STARTUP_TIMEOUT:.0f} s. Log tail:\n{last_error}")


class AppServer:
    """The session's Streamlit server; restarted (on a new port) if it has died between tests."""

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"
        self.data_dir.mkdir()
        self.log_path = root / "streamlit.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.restarts = 0

    def ensure_running(self) -> str:
        if self.proc is not None and self.proc.poll() is None and _healthy(self.url):
            return self.url
        if self.proc is not None:
            self.restarts += 1
            code = self.proc.poll()
            sys.stderr.write(
                f"\n[browser tests] Streamlit server at {self.url} is gone (exit code {code}); starting a new one."
                f" Log: {self.log_path}\n"
            )
            self.stop()
        self.proc, self.url = _start_server(self.data_dir, self.log_path)
        return self.url

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One offline Streamlit server (throw-away data directory) shared by the session."""
    _require_browser()
    server = AppServer(tmp_path_factory.mktemp("levels-browser"))
    server.ensure_running()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_url(app_server: AppServer) -> str:
    """Base URL (``http://127.0.0.1:<port>``) of the session's server, checked healthy before each test."""
    return app_server.ensure_running()


@pytest.fixture(scope="session")
def chromium(app_server: AppServer, playwright_driver):
    """One headless Debian Chromium for the whole session (contexts are per test)."""
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _save_artifacts(contexts: list, out_dir: Path) -> list[str]:
    """Screenshot and dump the text of every open page (for a failed test)."""
    saved = []
    for c, context in enumerate(contexts):
        for p, page in enumerate(context.pages):
            stem = out_dir / f"context{c}-page{p}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True, timeout=10_000)
                text = page.evaluate("() => document.body ? document.body.innerText : ''")
                Path(f"{stem}.txt").write_text(f"{page.url}\n\n{text}")
                saved.append(f"{stem}.png ({page.url})")
            except Exception as exc:  # noqa: BLE001 - diagnostics must not hide the real failure
                saved.append(f"{stem}: could not save ({exc})")
    return saved


@pytest.fixture
def new_context(chromium, request: pytest.FixtureRequest, tmp_path: Path):
    """Factory for fresh browser contexts (no shared cookies, storage or session state); all closed after.

    ``new_context(**options)`` passes Playwright context options (viewport, ``color_scheme``, ``is_mobile``, ...);
    the default is a 1400 x 1000 desktop window.

    An uncaught JavaScript error in any of the test's pages fails the test (at teardown); when the test
    failed, a screenshot and the text of each open page are saved under the test's tmp_path.
    """
    contexts = []
    js_errors: list[str] = []

    def make(**options):
        context = chromium.new_context(**{"viewport": {"width": 1400, "height": 1000}, **options})
        context.set_default_timeout(30_000)
        context.on("weberror", lambda e: js_errors.append(f"{e.page.url if e.page else '?'}: {e.error}"))
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_CALL_FAILED, False):
        saved = _save_artifacts(contexts, tmp_path)
        sys.stderr.write("\n[browser tests] page artifacts:\n  " + "\n  ".join(saved) + "\n")
    for context in contexts:
        context.close()
    if js_errors:
        pytest.fail("uncaught JavaScript error(s) in the page:\n" + "\n".join(js_errors), pytrace=False)


@pytest.fixture
def page(new_context):
    """A page in a fresh browser context."""
    return new_context().new_page()
