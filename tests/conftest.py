"""Shared fixtures: every test runs offline against a private, empty data directory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")


@pytest.fixture(autouse=True)
def _offline_private_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("LEVELS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LEVELS_OFFLINE", "1")
    return data_dir


def read_bars(symbol: str) -> pd.DataFrame:
    """Read a bundled price CSV directly with pandas (independent of marketdata/)."""
    frame = pd.read_csv(ROOT / "data" / "prices" / f"{symbol}.csv", parse_dates=["date"], index_col="date")
    return frame.astype("float64")


def weekdays_after(day: date, count: int) -> list[date]:
    """Return the ``count`` weekdays (Mon–Fri) after ``day``."""
    out: list[date] = []
    while len(out) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


@contextmanager
def fresh_yfinance(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with a fresh yfinance state: no on-disk caches, no shared crumb/session, no retries, no proxy."""
    import yfinance
    from yfinance import cache as yf_cache
    from yfinance.data import SingletonMeta, YfData

    monkeypatch.setattr(yf_cache, "get_tz_cache", yf_cache._TzCacheDummy)
    monkeypatch.setattr(yf_cache, "get_cookie_cache", yf_cache._CookieCacheDummy)
    monkeypatch.setitem(yfinance.config.network.data, "retries", 0)
    monkeypatch.setitem(yfinance.config.network.data, "proxy", None)
    previous = SingletonMeta._instances.pop(YfData, None)
    YfData.cache_get.cache_clear()
    try:
        yield
    finally:
        YfData.cache_get.cache_clear()
        SingletonMeta._instances.pop(YfData, None)
        if previous is not None:
            SingletonMeta._instances[YfData] = previous
