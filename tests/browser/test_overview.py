"""The overview screener in real Chromium: filters and the as-of date round-trip the URL; positions are added,
edited and removed through the form; hostile input is refused with a message and injects nothing."""

from __future__ import annotations

import re
import time
from datetime import date

import pandas as pd
import pytest

from analyst.picture import build_picture
from analyst.signals import signals
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.browser import assert_no_exception, expect, open_app, query, wait_for_url, wait_idle, widget

pytestmark = pytest.mark.browser

ASOF = "2025-11-24"


GRID_CELLS = '[data-testid="stDataFrame"] [data-testid^="glide-cell-"]'


def grid_texts(page) -> set[str]:
    """The cell texts of the overview grid, once it has drawn its rows (the accessible mirror of its canvas)."""
    page.wait_for_function(f"() => document.querySelectorAll({GRID_CELLS!r}).length > 0", timeout=30_000)
    return {t.strip() for t in page.locator(GRID_CELLS).all_inner_texts()}


def tickers(page) -> set[str]:
    return grid_texts(page) & {"CIFR", "CLSK", "IREN", "MARA", "RIOT", "Total"}


def wait_grid(page, check, timeout: float = 20.0) -> set[str]:
    """Poll the grid's cell texts until ``check(texts)`` holds (the grid redraws after the run); return them."""
    deadline = time.monotonic() + timeout
    texts = grid_texts(page)
    while not check(texts) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        texts = grid_texts(page)
    return texts


def table_csv(page) -> pd.DataFrame:
    """The table as the page exports it (its "Table (CSV)" download): what the grid holds, as data."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Table (CSV)").click()
    return pd.read_csv(download.value.path()).set_index("Ticker")


def expected(cross: str | None = None) -> set[str]:
    """The tickers above their 200-day EMA on ASOF (with a ``cross`` of the last 20 bars), from the pictures."""
    actions = Snapshot(BUNDLED_DIR).actions()
    out = set()
    for symbol in ("CIFR", "CLSK", "IREN", "MARA", "RIOT"):
        sig = signals(build_picture(symbol, read_bars(symbol), actions, date.fromisoformat(ASOF)))
        if sig.above("EMA200") and (cross is None or (sig.cross is not None and sig.cross.kind == cross)):
            out.add(symbol)
    return out


def test_filters_and_asof_round_trip_through_the_url(new_context, app_url):
    link = f"{app_url}/?asof={ASOF}&above=EMA200&sort=Change+%28%25%29&order=desc"
    page = new_context().new_page()
    open_app(page, link, chart=False)
    assert_no_exception(page)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    want = expected()
    assert want == {"CIFR", "IREN"}  # the two above their 200-day EMA on 2025-11-24
    shown = wait_grid(page, lambda t: t & {"CIFR", "CLSK", "IREN", "MARA", "RIOT"} == want)
    assert shown & {"CIFR", "CLSK", "IREN", "MARA", "RIOT"} == want, shown
    params = query(page)
    assert params.get("asof") == [ASOF] and params.get("above") == ["EMA200"], page.url
    assert params.get("sort") == ["Change (%)"] and params.get("order") == ["desc"], page.url
    assert f"ticker?symbol=CIFR&asof={ASOF}" in grid_texts(page) or page.get_by_text("Chart ↗").count() >= 1

    # a filter changed in the page reaches the URL, and the link reproduces the view elsewhere
    widget(page, "stButtonGroup", "Cross (20 bars)").get_by_role("radio", name="death", exact=True).click()
    params = wait_for_url(page, lambda q: q.get("cross") == ["death"])
    assert params.get("cross") == ["death"], page.url
    wait_idle(page)
    want = expected("death")
    names = {"CIFR", "CLSK", "IREN", "MARA", "RIOT"}
    assert wait_grid(page, lambda t: t & names == want) & names == want
    other = new_context().new_page()
    open_app(other, page.url, chart=False)
    assert wait_grid(other, lambda t: t & names == want) & names == want
    assert query(other).get("cross") == ["death"] and query(other).get("asof") == [ASOF]


def choose(page, selectbox, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox ``selectbox``: type it into the input, wait until the list is
    filtered to that one option (role "option") and it has the keyboard focus, press Enter, and check that the
    input still says ``option`` once it has lost focus (else try again). A mouse click on the option could time
    out: the open list kept re-rendering it ("element was detached from the DOM") while Playwright waited for it
    to be stable; and Enter now and then closed the list without the pick (the input went back to the old value
    when it lost focus)."""
    box = selectbox.locator("input")
    if box.input_value() == option:  # already chosen (typing it again would not filter the list)
        return
    match = page.get_by_role("option").filter(has_text=re.compile(rf"^\s*{re.escape(option)}\s*$"))
    for attempt in range(3):  # a click that lands while the page is still settling may not open the list
        box.click()
        box.fill(option)  # the list filters to the typed text
        try:
            expect(page.get_by_role("option")).to_have_count(1, timeout=3_000)
            expect(match).to_have_attribute("data-focused", "true", timeout=1_000)  # what Enter picks
            page.keyboard.press("Enter")
            expect(page.get_by_role("option")).to_have_count(0, timeout=3_000)  # the list closed
            box.blur()  # an input left without a pick goes back to the chosen option's text
            expect(box).to_have_value(option, timeout=1_000)
            return
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def fill_position(page, symbol: str, shares: str, cost: str) -> None:
    form = page.get_by_test_id("stForm").filter(has=page.get_by_label("Shares"))
    choose(page, form.get_by_test_id("stSelectbox"), symbol)
    form.get_by_label("Shares").fill(shares)
    form.get_by_label("Average cost ($)").fill(cost)
    form.get_by_role("button", name="Save").click()
    wait_idle(page)


def test_positions_added_edited_refused_and_removed(new_context, app_url):
    page = new_context().new_page()
    open_app(page, f"{app_url}/?asof={ASOF}", chart=False)
    page.get_by_text("Your positions").click()
    fill_position(page, "MARA", "2.5", "10")
    expect(page.get_by_text("Saved: 2.5 MARA at $10.00 on average.")).to_be_visible()
    # gain (11.21 − 10) × 2.5 = 3.025, in MARA's row and the total row; $+3.03 on the page
    exported = table_csv(page)
    assert exported.loc["MARA", "Shares"] == 2.5 and exported.loc["MARA", "Gain ($)"] == pytest.approx(3.025)
    assert exported.loc["Total", "Gain ($)"] == pytest.approx(3.025)
    assert exported.loc["Total", "Market value"] == pytest.approx(11.21 * 2.5)

    fill_position(page, "MARA", "4", "10")  # an edit
    expect(page.get_by_text("Saved: 4 MARA at $10.00 on average.")).to_be_visible()
    assert table_csv(page).loc["MARA", "Gain ($)"] == pytest.approx(4.84)  # (11.21 − 10) × 4

    page.get_by_text("Your positions").click() if not page.get_by_label("Shares").is_visible() else None
    fill_position(page, "MARA", '<img src=x onerror="window.__pwned=1">', "10")
    error = page.get_by_test_id("stAlertContentError").filter(has_text=re.compile("^Shares must be a plain number"))
    expect(error).to_be_visible()
    assert page.locator("img[src=x]").count() == 0 and page.evaluate("() => window.__pwned") is None
    assert table_csv(page).loc["MARA", "Shares"] == 4  # nothing changed
    assert_no_exception(page)

    remove_box = widget(page, "stSelectbox", "Remove a position")
    if not remove_box.is_visible():
        page.get_by_text("Your positions").click()
    choose(page, remove_box, "MARA")
    page.get_by_role("button", name="Remove").click()
    wait_idle(page)
    expect(page.get_by_text("Removed the MARA position.")).to_be_visible()
    assert "Total" not in table_csv(page).index and pd.isna(table_csv(page).loc["MARA", "Shares"])
