"""Real-browser tests: shared links reproduce the ticker view, widgets keep the URL in step, bad links are safe.

Run: ``LEVELS_OFFLINE=1 .venv/bin/python -m pytest tests/browser -q -s`` (``-s`` shows the time-to-chart figures).
"""

from __future__ import annotations

import re

import pytest

from tests.support.browser import (
    TICKERS,
    assert_app_navigation,
    assert_no_exception,
    expect,
    has_trace,
    open_app,
    open_overlays,
    pick_ticker,
    query,
    query_of,
    read_chart,
    ticker_menu,
    title_contains,
    wait_for_chart,
    wait_for_url,
    widget,
)

pytestmark = pytest.mark.browser

SHARED = "/ticker?symbol=CLSK&asof=2025-11-24&range=6M&scale=log&show=EMA20&show=EMA200&show=BB&show=Targets"
ALL_OVERLAYS = ["EMA20", "EMA50", "EMA100", "EMA200", "BB", "Targets", "Volume"]
EMAS = ["EMA 20", "EMA 50", "EMA 100", "EMA 200"]
BANDS = ["BB upper", "BB lower", "BB middle"]


def _target_names(names: list[str]) -> list[str]:
    return [n for n in names if n.startswith("JPMorgan PT")]


def _expected_names(symbol: str, asof: str, range_: str, show: list[str]) -> list[str]:
    """The trace names of the same view built in this process from the bundled data (the page's own figure)."""
    from datetime import date

    from analyst.picture import build_picture
    from marketdata.config import BUNDLED_DIR
    from marketdata.snapshot import Snapshot
    from tests.support.bars import read_bars
    from ui.chart import build_figure
    from ui.viewstate import ViewState

    actions = Snapshot(BUNDLED_DIR).actions()
    picture = build_picture(symbol, read_bars(symbol), actions, date.fromisoformat(asof))
    view = ViewState(symbol=symbol, asof=picture.asof, range=range_, show=tuple(show))
    return [t.name for t in build_figure(picture.frame, actions, view, picture=picture).data]


def test_shared_link_reproduces_the_view(new_context, app_url):
    # Usually the session's first test, so this is also a direct link to a page on a fresh server.
    page = new_context().new_page()
    open_app(page, app_url + SHARED)
    assert_no_exception(page)
    assert_app_navigation(page)

    chart = read_chart(page)
    assert "CLSK" in chart.title and "2025-11-24" in chart.title, chart.title
    assert chart.price.type == "candlestick"
    assert chart.price.x[-1] == "2025-11-24", f"bars after the as-of date: last x {chart.price.x[-1]}"
    assert all(x <= "2025-11-24" for t in chart.traces if t.name in EMAS + BANDS for x in t.x)
    # 6M ending 2025-11-24 starts 2025-05-25 (first bar after Memorial Day 2025-05-26).
    assert "2025-05-25" <= chart.price.x[0] <= "2025-06-01", f"6M window starts {chart.price.x[0]}"
    assert chart.y_type == "log"
    assert all(t.visible is True for t in chart.traces), [(t.name, t.visible) for t in chart.traces]
    targets = _target_names(chart.names)
    assert len(targets) == 1, chart.names
    # The Targets overlay: firm paths, their action markers ("JPMorgan actions", the upgrade of the as-of day)
    # and the consensus.
    assert "JPMorgan actions" in chart.names and any(n.startswith("Consensus median") for n in chart.names)
    expected = _expected_names("CLSK", "2025-11-24", "6M", ["EMA20", "EMA200", "BB", "Targets"])
    assert sorted(chart.names) == sorted(expected)
    assert {"Price", *BANDS, "EMA 20", "EMA 200"} <= set(chart.names)
    assert not {"EMA 50", "EMA 100", "Volume"} & set(chart.names)

    range_group = widget(page, "stButtonGroup", "Range")
    expect(range_group.get_by_role("radio", name="6M", exact=True)).to_have_attribute("aria-checked", "true")
    assert range_group.locator('[role="radio"][aria-checked="true"]').count() == 1
    scale_group = widget(page, "stButtonGroup", "Scale")
    expect(scale_group.get_by_role("radio", name="log", exact=True)).to_have_attribute("aria-checked", "true")
    overlays = open_overlays(page)
    pressed = overlays.locator('button[aria-pressed="true"]').all_inner_texts()
    assert [p.strip() for p in pressed] == ["EMA20", "EMA200", "BB", "Targets"]
    page.keyboard.press("Escape")
    expect(overlays).to_be_hidden()

    page.get_by_test_id("stPopover").filter(has_text="Share this view").get_by_role("button").click()
    code = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode")
    expect(code).to_be_visible()
    link = code.inner_text().strip()
    assert link.startswith(app_url + "/ticker?"), link
    shared = {k: sorted(v) for k, v in query_of(link).items()}
    assert shared == {
        "symbol": ["CLSK"], "asof": ["2025-11-24"], "range": ["6M"], "scale": ["log"],
        "show": sorted(["EMA20", "EMA200", "BB", "Targets"]),
    }

    again = new_context().new_page()
    open_app(again, link)
    assert_no_exception(again)
    assert_app_navigation(again)
    copy = read_chart(again)
    assert sorted(copy.names) == sorted(chart.names)
    assert copy.price.x == chart.price.x
    assert copy.price.close == chart.price.close
    assert copy.price.x[-1] == "2025-11-24"
    assert copy.y_type == "log"
    assert copy.title == chart.title


def test_switching_ticker_updates_chart_and_url(page, app_url):
    open_app(page, app_url + "/ticker?symbol=CIFR")
    before = wait_for_chart(page, title_contains("CIFR"))
    assert query(page)["symbol"] == ["CIFR"]

    pick_ticker(page, "IREN")

    after = wait_for_chart(page, title_contains("IREN"))
    assert_no_exception(page)
    assert "IREN" in after.title and "CIFR" not in after.title
    params = wait_for_url(page, lambda q: q.get("symbol") == ["IREN"])
    assert params.get("symbol") == ["IREN"], page.url
    assert before.price.close and after.price.close, "no close values in the Price trace"
    assert after.price.close != before.price.close
    assert after.price.close[-1] != before.price.close[-1]
    expect(ticker_menu(page).get_by_role("radio", name="IREN", exact=True)).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("heading", level=1)).to_contain_text("IREN")


def test_toggling_an_overlay_updates_url_and_chart(new_context, app_url):
    page = new_context().new_page()
    open_app(page, app_url + "/ticker?symbol=MARA")
    chart = read_chart(page)
    assert {*EMAS, *BANDS, "Volume"} <= set(chart.names)
    assert "show" not in query(page), "the default overlays are not written in the URL"
    assert not {"SMA 20", "SMA 50", "SMA 200"} & set(chart.names), "simple moving averages are opt-in"

    overlays = open_overlays(page)
    options = [t.strip() for t in overlays.get_by_role("button").all_inner_texts()]
    assert set(ALL_OVERLAYS) <= set(options), options
    off = [t.strip() for t in overlays.locator('button[aria-pressed="false"]').all_inner_texts()]
    assert sorted(off) == ["SMA20", "SMA200", "SMA50"], "all overlays but the SMAs are on by default"
    ema50 = overlays.get_by_role("button", name="EMA50", exact=True)
    expect(ema50).to_have_attribute("aria-pressed", "true")
    ema50.click()

    chart = wait_for_chart(page, has_trace("EMA 50", present=False))
    assert_no_exception(page)
    assert "EMA 50" not in chart.names
    assert {"EMA 20", "EMA 100", "EMA 200", *BANDS, "Volume"} <= set(chart.names)
    expect(ema50).to_have_attribute("aria-pressed", "false")
    remaining = [o for o in options if o != "EMA50" and o not in off]
    params = wait_for_url(page, lambda q: "show" in q)
    assert sorted(params.get("show", [])) == sorted(remaining), page.url
    assert params.get("symbol") == ["MARA"]

    reloaded = new_context().new_page()
    open_app(reloaded, page.url)
    assert_no_exception(reloaded)
    chart = read_chart(reloaded)
    assert "MARA" in chart.title
    assert "EMA 50" not in chart.names
    assert {"EMA 20", "EMA 100", "EMA 200", *BANDS, "Volume"} <= set(chart.names)
    expect(open_overlays(reloaded).get_by_role("button", name="EMA50", exact=True)) \
        .to_have_attribute("aria-pressed", "false")

    # an opt-in overlay: the 50-day SMA is drawn and written in the URL once switched on
    sma50 = open_overlays(reloaded).get_by_role("button", name="SMA50", exact=True)
    expect(sma50).to_have_attribute("aria-pressed", "false")
    sma50.click()
    chart = wait_for_chart(reloaded, has_trace("SMA 50"))
    assert_no_exception(reloaded)
    assert "SMA 50" in chart.names and "EMA 50" not in chart.names
    params = wait_for_url(reloaded, lambda q: "SMA50" in q.get("show", []))
    assert "EMA50" not in params["show"]


def test_overview_and_every_ticker_page_render(new_context, app_url):
    page = new_context().new_page()
    open_app(page, app_url + "/", chart=False)
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    assert_no_exception(page)
    assert_app_navigation(page)
    # The grid is drawn on a canvas; its cells are mirrored in an accessible table (text, not visible).
    cells = table.locator('[data-testid^="glide-cell-"]')
    for symbol in TICKERS:
        expect(cells.filter(has_text=re.compile(rf"^{symbol}$")), f"{symbol} row").to_have_count(1)
        expect(cells.filter(has_text=re.compile(rf"ticker\?symbol={symbol}$")), f"{symbol} link").to_have_count(1)

    # One context for the five pages (static assets cached, as for a user going from ticker to ticker).
    context = new_context()
    timings: dict[str, float] = {}
    for symbol in TICKERS:
        ticker_page = context.new_page()
        timings[symbol] = open_app(ticker_page, f"{app_url}/ticker?symbol={symbol}")
        assert_no_exception(ticker_page)
        chart = read_chart(ticker_page)
        assert symbol in chart.title, chart.title
        assert chart.price.type == "candlestick" and len(chart.price.x) > 200
        candles = ticker_page.locator(".js-plotly-plot g.trace.boxes path")
        assert candles.count() > 200, f"{symbol}: {candles.count()} candle paths drawn"
        assert set(EMAS) <= set(chart.names), chart.names
        assert {"BB upper", "BB lower"} <= set(chart.names), chart.names
        # Default range is 1Y (to 2026-09-15): the firms' targets of the last year and their consensus are drawn.
        assert any(" PT $" in n for n in chart.names), f"{symbol}: no target path in {chart.names}"
        assert any(n.startswith("Consensus median") for n in chart.names), chart.names
        ticker_page.close()

    print("\ntime to first chart (navigation start -> .js-plotly-plot .main-svg, ms):")
    for symbol, ms in timings.items():
        print(f"  {symbol}: {ms:7.0f}")


def test_bad_link_shows_a_message_and_a_sane_view(page, app_url):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, app_url + "/ticker?symbol=%3Cscript%3Ealert(1)%3C/script%3E&asof=2031-99-99")
    assert_no_exception(page)

    alerts = page.get_by_test_id("stAlert")
    expect(alerts.filter(has_text=re.compile("not a ticker"))).to_have_count(1)
    expect(alerts.filter(has_text=re.compile("not a date"))).to_have_count(1)
    chart = read_chart(page)
    assert "CIFR" in chart.title, chart.title
    assert chart.price.x, "no bars for the fallback symbol"
    assert query(page).get("symbol") == ["CIFR"], page.url
    assert "asof" not in query(page), f"the rejected as-of date is still in the address bar: {page.url}"

    assert dialogs == [], f"injected script ran: {dialogs}"
    injected = page.evaluate(
        "() => Array.from(document.querySelectorAll('script')).filter(s => s.textContent.includes('alert(1)')).length"
    )
    assert injected == 0
    assert page.locator('[data-testid="stMain"] script').count() == 0
    assert page.locator('[data-testid="stAlert"] script').count() == 0
