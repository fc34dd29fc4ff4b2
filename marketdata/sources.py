"""The interface a live data source implements, and the errors it raises: one class per kind of failure.

Callers decide on the class (or its :attr:`SourceError.kind`), never on the message, which is for people.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal, Protocol

import pandas as pd

FailureKind = Literal["network", "rate limit", "no data", "bad data", "source error"]


class SourceError(RuntimeError):
    """A live source failed; the message is user-facing. Subclasses say how (``kind``)."""

    kind: ClassVar[FailureKind] = "source error"


class NetworkError(SourceError):
    """The source could not be reached (connection refused, DNS, timeout, TLS)."""

    kind: ClassVar[FailureKind] = "network"


class RateLimited(SourceError):
    """The source said to slow down (HTTP 429)."""

    kind: ClassVar[FailureKind] = "rate limit"


class NoData(SourceError):
    """The source answered with no rows (an unknown symbol, or nothing new)."""

    kind: ClassVar[FailureKind] = "no data"


class BadData(SourceError):
    """The source answered with data that cannot be used (missing columns, malformed values)."""

    kind: ClassVar[FailureKind] = "bad data"


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
