"""The Targets overlay: firm paths, markers, consensus; as-of correct, escaped, legible with many firms."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from analyst.picture import build_picture
from analyst.targets import consensus
from indicators.asof import indicator_frame
from marketdata.actions import merge_actions, normalize_actions
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from ui.chart import build_figure
from ui.targets_chart import MAX_FIRMS
from ui.viewstate import ViewState

ACTIONS = Snapshot(BUNDLED_DIR).actions()


def spec(symbol: str, asof: date, actions: pd.DataFrame = ACTIONS, rng: str = "1Y") -> dict:
    frame = indicator_frame(read_bars(symbol), asof)
    view = ViewState(symbol=symbol, asof=asof, range=rng)
    return json.loads(build_figure(frame, actions, view).to_json())


def _ys(value: object) -> np.ndarray:
    import base64

    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.array([np.nan if v is None else v for v in value], dtype="float64")


def target_traces(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if " PT " in t["name"] or t["name"].endswith(" actions")
            or t["name"].startswith("Consensus")]


def test_riot_draws_ten_firms_or_more_and_nothing_after_asof() -> None:
    asof = date(2025, 11, 24)
    fig = spec("RIOT", asof)
    firms = [t["name"] for t in fig["data"] if " PT " in t["name"]]
    assert 10 <= len(firms) <= MAX_FIRMS
    for trace in target_traces(fig):
        xs = [x for x in trace["x"] if x is not None]
        assert max(xs) <= "2025-11-24", trace["name"]
    by_name = {t["name"]: t for t in fig["data"]}
    median = next(t for n, t in by_name.items() if n.startswith("Consensus median"))
    expected = consensus(ACTIONS, "RIOT", asof)
    assert median["name"] == f"Consensus median ({expected.n} live targets)"
    assert _ys(median["y"])[-1] == expected.median
    assert _ys(by_name["Consensus high"]["y"])[-1] == expected.high
    assert _ys(by_name["Consensus low"]["y"])[-1] == expected.low


def test_later_actions_change_nothing() -> None:
    asof = date(2025, 6, 2)
    later = ACTIONS[ACTIONS["date"] > pd.Timestamp(asof)]
    assert len(later)
    assert spec("CIFR", asof) == spec("CIFR", asof, ACTIONS[ACTIONS["date"] <= pd.Timestamp(asof)])


def test_firm_paths_step_at_each_target() -> None:
    # JPMorgan on CIFR: 2025-07-28 $6, 2025-09-26 $6 -> $12, 2025-11-24 $12 -> $18 (window 2025-06-02 .. 2025-11-24)
    fig = spec("CIFR", date(2025, 11, 24), rng="6M")
    jpm = next(t for t in fig["data"] if t["name"].startswith("JPMorgan PT $18"))
    assert jpm["line"]["shape"] == "hv"
    points = [(x, y) for x, y in zip(jpm["x"], _ys(jpm["y"]), strict=True) if x is not None]
    assert ("2025-09-26", 12.0) in points and ("2025-11-24", 18.0) in points and ("2025-07-28", 6.0) in points
    assert points[-1] == ("2025-11-24", 18.0)
    marks = next(t for t in fig["data"] if t["name"] == "JPMorgan actions")
    assert "2025-11-24" in marks["x"]
    up = marks["marker"]["symbol"][marks["x"].index("2025-11-24")]
    assert up == "triangle-up"  # the upgrade to Overweight


def test_hostile_text_is_escaped_and_user_rows_are_marked() -> None:
    hostile = normalize_actions(pd.DataFrame([{
        "date": "2025-11-20", "ticker": "CIFR", "firm": "<img src=x onerror=alert(1)>", "action": "initiate",
        "analysts": "<script>alert(1)</script>", "rating_to": "<b>Buy</b>", "target_to": 20,
        "source": "javascript:alert(1)", "note": "%{x} <a href='javascript:alert(1)'>x</a>",
    }]), origin="user")
    fig = spec("CIFR", date(2025, 11, 24), merge_actions(ACTIONS, hostile))
    text = json.dumps(target_traces(fig))
    assert "<img" not in text and "<script" not in text and "<b>" not in text and "<a " not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    marks = next(t for t in fig["data"] if t["name"].endswith(" actions") and "img" in t["name"])
    assert marks["marker"]["symbol"] == ["diamond"]
    assert "user-entered" in marks["hovertext"][0] and "source: javascript:alert(1)" in marks["hovertext"][0]
    assert "%{" not in marks["hovertemplate"].replace("%{hovertext}", "")


def test_at_most_max_firms_are_drawn_and_all_count_in_the_consensus() -> None:
    rows = [{"date": f"2025-{1 + i % 10:02d}-{10 + i:02d}", "ticker": "RIOT", "firm": f"Firm {i:02d}",
             "action": "initiate", "rating_to": "Buy", "target_to": 10 + i} for i in range(18)]
    many = normalize_actions(pd.DataFrame(rows), origin="bundled")
    asof = date(2025, 11, 24)
    fig = spec("RIOT", asof, many)
    drawn = [t["name"] for t in fig["data"] if " PT " in t["name"]]
    assert len(drawn) == MAX_FIRMS
    latest = many.groupby("firm")["date"].max().sort_values(ascending=False).index[:MAX_FIRMS]
    assert {n.split(" PT ")[0] for n in drawn} == set(latest)
    median = next(t for t in fig["data"] if t["name"].startswith("Consensus median"))
    assert median["name"] == "Consensus median (18 live targets)"


def test_every_price_the_brief_names_for_the_consensus_is_drawn() -> None:
    asof = date(2025, 11, 24)
    picture = build_picture("RIOT", read_bars("RIOT"), ACTIONS, asof)
    c = picture.consensus
    assert c is not None and c.n >= 10
    assert {round(c.median, 2), round(c.high, 2), round(c.low, 2)} <= picture.chart_prices()
