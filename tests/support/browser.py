"""Page helpers for the browser tests: waiting for Streamlit script runs and reading the plotly chart."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.ci import in_ci

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Playwright's ``expect``, for the test modules. Without the package the fixtures explain (skip locally, fail under
# CI); here the importing test module is only kept from a collection error.
try:
    from playwright.sync_api import expect  # noqa: F401 - re-exported
except ImportError:
    if in_ci():
        raise
    pytest.skip("the playwright package is not installed (pip install -r requirements-dev.txt)",
                allow_module_level=True)

CHART_SVG = ".js-plotly-plot .main-svg"
# Streamlit sets data-test-script-state on stApp: "initial" before the first run, then "running" /
# "rerunRequested" / "notRunning"; data-test-connection-state is "CONNECTED" once the websocket is up.
APP_IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
TICKERS = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")

_READ_CHART = """() => {
  const graph = document.querySelector('.js-plotly-plot');
  if (!graph || !graph.data || !graph.layout) return null;
  const title = graph.layout.title;
  return {
    title: (typeof title === 'string' ? title : (title && title.text) || '').replace(/<[^>]*>/g, ''),
    yType: graph.layout.yaxis && graph.layout.yaxis.type,
    // Numeric arrays arrive base64-packed ({dtype, bdata}) in graph.data; plotly's decoded copy is _fullData.
    traces: graph.data.map((t, i) => {
      const full = (graph._fullData || []).find(f => f.index === i) || {};
      return {
        name: t.name, type: t.type, visible: t.visible === undefined ? true : t.visible,
        showlegend: t.showlegend === undefined ? true : t.showlegend,
        x: Array.from(t.x || []).map(String),
        close: full.close ? Array.from(full.close).map(Number) : null,
      };
    }),
  };
}"""


@dataclass(frozen=True)
class Trace:
    name: str
    type: str
    visible: bool | str
    showlegend: bool
    x: list[str]
    close: list[float] | None


@dataclass(frozen=True)
class Chart:
    """What the plotly figure in the page holds (read from the graph div, not from the server)."""

    title: str
    y_type: str
    traces: list[Trace]

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.traces]

    def trace(self, name: str) -> Trace:
        found = [t for t in self.traces if t.name == name]
        assert len(found) == 1, f"expected one trace named {name!r}, chart has {self.names}"
        return found[0]

    @property
    def price(self) -> Trace:
        return self.trace("Price")


def wait_idle(page: Page, timeout: float = 30_000, settle_ms: int = 150) -> None:
    """Wait until the app is connected, no script run is in progress and no element is stale."""
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stElementContainer\"][data-stale=\"true\"]')",
        timeout=timeout,
    )
    # A widget change is sent on a short debounce; let a pending rerun start before trusting "notRunning".
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout)


def open_app(page: Page, url: str, *, chart: bool = True, timeout: float = 45_000) -> float | None:
    """Navigate to ``url`` and wait for the script run to finish (and the chart, if ``chart``).

    Returns the time in ms from navigation start to the first ``.js-plotly-plot .main-svg`` in the DOM
    (browser clock, ``performance.now()``), or None when ``chart`` is False.
    """
    page.goto(url, wait_until="commit", timeout=timeout)
    first_chart_ms = None
    if chart:
        handle = page.wait_for_function(
            f"() => document.querySelector({CHART_SVG!r}) ? performance.now() : null",
            polling="raf", timeout=timeout,
        )
        first_chart_ms = float(handle.json_value())
    wait_idle(page, timeout=timeout)
    return first_chart_ms


def read_chart(page: Page) -> Chart:
    data = page.evaluate(_READ_CHART)
    assert data is not None, "no plotly chart with data in the page"
    traces = [Trace(**t) for t in data["traces"]]
    return Chart(title=data["title"], y_type=data["yType"], traces=traces)


def wait_for_chart(page: Page, predicate: str, timeout: float = 30_000) -> Chart:
    """Wait until ``predicate`` (JS expression over ``graph``, the plotly div) holds, then for the run to end."""
    page.wait_for_function(
        f"() => {{ const graph = document.querySelector('.js-plotly-plot');"
        f" return !!(graph && graph.data && graph.layout && ({predicate})); }}",
        timeout=timeout,
    )
    wait_idle(page, timeout=timeout)
    return read_chart(page)


def title_contains(text: str) -> str:
    """JS predicate: the chart title contains ``text``."""
    return (
        "(() => { const t = graph.layout.title; const s = typeof t === 'string' ? t : (t && t.text) || '';"
        f" return s.includes({text!r}); }})()"
    )


def has_trace(name: str, present: bool = True) -> str:
    """JS predicate: a trace named ``name`` is (or is not) in the chart."""
    test = f"graph.data.some(t => t.name === {name!r})"
    return test if present else f"!{test}"


def query_of(url: str) -> dict[str, list[str]]:
    """The query parameters of ``url`` (``keep_blank_values``, so ``show=`` reads as ``['']``)."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def query(page: Page) -> dict[str, list[str]]:
    """The page URL's query parameters."""
    return query_of(page.url)


def wait_for_url(page: Page, check, timeout: float = 10_000) -> dict[str, list[str]]:
    """Poll the page URL until ``check(query)`` is true; return the query (assert with the last one seen)."""
    deadline = time.monotonic() + timeout / 1000
    current = query(page)
    while time.monotonic() < deadline:
        current = query(page)
        if check(current):
            return current
        page.wait_for_timeout(100)
    return current


def widget(page: Page, testid: str, label: str) -> Locator:
    """The Streamlit widget of type ``testid`` (e.g. ``stButtonGroup``) whose label is exactly ``label``."""
    labels = page.get_by_test_id("stWidgetLabel").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.get_by_test_id(testid).filter(has=labels)


def assert_app_navigation(page: Page) -> None:
    """The navigation lists the st.navigation pages (not the legacy ``pages/`` file names: dashboard, ticker, ...).

    The app puts it in the header (``position="top"``); on a narrow screen Streamlit moves it into the sidebar.
    """
    top = page.get_by_test_id("stTopNav").get_by_test_id("stTopNavLink")
    side = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    links = top if top.count() else side
    names = [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts()]  # drop the icon ligature
    assert names == ["Overview", "Ticker", "Analyst actions"], f"navigation pages {names} (legacy pages/ mode?)"


def in_menu(page: Page, menu: str, content: Locator) -> Locator:
    """Open the popover whose button says ``menu`` when ``content`` (drawn in it) is not visible; return ``content``.
    A popover draws its content only when it is opened."""
    if not content.count() or not content.first.is_visible():
        page.get_by_test_id("stPopover").filter(has_text=menu).get_by_role("button").first.click()
    content.first.wait_for(state="visible")
    return content


def open_overlays(page: Page) -> Locator:
    """Open the ticker page's *Overlays* menu (a popover in the chart's toolbar); return its pills widget."""
    return in_menu(page, "Overlays", widget(page, "stButtonGroup", "Overlays"))


def ticker_menu(page: Page) -> Locator:
    """Open the ticker page's *Ticker* menu (a popover in the header row) when closed; return its pills widget
    (one radio per ticker of the universe)."""
    return in_menu(page, "Ticker", widget(page, "stButtonGroup", "Ticker"))


def pick_ticker(page: Page, symbol: str) -> None:
    """Choose ``symbol`` in the ticker page's *Ticker* menu (the menu stays open)."""
    ticker_menu(page).get_by_role("radio", name=symbol, exact=True).click()


def asof_input(page: Page) -> Locator:
    """Open the ticker page's *As of* menu (a popover in the header row) when closed; return its date input."""
    return in_menu(page, "As of", page.get_by_test_id("stDateInput").filter(has_text="As of (close)"))


def type_asof(page: Page, day: str) -> None:
    """Type ``day`` (YYYY-MM-DD) into the *As of* menu's date field, then click the field's label: the field
    applies a typed date when it loses focus (Escape would close the menu without applying it)."""
    field = asof_input(page)
    page.get_by_role("spinbutton", name="year, As of (close)").click()  # a date field of year/month/day segments
    page.keyboard.type(day.replace("-", ""))
    field.get_by_test_id("stWidgetLabel").first.click()


def data_notices(page: Page) -> list[str]:
    """Open the ticker page's notice line (a popover in the header row, key ``notices``) and return the notices
    behind it, one text each; ``[]`` when the page shows no notice line. The popover is closed again."""
    line = page.locator(".st-key-notices")
    if line.count() == 0:
        return []
    line.get_by_role("button").first.click()
    body = page.get_by_test_id("stPopoverBody")
    body.get_by_test_id("stAlert").first.wait_for(state="visible")
    texts = [t.strip() for t in body.get_by_test_id("stAlert").all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def assert_no_exception(page: Page) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, f"Streamlit exception shown: {exceptions.first.inner_text()[:2000]}"
