"""How well the levels engine agrees with published chart readings, next to a naive baseline.

Run: ``.venv/bin/python -m benchmarks.levels_agreement [--detail]`` (offline, bundled bars). Prints Markdown.

Data: ``benchmarks/data/reference_readings.json`` (21 readings: ticker, as-of date, the levels a writer named).
Every figure uses only bars up to the reading's as-of date, and our close on that bar.

Reading side (what a writer named):

* **Price levels** are the named values of kind support, resistance, zone, breakout level, swing high/low,
  neckline and trendline support/resistance (moving averages, Bollinger values, targets, stops, patterns are
  not price levels of this kind). A value is a point or a ``[low, high]`` zone. Its side comes from where it
  lies against our close: a zone's middle below the close is a support (a broken resistance is a support).
* **Trendlines** are the named trendline support/resistance, with their direction (rising/falling).

Metrics (each reading where the quantity exists counts once):

* **Nearest support agreement**: the reading's highest support below the close against the method's immediate
  support: a match when the two overlap or lie within 5 % (the gap between them / the reading's value).
  **Nearest resistance** likewise (the reading's lowest resistance above the close). **Combined** = matches /
  cases over both sides.
* **Listed recall**: the share of the reading's price levels within ±40 % of the close that something the
  method lists (levels, trendline values, moving averages, bands) lies within 3.5 % of.
* **Trendline recall**: the share of the reading's trendlines matched by a listed line of the same side and
  direction that is not broken, within 8 % of the reading's value or, when it names none, within 15 % of the close.
* **Items beyond ±40 %**: horizontal levels and trendlines the method lists priced more than 40 % from the close.
* **Level prices in the brief**: dollar amounts in the brief other than the close, the day's change and
  analyst targets (the project only).

The **baseline** is the naive reading of a chart: swing highs and lows with a 10-bar window (pivots confirmed
10 bars later) over the last 252 bars, the 52-week high and low, and the four EMAs; its immediate support is
the highest of those below the close and its immediate resistance the lowest above.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analyst.brief import write_brief
from analyst.cli import picture_json
from analyst.picture import TechnicalPicture, build_picture
from indicators.asof import indicator_frame
from indicators.pivots import pivot_highs, pivot_lows
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot

READINGS = Path(__file__).resolve().parent / "data" / "reference_readings.json"
PRICE_KINDS = frozenset({"support", "resistance", "zone", "breakout level", "swing high", "swing low", "neckline",
                         "trendline support", "trendline resistance"})
MATCH_PCT = 5.0  # nearest support/resistance: overlap or within 5 %
RECALL_PCT = 3.5  # listed recall: something listed within 3.5 %
RELEVANT_PCT = 40.0  # reading levels and listed items within ±40 % of the close
LINE_VALUE_PCT = 8.0  # trendline with a value: within 8 % of it
LINE_CLOSE_PCT = 15.0  # trendline without a value: within 15 % of the close
BASELINE_WINDOW = 10
BASELINE_LOOKBACK = 252
MONEY = re.compile(r"\$([0-9][0-9,]*\.[0-9]{2})")

Zone = tuple[float, float]


@dataclass(frozen=True)
class ReadingLine:
    side: str  # support | resistance
    direction: str | None  # rising | falling | None
    value: float | None


@dataclass(frozen=True)
class Reading:
    id: str
    ticker: str
    asof: date
    levels: tuple[Zone, ...]  # price levels (point = zero-width zone)
    lines: tuple[ReadingLine, ...]


@dataclass(frozen=True)
class ListedLine:
    side: str
    direction: str  # ascending | flat | descending
    broken: bool
    level: float


@dataclass(frozen=True)
class Answer:
    """What one method says as of a reading's date."""

    support: Zone | None
    resistance: Zone | None
    listed: tuple[Zone, ...]  # every price the method lists (levels, lines, moving averages, bands)
    lines: tuple[ListedLine, ...]
    beyond: int  # horizontal levels and trendlines listed beyond ±40 % of the close
    brief_prices: int | None  # level prices named in the brief (None: the method writes no brief)


def load_readings(path: Path = READINGS) -> list[Reading]:
    """Return the readings of ``path`` as :class:`Reading` records (price levels and trendlines only)."""
    out = []
    for raw in json.loads(path.read_text()):
        levels: list[Zone] = []
        lines: list[ReadingLine] = []
        for item in raw["levels"]:
            kind, value = item["kind"], item["value"]
            zone = _zone(value)
            if kind.startswith("trendline"):
                lines.append(ReadingLine(kind.split()[-1], item.get("direction"),
                                         None if zone is None else (zone[0] + zone[1]) / 2))
            if kind in PRICE_KINDS and zone is not None:
                levels.append(zone)
        out.append(Reading(raw["id"], raw["ticker"], date.fromisoformat(raw["asof"]), tuple(levels), tuple(lines)))
    return out


def _zone(value: object) -> Zone | None:
    if value is None:
        return None
    if isinstance(value, list):
        return float(min(value)), float(max(value))
    return float(value), float(value)


def gap_pct(a: Zone, b: Zone) -> float:
    """Return the gap between zones ``a`` and ``b`` in % of ``b``'s middle (0 when they overlap)."""
    gap = max(a[0] - b[1], b[0] - a[1], 0.0)
    return gap / ((b[0] + b[1]) / 2) * 100.0


# --------------------------------------------------------------------------------------------------------------
# The two methods


def project_answer(picture: TechnicalPicture) -> Answer:
    """Return the project's answer: what its CLI JSON lists and names as immediate, and its brief."""
    data = picture_json(picture, "bundled")
    close = picture.snapshot.close

    def zone(obj: dict | None) -> Zone | None:
        return None if obj is None else (float(obj["zone_low"]), float(obj["zone_high"]))

    levels = [*data["levels"]["supports"], *data["levels"]["resistances"]]
    lines = [*data["trendlines"]["support"], *data["trendlines"]["resistance"]]
    listed: list[Zone] = [(float(lv["zone_low"]), float(lv["zone_high"])) for lv in levels]
    listed += [(float(ln["level"]), float(ln["level"])) for ln in lines]
    listed += [(float(v), float(v)) for v in data["indicators"].values() if v is not None]
    beyond = sum(abs(float(p) / close - 1.0) * 100.0 > RELEVANT_PCT
                 for p in [lv["price"] for lv in levels] + [ln["level"] for ln in lines])
    return Answer(
        support=zone(data.get("immediate_support")), resistance=zone(data.get("immediate_resistance")),
        listed=tuple(listed),
        lines=tuple(ListedLine(ln["kind"], ln["direction"], ln["status"] == "broken", float(ln["level"]))
                    for ln in lines),
        beyond=beyond, brief_prices=brief_level_prices(picture),
    )


def brief_level_prices(picture: TechnicalPicture) -> int:
    """Return how many distinct dollar amounts the brief names, besides the price sentence and analyst targets."""
    named: set[str] = set()
    for topic, sentence in write_brief(picture).sentences:
        if topic in ("price", "analyst", "consensus"):
            continue
        named |= set(MONEY.findall(sentence))
    return len(named)


def baseline_answer(bars: pd.DataFrame) -> Answer:
    """Return the naive baseline's answer on ``bars`` (already cut at the as-of date)."""
    close = float(bars["close"].iloc[-1])
    recent = bars.iloc[-BASELINE_LOOKBACK:]
    high, low = recent["high"].to_numpy(), recent["low"].to_numpy()
    prices = [*high[pivot_highs(high, BASELINE_WINDOW)], *low[pivot_lows(low, BASELINE_WINDOW)],
              float(high.max()), float(low.min())]
    frame = indicator_frame(bars)
    prices += [float(v) for v in frame.iloc[-1][["ema_20", "ema_50", "ema_100", "ema_200"]] if math.isfinite(v)]
    below = [p for p in prices if p < close]
    above = [p for p in prices if p > close]
    return Answer(
        support=(max(below), max(below)) if below else None,
        resistance=(min(above), min(above)) if above else None,
        listed=tuple((float(p), float(p)) for p in prices), lines=(),
        beyond=sum(abs(p / close - 1.0) * 100.0 > RELEVANT_PCT for p in prices), brief_prices=None,
    )


# --------------------------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class Score:
    """One method on one reading: None where the reading has nothing to compare."""

    support: bool | None
    resistance: bool | None
    recall: tuple[int, int]  # (matched, total) reading price levels within ±40 %
    lines: tuple[int, int]  # (matched, total) reading trendlines
    beyond: int
    brief_prices: int | None


def score(reading: Reading, close: float, answer: Answer) -> Score:
    """Return the :class:`Score` of ``answer`` on ``reading`` (``close``: our close on the as-of bar)."""
    below = [z for z in reading.levels if (z[0] + z[1]) / 2 < close]
    above = [z for z in reading.levels if (z[0] + z[1]) / 2 > close]
    support = resistance = None
    if below:
        want = max(below, key=lambda z: z[1])
        support = answer.support is not None and gap_pct(answer.support, want) <= MATCH_PCT
    if above:
        want = min(above, key=lambda z: z[0])
        resistance = answer.resistance is not None and gap_pct(answer.resistance, want) <= MATCH_PCT
    near = [z for z in reading.levels if abs((z[0] + z[1]) / 2 / close - 1.0) * 100.0 <= RELEVANT_PCT]
    hits = sum(any(gap_pct(item, z) <= RECALL_PCT for item in answer.listed) for z in near)
    line_hits = sum(_line_matched(line, close, answer.lines) for line in reading.lines)
    return Score(support, resistance, (hits, len(near)), (line_hits, len(reading.lines)), answer.beyond,
                 answer.brief_prices)


def _line_matched(want: ReadingLine, close: float, lines: tuple[ListedLine, ...]) -> bool:
    direction = {"rising": "ascending", "falling": "descending"}.get(want.direction or "")
    for line in lines:
        if line.side != want.side or line.broken or (direction is not None and line.direction != direction):
            continue
        ref, pct = (want.value, LINE_VALUE_PCT) if want.value is not None else (close, LINE_CLOSE_PCT)
        if abs(line.level / ref - 1.0) * 100.0 <= pct:
            return True
    return False


@dataclass(frozen=True)
class Summary:
    support: tuple[int, int]
    resistance: tuple[int, int]
    recall: tuple[int, int]
    lines: tuple[int, int]
    beyond_median: float
    beyond_total: int
    brief_median: float | None

    @property
    def combined(self) -> float:
        n = self.support[1] + self.resistance[1]
        return (self.support[0] + self.resistance[0]) / n if n else math.nan


def summarize(scores: list[Score]) -> Summary:
    """Return the totals of ``scores`` (one per reading)."""
    def count(values: list[bool | None]) -> tuple[int, int]:
        known = [v for v in values if v is not None]
        return sum(known), len(known)

    briefs = [s.brief_prices for s in scores if s.brief_prices is not None]
    return Summary(
        support=count([s.support for s in scores]), resistance=count([s.resistance for s in scores]),
        recall=(sum(s.recall[0] for s in scores), sum(s.recall[1] for s in scores)),
        lines=(sum(s.lines[0] for s in scores), sum(s.lines[1] for s in scores)),
        beyond_median=float(statistics.median(s.beyond for s in scores)),
        beyond_total=sum(s.beyond for s in scores),
        brief_median=float(statistics.median(briefs)) if briefs else None,
    )


@dataclass(frozen=True)
class Run:
    readings: list[Reading]
    closes: list[float]
    project: list[Score]
    baseline: list[Score]
    project_answers: list[Answer]
    baseline_answers: list[Answer]
    ms_per_picture: float


def run(readings: list[Reading] | None = None,
        build: Callable[[str, pd.DataFrame, pd.DataFrame, date], TechnicalPicture] = build_picture) -> Run:
    """Score the project and the baseline on every reading (bundled bars, as of each reading's date)."""
    readings = readings if readings is not None else load_readings()
    snap = Snapshot(BUNDLED_DIR)
    actions = snap.actions()
    bars_of = {t: snap.bars(t) for t in sorted({r.ticker for r in readings})}
    closes, project, baseline, pa, ba, seconds = [], [], [], [], [], []
    for reading in readings:
        bars = bars_of[reading.ticker]
        cut = bars.loc[: pd.Timestamp(reading.asof)]
        start = time.perf_counter()
        picture = build(reading.ticker, bars, actions, reading.asof)
        seconds.append(time.perf_counter() - start)
        close = picture.snapshot.close
        answer, naive = project_answer(picture), baseline_answer(cut)
        closes.append(close)
        pa.append(answer)
        ba.append(naive)
        project.append(score(reading, close, answer))
        baseline.append(score(reading, close, naive))
    return Run(readings, closes, project, baseline, pa, ba, float(np.median(seconds)) * 1000.0)


def _ratio(pair: tuple[int, int]) -> str:
    return f"{pair[0] / pair[1]:.2f} ({pair[0]}/{pair[1]})" if pair[1] else "—"


def report(result: Run, detail: bool = False) -> str:
    """Return the Markdown table of a :func:`run` (and, with ``detail``, one row per reading)."""
    ours, naive = summarize(result.project), summarize(result.baseline)
    rows = [
        ("Nearest support agreement", _ratio(ours.support), _ratio(naive.support)),
        ("Nearest resistance agreement", _ratio(ours.resistance), _ratio(naive.resistance)),
        ("Combined nearest S/R agreement",
         f"{ours.combined:.2f}", f"{naive.combined:.2f}"),
        ("Listed recall (within 3.5 %)", _ratio(ours.recall), _ratio(naive.recall)),
        ("Trendline recall", _ratio(ours.lines), _ratio(naive.lines)),
        ("Items listed beyond ±40 % (median per reading / total)",
         f"{ours.beyond_median:g} / {ours.beyond_total}", f"{naive.beyond_median:g} / {naive.beyond_total}"),
        ("Level prices named in the brief (median)",
         f"{ours.brief_median:g}" if ours.brief_median is not None else "—", "—"),
    ]
    out = [f"Levels agreement on {len(result.readings)} published readings (bundled bars, as of each reading)", "",
           "| Metric | Project | Baseline |", "|---|---:|---:|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    out += ["", f"Whole picture (build_picture), median per ticker and date: {result.ms_per_picture:.1f} ms"]
    if detail:
        out += ["", "| Reading | Close | Reading S / R | Project S / R | Baseline S / R |", "|---|---:|---|---|---|"]
        for r, close, pa, ba, ps, bs in zip(result.readings, result.closes, result.project_answers,
                                            result.baseline_answers, result.project, result.baseline, strict=True):
            below = [z for z in r.levels if (z[0] + z[1]) / 2 < close]
            above = [z for z in r.levels if (z[0] + z[1]) / 2 > close]
            want = (_fmt(max(below, key=lambda z: z[1])) if below else "—",
                    _fmt(min(above, key=lambda z: z[0])) if above else "—")
            out.append(f"| {r.id} | {close:.2f} | {want[0]} / {want[1]} | {_fmt(pa.support)}{_mark(ps.support)} / "
                       f"{_fmt(pa.resistance)}{_mark(ps.resistance)} | {_fmt(ba.support)}{_mark(bs.support)} / "
                       f"{_fmt(ba.resistance)}{_mark(bs.resistance)} |")
    return "\n".join(out)


def _fmt(zone: Zone | None) -> str:
    if zone is None:
        return "—"
    return f"{zone[0]:.2f}" if zone[1] - zone[0] < 0.005 else f"{zone[0]:.2f}–{zone[1]:.2f}"


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.levels_agreement", description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="one row per reading")
    args = parser.parse_args(argv)
    print(report(run(), detail=args.detail))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
