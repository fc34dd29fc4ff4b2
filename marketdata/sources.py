"""The interface a live data source implements, and the error it raises."""

from __future__ import annotations

from datetime import date
from typing import Protocol

import pandas as pd


class SourceError(RuntimeError):
    """A live source failed (network, rate limit, empty answer, malformed data); the message is user-facing."""


class RateLimited(SourceError):
    """The source said to slow down (HTTP 429)."""


class LiveSource(Protocol):
    """A live source of daily bars and analyst actions."""

    name: str

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        """Return daily bars from ``start`` (whole history when None) with columns open..volume.

        Raises :class:`SourceError` on failure, including an empty answer.
        """
        ...

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        """Return the symbol's analyst actions as an actions frame; raises :class:`SourceError`."""
        ...
