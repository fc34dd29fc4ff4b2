"""Planted trendlines: synthetic daily bars whose lows touch a known rising line (log price ``A0 + SLOPE * bar``)
at chosen bars, with humps in between; for the trendline detector's tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

A0 = math.log(20.0)
SLOPE = 0.0015  # log per bar: +46 %/year
CASES = {
    3: [(50, 0.10), (120, 0.0), (190, 0.0), (260, 0.0), (330, 0.09)],
    4: [(40, 0.10), (100, 0.0), (170, 0.0), (240, 0.0), (320, 0.0)],
    6: [(60, 0.0), (115, 0.0), (170, 0.0), (225, 0.0), (280, 0.0), (335, 0.0)],
}

def excursion(n: int, troughs: list[tuple[int, float]], height: float = 0.25, start: float = 0.15,
              end: float = 0.12) -> np.ndarray:
    """Log distance above the line: piecewise linear through the troughs' depths plus a sine hump per segment."""
    pts = [(0, start), *troughs, (n - 1, end)]
    e = np.empty(n)
    for (p0, d0), (p1, d1) in itertools.pairwise(pts):
        u = (np.arange(p0, p1 + 1) - p0) / (p1 - p0)
        e[p0:p1 + 1] = d0 + (d1 - d0) * u + height * np.sin(np.pi * u)
    return e


def bars_from_log_low(log_low: np.ndarray, rng_log: float = 0.02, start: str = "2020-01-01") -> pd.DataFrame:
    """Daily bars whose lows are exp(log_low): open 40 %, close 60 % and high 100 % of a fixed log range above."""
    idx = pd.bdate_range(start, periods=len(log_low))
    low = np.exp(log_low)
    return pd.DataFrame({
        "open": np.exp(log_low + 0.4 * rng_log), "high": np.exp(log_low + rng_log), "low": low,
        "close": np.exp(log_low + 0.6 * rng_log), "volume": 1e6,
    }, index=idx)


def planted(n_touches: int, jitter: float = 0.0, seed: int = 0, n: int = 400) -> tuple[pd.DataFrame, list[int]]:
    troughs = CASES[n_touches]
    e = excursion(n, troughs)
    if jitter:
        e = e + np.random.default_rng(seed).normal(0.0, jitter, n)
    touches = [p for p, d in troughs if d == 0.0]
    return bars_from_log_low(A0 + SLOPE * np.arange(n) + e), touches


def line_log(b: float) -> float:
    return A0 + SLOPE * b
