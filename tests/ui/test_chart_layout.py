"""The chart-first figure: device classes, heights and margins, value tags on every drawn line, legible colours."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pytest

from analyst.picture import build_picture
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.project import SYMBOLS
from ui.chart import build_figure
from ui.chart_style import DEVICES, ChartStyle, device_of
from ui.palette import BACKGROUND, PALETTES, THEMES, contrast, theme_of
from ui.value_tags import tag_text
from ui.viewstate import OVERLAYS, ViewState

ACTIONS = Snapshot(BUNDLED_DIR).actions()
STYLES = [ChartStyle(theme, device, legend) for theme in THEMES for device in DEVICES for legend in (True, False)]

PHONES = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
    " Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile"
    " Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:130.0) Gecko/130.0 Firefox/130.0",
]
NOT_PHONES = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
    " Safari/605.1.15",
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
    " Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0"
    " Safari/537.36",  # an Android tablet: no "Mobile"
    "",
]


@pytest.mark.parametrize("agent", PHONES)
def test_phones_are_told_by_their_user_agent(agent: str) -> None:
    assert device_of({"User-Agent": agent}) == "phone"


@pytest.mark.parametrize("agent", NOT_PHONES)
def test_laptops_tablets_and_unknown_agents_get_the_desktop_chart(agent: str) -> None:
    assert device_of({"User-Agent": agent}) == "desktop"


def test_the_mobile_client_hint_decides_first() -> None:
    assert device_of({"Sec-CH-UA-Mobile": "?1", "User-Agent": NOT_PHONES[0]}) == "phone"
    assert device_of({"Sec-CH-UA-Mobile": "?0", "User-Agent": NOT_PHONES[0]}) == "desktop"
    assert device_of({}) == "desktop"


def test_theme_of() -> None:
    assert theme_of("dark") == "dark"
    assert theme_of("light") == "light" and theme_of(None) == "light"


@pytest.mark.parametrize("theme", THEMES)
def test_every_chart_colour_is_legible_on_its_background(theme: str) -> None:
    """Lines, markers and the value tags (written in the line's colour): at least 4.5:1 (WCAG AA, small text)."""
    for name, color in PALETTES[theme].lines().items():
        assert contrast(color, BACKGROUND[theme]) >= 4.5, (theme, name, color)


def test_contrast_matches_wcag_reference_values() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def _numbers(value: object) -> np.ndarray:
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
    return np.array([np.nan if v is None else v for v in value], dtype=float)


def spec(symbol: str, style: ChartStyle, asof: date | None = date(2025, 11, 24), **view: object) -> dict:
    picture = build_picture(symbol, read_bars(symbol), ACTIONS, asof)
    fig = build_figure(picture.frame, ACTIONS, ViewState(symbol=symbol, asof=picture.asof, **view),
                       picture=picture, style=style)
    return json.loads(fig.to_json())


@pytest.mark.parametrize("style", STYLES, ids=lambda s: f"{s.theme}-{s.device}-legend{int(s.legend)}")
def test_price_panel_takes_two_thirds_and_the_legend_a_quarter_at_most(style: ChartStyle) -> None:
    layout = spec("RIOT", style)["layout"]
    height, margin = layout["height"], layout["margin"]
    assert height == style.height
    plot = height - margin["t"] - margin["b"]
    lo, hi = layout["yaxis"]["domain"]
    assert plot * (hi - lo) >= 0.65 * height, (plot * (hi - lo), height)
    volume = layout["yaxis2"]["domain"]
    assert volume[0] == 0 and plot * (volume[1] - volume[0]) <= 0.15 * height
    legend = layout["legend"]
    assert legend["visible"] is style.legend
    assert legend["maxheight"] <= 0.25 * height  # it scrolls beyond
    assert style.device == "desktop" or height < ChartStyle(style.theme, "desktop", style.legend).height


@pytest.mark.parametrize("style", STYLES[:4], ids=lambda s: f"{s.theme}-{s.device}-legend{int(s.legend)}")
def test_margins_are_explicit_and_nothing_grows_them(style: ChartStyle) -> None:
    layout = spec("CLSK", style)["layout"]
    assert layout["margin"]["autoexpand"] is False
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        assert layout[axis]["automargin"] is False, axis
    assert layout["title"]["automargin"] is False
    assert layout["yaxis"]["fixedrange"] is True  # the tags mark the axis as drawn: zoom changes dates only
    assert layout["legend"]["itemdoubleclick"] is False


def _tags(fig: dict) -> dict[str, list[tuple[str, float]]]:
    out: dict[str, list[tuple[str, float]]] = {}
    for t in fig["data"]:
        if "legend" in t:
            out.setdefault(t["legendgroup"], []).append((tag_text(t["name"]), float(_numbers(t["y"])[0])))
    return out


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_drawn_line_has_a_tag_with_its_last_value(symbol: str) -> None:
    fig = spec(symbol, ChartStyle(), show=tuple(o for o in OVERLAYS if o not in ("Trendlines", "Levels")))
    tags = _tags(fig)
    lines = [t for t in fig["data"] if t.get("mode") == "lines" and "legend" not in t
             and not t["name"].startswith(("Volume", "Consensus high", "Consensus low"))  # no lines drawn there
             and " PT " not in t["name"]]  # the firms' target paths have no tags (their legend entries say it)
    assert {t["name"] for t in lines} >= {"EMA 20", "EMA 50", "EMA 100", "EMA 200", "SMA 20", "SMA 50", "SMA 200",
                                          "BB upper", "BB lower", "BB middle"}
    for line in lines:
        group = line.get("legendgroup", line["name"])
        value = _numbers(line["y"])[-1]
        assert any(abs(v - value) < 1e-9 for _, v in tags.get(group, [])), (line["name"], tags.get(group))
    for group, entries in tags.items():
        for text, value in entries:
            assert text.endswith(f"{value:,.2f}"), (group, text, value)


def test_key_levels_are_tags_not_labels_over_the_candles() -> None:
    fig = spec("CLSK", ChartStyle())
    shapes = fig["layout"]["shapes"]
    assert shapes and not any("label" in s for s in shapes)
    tags = _tags(fig)
    keyed = [text for entries in tags.values() for text, _ in entries if text.startswith(("S ", "R "))]
    assert len(keyed) >= 2, tags
    for shape in shapes:  # a click on the level's tag hides its zone and line too
        assert shape["legendgroup"] in tags, shape["legendgroup"]
    # the right margin holds the widest tag: no tag is written over the plot area
    layout = fig["layout"]
    for name, legend in layout.items():
        if name.startswith("legend") and name != "legend":
            assert legend["x"] == 1.0 and legend["xanchor"] == "left"
            lo, hi = layout["yaxis"]["domain"]
            assert lo <= legend["y"] <= hi
    longest = max(len(text) for entries in tags.values() for text, _ in entries)
    assert layout["margin"]["r"] >= 25 + longest * 0.6 * 11


def test_phone_tags_show_values_only_except_the_levels_side() -> None:
    tags = _tags(spec("CLSK", ChartStyle(device="phone", legend=False)))
    texts = [text for entries in tags.values() for text, _ in entries]
    assert all(t.split()[-1][0].isdigit() for t in texts)
    assert all(len(t.split()) == 1 or t.split()[0] in ("S", "R") for t in texts), texts


def test_the_title_fits_a_phone() -> None:
    assert spec("CLSK", ChartStyle(device="phone"))["layout"]["title"]["text"] == "CLSK · 2025-11-24"
    assert spec("CLSK", ChartStyle())["layout"]["title"]["text"] == "CLSK · daily · as of 2025-11-24 close"


@pytest.mark.parametrize("theme", THEMES)
def test_the_figure_uses_its_theme_palette(theme: str) -> None:
    fig = spec("MARA", ChartStyle(theme=theme))
    palette = PALETTES[theme]
    by_name = {t["name"]: t for t in fig["data"]}
    assert by_name["EMA 20"]["line"]["color"] == palette.ema[0]
    assert by_name["Price"]["increasing"]["line"]["color"] == palette.up
    used = {t["line"]["color"] for t in fig["data"] if "legend" in t}
    assert used <= set(palette.lines().values())


def test_notices_shrink_to_one_short_line_named_by_the_notice_kind(tmp_path) -> None:
    from marketdata.config import Settings
    from marketdata.notices import Notice
    from marketdata.repository import LoadResult, RefreshOutcome, Repository
    from ui.ticker_view import notice_summary

    repo = Repository(Settings(data_dir=tmp_path, offline=True, refresh_timeout=1, refresh_interval=900,
                               failure_cooldown=300))
    plain = repo.load("CIFR", refresh=False)
    assert notice_summary(plain) is None
    for outcome, label, info in (("offline", "Offline", True), ("error", "Live data unavailable", False),
                                 ("empty", "Live data unavailable", False)):
        result = repo.with_refresh(plain, RefreshOutcome("CIFR", outcome, message="timed out"))
        summary = notice_summary(result)
        assert summary is not None and (summary.label, summary.info) == (label, info)
        assert summary.notices == result.notices and len(result.notices) == 1
    rejected = repo.with_refresh(plain, RefreshOutcome("CIFR", "ok", rows_added=3, message="2 bad rows", rejected=2))
    summary = notice_summary(rejected)
    assert summary is not None and summary.label == "Bad live rows skipped"
    # a store notice and one more: counted, a warning (not everything only informs)
    store = LoadResult("CIFR", plain.bars, ("bundled snapshot",),
                       (Notice("store", "The local store could not be read (x)."),))
    summary = notice_summary(store)
    assert summary is not None and summary.label == "Store unavailable" and not summary.info
    both = repo.with_refresh(store, RefreshOutcome("CIFR", "offline"))
    summary = notice_summary(both)
    assert summary is not None and summary.label == "Data notices (2)" and not summary.info
    assert [n.info for n in summary.notices] == [False, True]
    quiet = notice_summary(repo.with_refresh(store, RefreshOutcome("CIFR", "ok")))
    assert quiet is not None and quiet.label == "Store unavailable"
