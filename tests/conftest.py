"""Shared fixtures: every test runs offline against a private, empty data directory."""

from __future__ import annotations

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
