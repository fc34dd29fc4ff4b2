"""Benchmark of indicators.trendlines against trendln: speed, planted-line recovery, false positives.

Run: ``.venv/bin/python -m benchmarks.trendlines_bench`` (needs ``requirements-bench.txt``). Prints Markdown.

* Speed: median wall time of one support detection on 1,000 and 2,500 bars (seeded random walks, and real
  bars chained from the bundled snapshot), ours next to ``trendln.calc_support_resistance`` in the same run.
  trendln is given the *log* lows (so both work in log price) and its defaults otherwise (METHOD_NUMDIFF
  extrema, METHOD_NSQUREDLOGN lines, window 125, errpct 0.005); its first call (importing findiff/sympy) is a
  warm-up and is not timed.
* Planted lines: seeded series whose lows sit on a straight log line at 3–5 touches (touch lows up to
  ~0.3 % above it); between and around them the lows follow a 2.5 %/day Brownian bridge plus a hump just
  big enough (or a random 0.1–0.3) to keep them 5 % above the line away from the touches, so the path is
  rough but meets the line only near the touches. A method recovers the line when one of its lines, at 3+
  planted touches, has a point (±2 bars) and passes within tau + 0.5 % of the planted line (tau = the case's
  tolerance, 1.5–3 %); its rank is that line's position in the method's own ordering (ours: by score, at most
  5 returned; trendln: its default sort, by area on the wrong side of the line, all lines returned).
* False positives: seeded random walks (no line planted); the share of walks where a method reports a line
  with >= 4 touches spanning >= 120 bars.
"""

from __future__ import annotations

import itertools
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.machine import cpu_model
from indicators.pivots import tolerance
from indicators.trendlines import DEFAULT_PARAMS, TrendlineParams, detect_resistance_trendlines, detect_trendlines

ROOT = Path(__file__).resolve().parent.parent
N_PLANTED = 50
N_WALKS = 100


def bars_from_logs(log_low: np.ndarray, rng: np.random.Generator, start: str = "2010-01-04") -> pd.DataFrame:
    """OHLC bars with the given log lows: random intrabar range (~3 %), open and close inside it."""
    n = len(log_low)
    rng_log = 0.03 * rng.uniform(0.5, 1.5, n)
    high = log_low + rng_log
    close = log_low + rng_log * rng.uniform(0.15, 0.85, n)
    open_ = log_low + rng_log * rng.uniform(0.15, 0.85, n)
    return pd.DataFrame({"open": np.exp(open_), "high": np.exp(high), "low": np.exp(log_low),
                         "close": np.exp(close), "volume": 1e6}, index=pd.bdate_range(start, periods=n))


def random_walk(n: int, seed: int) -> pd.DataFrame:
    """Geometric random walk, 3 % daily sigma, no drift; bars built around the closes."""
    rng = np.random.default_rng(seed)
    log_close = math.log(20.0) + np.cumsum(rng.normal(0.0, 0.03, n))
    rng_log = 0.03 * rng.uniform(0.5, 1.5, n)
    pos = rng.uniform(0.15, 0.85, n)
    log_low = log_close - rng_log * pos
    high = log_low + rng_log
    open_ = log_low + rng_log * rng.uniform(0.15, 0.85, n)
    return pd.DataFrame({"open": np.exp(open_), "high": np.exp(high), "low": np.exp(log_low),
                         "close": np.exp(log_close), "volume": 1e6}, index=pd.bdate_range("2010-01-04", periods=n))


def chained_real(n: int) -> pd.DataFrame:
    """Real bundled bars of several symbols chained end to end (each rescaled to continue the previous close)."""
    parts: list[pd.DataFrame] = []
    total = 0
    last_close = None
    for symbol in ("MARA", "RIOT", "CLSK", "IREN", "CIFR"):
        frame = pd.read_csv(ROOT / "data" / "prices" / f"{symbol}.csv", parse_dates=["date"],
                            index_col="date").astype("float64")
        if last_close is not None:
            frame[["open", "high", "low", "close"]] *= last_close / frame["open"].iloc[0]
        parts.append(frame)
        total += len(frame)
        last_close = float(frame["close"].iloc[-1])
        if total >= n:
            break
    out = pd.concat(parts).iloc[:n].reset_index(drop=True)
    out.index = pd.bdate_range("2010-01-04", periods=len(out))
    return out


def planted_case(seed: int, n: int = 1000) -> tuple[pd.DataFrame, list[int], float, float]:
    """Return bars, planted touch positions, and the planted log line (intercept, slope)."""
    rng = np.random.default_rng(10_000 + seed)
    slope = rng.uniform(-0.001, 0.002)
    intercept = math.log(rng.uniform(5.0, 100.0))
    k = int(rng.integers(3, 6))
    gaps = rng.integers(60, 161, k - 1)
    last = n - 1 - int(rng.integers(40, 151))
    touches = [*[last - int(g) for g in np.cumsum(gaps[::-1])][::-1], last]
    pts = [(0, rng.uniform(0.15, 0.3))] + [(p, 0.0) for p in touches] + [(n - 1, rng.uniform(0.06, 0.25))]
    e = np.empty(n)
    for (p0, d0), (p1, d1) in itertools.pairwise(pts):
        m = p1 - p0
        u = np.arange(m + 1) / m
        walk = np.cumsum(rng.normal(0.0, 0.025, m + 1))
        rough = d0 + (d1 - d0) * u + (walk - walk[0]) - u * (walk[-1] - walk[0])  # 2.5 %/day bridge d0 → d1
        lift = np.sqrt(np.sin(np.pi * u))
        inner = slice(1, m)
        need = float(np.max(-rough[inner] / lift[inner])) + 0.05  # smallest hump keeping the path 5 % above the line
        e[p0:p1 + 1] = rough + max(need, rng.uniform(0.1, 0.3)) * lift
    e[touches] = np.abs(rng.normal(0.0, 0.001, k))  # touch lows up to ~0.2 % above the line (still pivots)
    log_low = intercept + slope * np.arange(n) + e
    return bars_from_logs(log_low, rng), touches, intercept, slope


def matches(points: list[int], level_at: Callable[[float], float], touches: list[int], p_intercept: float,
            p_slope: float, tau: float) -> bool:
    """True when, at 3+ planted touches, the line has a point (±2 bars) and is within tau + 0.5 % of the
    planted line (tau = the case's tolerance at t, the same for both methods)."""
    hits = sum(any(abs(p - q) <= 2 for p in points) and abs(level_at(q) - (p_intercept + p_slope * q)) <= tau + 0.005
               for q in touches)
    return hits >= 3


def ours_rank(bars: pd.DataFrame, touches: list[int], icpt: float, slope: float,
              params: TrendlineParams = DEFAULT_PARAMS) -> int | None:
    tau = tolerance(bars)
    for rank, line in enumerate(detect_trendlines(bars, params=params), start=1):
        if matches(list(line.touch_positions), lambda b, x=line: x.intercept_log + x.slope_log_per_bar * b,
                   touches, icpt, slope, tau):
            return rank
    return None


def trendln_support(bars: pd.DataFrame) -> list[tuple[list[int], float, float]]:
    import trendln

    log_low = np.log(bars["low"].to_numpy())
    _extrema, _overall, lines, _windows = trendln.calc_support_resistance((log_low, None))
    return [(list(pts), float(res[0]), float(res[1])) for pts, res in lines]


def trendln_rank(bars: pd.DataFrame, touches: list[int], icpt: float, slope: float) -> int | None:
    tau = tolerance(bars)
    for rank, (pts, m, c) in enumerate(trendln_support(bars), start=1):
        if matches(pts, lambda b, m=m, c=c: c + m * b, touches, icpt, slope, tau):
            return rank
    return None


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def rank_summary(ranks: list[int | None]) -> tuple[str, str, str, str]:
    got = [r for r in ranks if r is not None]
    n = len(ranks)
    pct = lambda c: f"{100.0 * c / n:.0f} %"  # noqa: E731
    med = f"{statistics.median(got):g}" if got else "–"
    return pct(len(got)), pct(sum(r == 1 for r in got)), pct(sum(r <= 5 for r in got)), med


def main() -> None:
    import numpy as _np
    import trendln  # noqa: F401 - fail early when the benchmark requirements are missing

    try:
        from importlib.metadata import version
        trendln_version = version("trendln")
    except Exception:  # noqa: BLE001
        trendln_version = "?"
    print("## Trendline benchmark\n")
    print(f"- CPU: {cpu_model()} ({os.cpu_count()} logical cores)")
    print(f"- Python {platform.python_version()} ({sys.implementation.name}), numpy {_np.__version__}, "
          f"pandas {pd.__version__}, trendln {trendln_version}")
    trendln_support(random_walk(300, 0))  # warm-up: findiff / sympy imports

    print("\n### Speed (median wall time of one support detection)\n")
    print("| input | bars | ours (ms) | ours support+resistance (ms) | trendln (ms) | ours / trendln |")
    print("|---|---:|---:|---:|---:|---:|")
    inputs = [("random walk (seed 1)", random_walk(1000, 1)), ("random walk (seed 2)", random_walk(2500, 2)),
              ("real, chained", chained_real(1000)), ("real, chained", chained_real(2500))]
    for name, bars in inputs:
        detect_trendlines(bars)
        ours = median_ms(lambda b=bars: detect_trendlines(b), 31)
        both = median_ms(lambda b=bars: (detect_trendlines(b), detect_resistance_trendlines(b)), 15)
        theirs = median_ms(lambda b=bars: trendln_support(b), 5)
        print(f"| {name} | {len(bars):,} | {ours:.1f} | {both:.1f} | {theirs:.0f} | {ours / theirs:.3f} |")

    variants = [("ours (defaults)", DEFAULT_PARAMS),
                ("ours, rebound 3 ATR", TrendlineParams(rebound_atr=3.0)),
                ("ours, pivots w = 10", TrendlineParams(pivot_window=10))]
    cases = [planted_case(seed) for seed in range(N_PLANTED)]
    print(f"\n### Planted lines ({N_PLANTED} seeded cases, 1,000 bars, 3–5 touches)\n")
    print("| method | recovered | at rank 1 | in top 5 | median rank (recovered) |")
    print("|---|---:|---:|---:|---:|")
    for name, params in variants:
        ranks = [ours_rank(bars, touches, icpt, slope, params) for bars, touches, icpt, slope in cases]
        print(f"| {name} | " + " | ".join(rank_summary(ranks)) + " |")
    ranks = [trendln_rank(bars, touches, icpt, slope) for bars, touches, icpt, slope in cases]
    print("| trendln (defaults, log lows) | " + " | ".join(rank_summary(ranks)) + " |")

    print(f"\n### False positives ({N_WALKS} seeded random walks, 1,000 bars, no line planted)\n")
    print("| method | walks with a line of >= 4 touches, >= 120 bars | same, >= 5 touches | walks with a 3+ touch line "
          "| lines per walk |")
    print("|---|---:|---:|---:|---:|")
    walks = [random_walk(1000, 1000 + seed) for seed in range(N_WALKS)]
    pct = lambda c: f"{100.0 * c / N_WALKS:.0f} %"  # noqa: E731
    for name, params in variants:
        found = [detect_trendlines(bars, params=params) for bars in walks]
        fp4 = sum(any(x.n_touches >= 4 and x.span_bars >= 120 for x in lines) for lines in found)
        fp5 = sum(any(x.n_touches >= 5 and x.span_bars >= 120 for x in lines) for lines in found)
        conf = sum(any(x.confirmed for x in lines) for lines in found)
        per = sum(len(lines) for lines in found) / N_WALKS
        print(f"| {name}, top 5 | {pct(fp4)} | {pct(fp5)} | {pct(conf)} | {per:.1f} |")
    found_t = [[p for p, _, _ in trendln_support(bars)] for bars in walks]
    fp4 = sum(any(len(p) >= 4 and p[-1] - p[0] >= 120 for p in lines) for lines in found_t)
    fp5 = sum(any(len(p) >= 5 and p[-1] - p[0] >= 120 for p in lines) for lines in found_t)
    conf = sum(any(len(p) >= 3 for p in lines) for lines in found_t)
    per = sum(len(lines) for lines in found_t) / N_WALKS
    print(f"| trendln, all lines | {pct(fp4)} | {pct(fp5)} | {pct(conf)} | {per:.1f} |")


if __name__ == "__main__":
    main()
