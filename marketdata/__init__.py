"""Data access for the dashboard: bundled snapshot, local SQLite store and the yfinance source.

Pages and the CLI use :class:`marketdata.repository.Repository`; nothing else should open files,
the database or the network directly.
"""

from marketdata.repository import LoadResult, Repository, default_repository
from marketdata.symbols import DEFAULT_UNIVERSE, InvalidSymbol, normalize_symbol

__all__ = [
    "DEFAULT_UNIVERSE",
    "InvalidSymbol",
    "LoadResult",
    "Repository",
    "default_repository",
    "normalize_symbol",
]
