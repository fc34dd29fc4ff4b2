"""Fixtures for the real-browser tests: one Streamlit server and one Chromium for the whole session.

Modelled on Streamlit's own e2e_playwright suite: the app runs as a subprocess on a free port (offline, with
a throw-away data directory), the browser is Debian's Chromium driven by Playwright's sync API (Playwright's
own browsers cannot be downloaded here), and every test gets a fresh browser context.

Without ``/usr/bin/chromium`` the tests are skipped, except under ``CI`` where they fail: CI must run them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chromium import launch_chromium, require_browser
from tests.support.server import StreamlitServer, offline_env


class AppServer:
    """The session's Streamlit server; restarted (on a new port) if it has died between tests."""

    def __init__(self, root: Path) -> None:
        data_dir = root / "data"
        data_dir.mkdir()
        self.server = StreamlitServer(root / "streamlit.log", env=offline_env(data_dir))
        self.restarts = 0

    @property
    def log_path(self) -> Path:
        return self.server.log_path

    def ensure_running(self) -> str:
        if self.server.healthy():
            return self.server.url
        if self.server.proc is not None:
            self.restarts += 1
            code = self.server.proc.poll()
            sys.stderr.write(
                f"\n[browser tests] Streamlit server at {self.server.url} is gone (exit code {code}); starting a new"
                f" one. Log: {self.log_path}\n"
            )
            self.stop()
        self.server.start()
        return self.server.url

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """One offline Streamlit server (throw-away data directory) shared by the session."""
    require_browser()
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
    browser = launch_chromium(playwright_driver)
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
