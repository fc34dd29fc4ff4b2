"""Dollar amounts as text: the one place their format is decided (brief, command line, chart labels, tables)."""

from __future__ import annotations

import math


def usd(value: float) -> str:
    """Return ``$1,234.56``: thousands separators and always two decimals (the brief's and the CLI's prices)."""
    return f"${value:,.2f}"


def money(value: float | None, cents: bool = True) -> str:
    """Return ``$12`` for whole dollars (or for any value, rounded, when ``cents`` is False), else :func:`usd`'s
    ``$12.50``; ``—`` for a missing value (None or NaN). Used for analyst targets on labels and in tables."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if not cents or float(value).is_integer():
        return f"${value:,.0f}"
    return usd(value)
