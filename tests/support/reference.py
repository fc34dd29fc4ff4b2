"""Independent reference implementations (plain Python loops, no pandas/ta) used to check indicators/."""

from __future__ import annotations

import math


def ema_reference(values: list[float], window: int) -> list[float]:
    """EMA with alpha = 2/(window+1), seeded with the first value; NaN for the first window-1 points."""
    alpha = 2.0 / (window + 1)
    out: list[float] = []
    prev = values[0]
    for i, v in enumerate(values):
        prev = v if i == 0 else alpha * v + (1 - alpha) * prev
        out.append(prev if i >= window - 1 else math.nan)
    return out


def bollinger_reference(values: list[float], window: int = 20, devs: float = 2.0) -> list[tuple[float, float, float]]:
    """(mid, upper, lower) with the simple mean and the population standard deviation over ``window``."""
    out: list[tuple[float, float, float]] = []
    for i in range(len(values)):
        if i < window - 1:
            out.append((math.nan, math.nan, math.nan))
            continue
        chunk = values[i - window + 1 : i + 1]
        mean = math.fsum(chunk) / window
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in chunk) / window)
        out.append((mean, mean + devs * sd, mean - devs * sd))
    return out


def sma_reference(values: list[float], window: int) -> list[float]:
    """Simple mean of the last ``window`` values (math.fsum); NaN for the first window-1 points."""
    return [math.fsum(values[i - window + 1 : i + 1]) / window if i >= window - 1 else math.nan
            for i in range(len(values))]
