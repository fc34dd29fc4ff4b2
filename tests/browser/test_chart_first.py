"""Real-browser tests of the chart-first ticker page on a phone (390 x 844) and a laptop (1280 x 720), light and dark.

The phone is Chromium's mobile emulation (``is_mobile``, touch, an Android Chrome User-Agent), so the server sees a
phone as a real one would be seen. Measured on the rendered page: where the chart starts, the legend's height, the
value tags' boxes (from the SVG), the colours actually drawn; and every control's round trip through the URL.

Run: ``LEVELS_OFFLINE=1 .venv/bin/python -m pytest tests/browser/test_chart_first.py -q``.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any

import pytest

from tests.support.browser import (
    asof_input,
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
    type_asof,
    wait_for_chart,
    wait_for_url,
    wait_idle,
    widget,
)
from tests.support.chromium import DEVICES
from ui.palette import BACKGROUND, PALETTES, contrast

pytestmark = pytest.mark.browser

VIEW = "/ticker?symbol=CLSK&asof=2025-11-24"  # every overlay on, key levels on both sides, twelve firms

_GEOMETRY = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const box = gd.getBoundingClientRect();
  const size = gd._fullLayout._size;
  const domain = gd._fullLayout.yaxis.domain;
  const tags = [];
  gd.querySelectorAll('g.infolayer > g[class^="legend"]').forEach(legend => {
    if (legend.classList.contains('legend')) return;  // the main legend; tags are legend2, legend3, ...
    legend.querySelectorAll('g.traces').forEach(entry => {
      const text = entry.querySelector('text');
      const r = text.getBoundingClientRect();
      const span = text.querySelector('tspan[style]') || text;
      tags.push({text: entry.textContent, fill: getComputedStyle(span).fill, top: r.top, bottom: r.bottom,
                 left: r.left, right: r.right});
    });
  });
  const main = gd.querySelector('g.infolayer > g.legend');
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    tags, figTop: box.top, figHeight: box.height, plotRight: box.left + size.l + size.w,
    priceTop: box.top + size.t + size.h * (1 - domain[1]), priceBottom: box.top + size.t + size.h * (1 - domain[0]),
    // the legend's box, not its scrolled content
    legendHeight: main ? main.querySelector('rect.bg').getBoundingClientRect().height : 0,
    shapeTexts: gd.querySelectorAll('.shapelayer text, .layer-above text, .layer-below text').length,
    appBackground: getComputedStyle(app).backgroundColor, paper: gd._fullLayout.paper_bgcolor,
    doubleClickDelay: gd._context.doubleClickDelay,
  };
}"""


def _hex(css: str) -> str:
    """``rgb(1, 2, 3)`` or ``#010203`` as ``#010203``."""
    if css.startswith("#"):
        return css.lower() if len(css) == 7 else "#" + "".join(c * 2 for c in css[1:4]).lower()
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _geometry(page) -> dict[str, Any]:
    page.evaluate("() => window.scrollTo(0, 0)")
    return page.evaluate(_GEOMETRY)


def _assert_tags_apart_and_off_the_candles(geo: dict[str, Any]) -> None:
    tags = sorted(geo["tags"], key=lambda t: t["top"])
    assert len(tags) >= 8, tags
    for a, b in itertools.pairwise(tags):
        assert b["top"] >= a["bottom"] - 0.5, f"tags overlap: {a['text']!r} {a['bottom']:.1f} / {b['text']!r}"
    for t in tags:
        assert t["left"] >= geo["plotRight"], f"tag {t['text']!r} over the plot ({t['left']} < {geo['plotRight']})"
        assert geo["priceTop"] - 1 <= (t["top"] + t["bottom"]) / 2 <= geo["priceBottom"] + 1, t
    assert geo["shapeTexts"] == 0, "level labels are drawn over the plot"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_the_chart_comes_first_legible_in_light_and_dark(new_context, app_url, device: str, scheme: str):
    page = new_context(color_scheme=scheme, **DEVICES[device]).new_page()
    open_app(page, app_url + VIEW)
    assert_no_exception(page)
    assert_app_navigation(page)
    height = DEVICES[device]["viewport"]["height"]
    geo = _geometry(page)
    assert geo["figTop"] < height / 2, f"the chart starts at {geo['figTop']:.0f} px of {height}"
    assert geo["doubleClickDelay"] == 20

    # the app and the chart follow the browser's light/dark choice; every tag reads on that background
    background = _hex(geo["appBackground"])
    assert background == BACKGROUND[scheme], (scheme, background)
    assert _hex(geo["paper"]) == background
    palette = set(PALETTES[scheme].lines().values())
    for tag in geo["tags"]:
        color = _hex(tag["fill"])
        assert color in palette, (tag["text"], color)
        assert contrast(color, background) >= 4.5, (tag["text"], color, background)
    _assert_tags_apart_and_off_the_candles(geo)

    # the legend: shown on a laptop, folded away on a phone; never more than a quarter of the figure
    if device == "laptop":
        assert 0 < geo["legendHeight"] <= 0.25 * geo["figHeight"], (geo["legendHeight"], geo["figHeight"])
    else:
        assert geo["legendHeight"] == 0
        assert geo["figHeight"] < 500  # the phone's shorter chart
        shown = new_context(color_scheme=scheme, **DEVICES[device]).new_page()
        open_app(shown, app_url + VIEW + "&legend=true")
        geo = _geometry(shown)
        assert 0 < geo["legendHeight"] <= 0.25 * geo["figHeight"], (geo["legendHeight"], geo["figHeight"])
        assert geo["figTop"] < height / 2
        _assert_tags_apart_and_off_the_candles(geo)


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_every_control_round_trips_through_the_url(new_context, app_url, device: str):
    page = new_context(**DEVICES[device]).new_page()
    open_app(page, app_url + "/ticker?symbol=MARA")
    legend_default = device == "laptop"

    pick_ticker(page, "IREN")
    wait_for_chart(page, title_contains("IREN"))
    assert wait_for_url(page, lambda q: q.get("symbol") == ["IREN"]).get("symbol") == ["IREN"]
    page.keyboard.press("Escape")  # closes the Ticker menu

    type_asof(page, "2025-11-24")
    wait_for_chart(page, title_contains("2025-11-24"))
    assert wait_for_url(page, lambda q: q.get("asof") == ["2025-11-24"]).get("asof") == ["2025-11-24"]

    widget(page, "stButtonGroup", "Range").get_by_role("radio", name="6M", exact=True).click()
    wait_idle(page)
    assert wait_for_url(page, lambda q: q.get("range") == ["6M"]).get("range") == ["6M"]
    assert read_chart(page).price.x[0] >= "2025-05-23"

    widget(page, "stButtonGroup", "Scale").get_by_role("radio", name="log", exact=True).click()
    wait_for_chart(page, "graph.layout.yaxis.type === 'log'")
    assert wait_for_url(page, lambda q: q.get("scale") == ["log"]).get("scale") == ["log"]

    open_overlays(page).get_by_role("button", name="EMA50", exact=True).click()
    wait_for_chart(page, has_trace("EMA 50", present=False))
    assert "EMA50" not in wait_for_url(page, lambda q: "show" in q).get("show", [])
    legend = page.get_by_test_id("stCheckbox").filter(has_text="Legend")
    legend.locator("label").first.click()  # Streamlit's toggle: a label around an input of role "switch"
    wait_for_chart(page, f"graph.layout.legend.visible === {str(not legend_default).lower()}")
    flipped = str(not legend_default).lower()
    assert wait_for_url(page, lambda q: q.get("legend") == [flipped]).get("legend") == [flipped]
    page.keyboard.press("Escape")
    chart = read_chart(page)

    page.get_by_test_id("stPopover").filter(has_text="Share this view").get_by_role("button").click()
    link = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode").inner_text().strip()
    shared = query_of(link)
    assert shared["symbol"] == ["IREN"] and shared["asof"] == ["2025-11-24"] and shared["range"] == ["6M"]
    assert shared["scale"] == ["log"] and shared["legend"] == [flipped] and "EMA50" not in shared["show"]

    for url in (page.url, link):  # the address bar and the share link both reproduce the view
        again = new_context(**DEVICES[device]).new_page()
        open_app(again, url)
        assert_no_exception(again)
        copy = read_chart(again)
        assert sorted(copy.names) == sorted(chart.names) and copy.y_type == "log"
        assert copy.price.x == chart.price.x and copy.price.x[-1] == "2025-11-24"
        expect(widget(again, "stButtonGroup", "Range").get_by_role("radio", name="6M", exact=True)) \
            .to_have_attribute("aria-checked", "true")
        expect(widget(again, "stButtonGroup", "Scale").get_by_role("radio", name="log", exact=True)) \
            .to_have_attribute("aria-checked", "true")
        expect(asof_input(again).locator('input[type="date"]')).to_have_value("2025-11-24")
        again.keyboard.press("Escape")  # closes the As of menu
        expect(ticker_menu(again).get_by_role("radio", name="IREN", exact=True)) \
            .to_have_attribute("aria-checked", "true")
        again.keyboard.press("Escape")
        assert again.evaluate("() => document.querySelector('.js-plotly-plot').layout.legend.visible") \
            is (not legend_default)
        pills = open_overlays(again)
        expect(pills.get_by_role("button", name="EMA50", exact=True)).to_have_attribute("aria-pressed", "false")
        expect(pills.get_by_role("button", name="EMA20", exact=True)).to_have_attribute("aria-pressed", "true")
        assert again.get_by_test_id("stCheckbox").filter(has_text="Legend").get_by_role("switch") \
            .is_checked() is (not legend_default)
        again.context.close()


def test_a_tag_or_legend_click_hides_its_line_in_the_browser_only(new_context, app_url):
    page = new_context(**DEVICES["laptop"]).new_page()
    open_app(page, app_url + "/ticker?symbol=RIOT")
    before = dict(query(page))
    visible = "document.querySelector('.js-plotly-plot').data.filter(d => d.legendgroup === 'EMA 50')" \
              ".map(d => d.visible === undefined ? true : d.visible)"
    tag = page.locator(".js-plotly-plot g.infolayer > g[class^=legend]:not(.legend) g.traces") \
        .filter(has_text=re.compile(r"^(S |R )?EMA50 ")).locator("[class$=toggle]")
    tag.click()
    page.wait_for_function(f"() => {visible}.every(v => v === 'legendonly')")
    assert page.evaluate(f"() => {visible}") == ["legendonly", "legendonly"]  # the line and its tag
    tag.click()
    page.wait_for_function(f"() => {visible}.every(v => v === true)")
    entry = page.locator(".js-plotly-plot g.infolayer > g.legend g.traces").filter(has_text="EMA 50") \
        .locator(".legendtoggle")
    entry.click()
    page.wait_for_function(f"() => {visible}.every(v => v === 'legendonly')")
    assert query(page) == before, "a legend or tag click is not in the URL (the pills are)"
    chart = read_chart(page)
    assert "EMA 50" in chart.names  # still in the figure, hidden in this browser only


def test_a_phone_is_served_a_shorter_chart_without_the_legend(new_context, app_url):
    sizes = {}
    for device in ("phone", "laptop"):
        page = new_context(**DEVICES[device]).new_page()
        open_app(page, app_url + "/ticker?symbol=CIFR")
        sizes[device] = page.evaluate(
            "() => { const l = document.querySelector('.js-plotly-plot').layout;"
            " return [l.height, l.legend.visible, l.title.text.replace(/<[^>]*>/g, '')]; }")
    assert sizes["phone"][0] < sizes["laptop"][0]
    assert sizes["phone"][1] is False and sizes["laptop"][1] is True
    assert sizes["phone"][2].startswith("CIFR · ") and date.fromisoformat(sizes["phone"][2].split(" · ")[1])


def test_a_ticker_switch_redraws_the_whole_body_and_back_returns_to_the_previous_ticker(new_context, app_url):
    # The page body is a fragment: a switch reruns it alone, so everything that names the ticker must be in it.
    page = new_context(**DEVICES["laptop"]).new_page()
    open_app(page, app_url + "/ticker?symbol=IREN")
    pick_ticker(page, "MARA")
    wait_for_chart(page, title_contains("MARA"))
    wait_idle(page)
    assert query(page).get("symbol") == ["MARA"]
    expect(page.get_by_role("heading", level=1)).to_have_text("MARA technical levels")
    last_bar = read_chart(page).price.x[-1]  # MARA's last bundled bar is not IREN's
    expect(page.get_by_role("heading", name=f"Brief · {last_bar}")).to_be_visible()
    expect(page.get_by_test_id("stMarkdown").filter(has_text=re.compile(r"\bMARA\b")).first).to_be_visible()

    page.go_back()
    wait_for_chart(page, title_contains("IREN"))
    wait_idle(page)
    assert query(page).get("symbol") == ["IREN"]
    expect(page.get_by_role("heading", level=1)).to_have_text("IREN technical levels")
    assert read_chart(page).price.x[-1] != last_bar
    expect(ticker_menu(page).get_by_role("radio", name="IREN", exact=True)).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("heading", name=f"Brief · {read_chart(page).price.x[-1]}")).to_be_visible()


_SCRIPTS = "() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop().split('.')[0])"


def test_the_ticker_and_as_of_menus_load_their_code_only_when_opened(new_context, app_url):
    # Time to chart: a visit loads no selectbox or date-picker code before the chart (Streamlit 1.67's script
    # chunks; streamlit is pinned in requirements.txt). Opening a menu loads its widget's code.
    page = new_context(**DEVICES["laptop"]).new_page()
    open_app(page, app_url + "/ticker?symbol=CLSK")
    loaded = page.evaluate(_SCRIPTS)
    assert "PlotlyChart" in loaded and "ButtonGroup" in loaded
    assert not {"Selectbox", "DateInput", "DateField"} & set(loaded), loaded
    ticker_menu(page)
    page.keyboard.press("Escape")
    asof_input(page)
    loaded = page.evaluate(_SCRIPTS)
    assert {"DateInput", "DateField"} <= set(loaded) and "Selectbox" not in loaded, loaded
