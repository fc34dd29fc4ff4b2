"""Ticker symbols: the default universe and validation of user-supplied symbols."""

from __future__ import annotations

import re

DEFAULT_UNIVERSE: tuple[str, ...] = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")

SYMBOL_PATTERN = re.compile(r"^[A-Z0-9.^=-]{1,15}$")


class InvalidSymbol(ValueError):
    """Raised when a string is not an acceptable ticker symbol; the message is user-facing."""


def normalize_symbol(raw: object) -> str:
    """Return ``raw`` stripped and upper-cased if it is a valid symbol.

    Valid symbols match ``^[A-Z0-9.^=-]{1,15}$`` after upper-casing (e.g. ``BRK.B``, ``^GSPC``,
    ``BTC-USD``). Raises :class:`InvalidSymbol` with a message naming the problem otherwise.
    """
    if not isinstance(raw, str):
        raise InvalidSymbol("symbol: expected text")
    text = raw.strip().upper()
    if not text:
        raise InvalidSymbol("symbol: empty")
    if not SYMBOL_PATTERN.fullmatch(text):
        shown = text[:20] + ("…" if len(text) > 20 else "")
        raise InvalidSymbol(
            f"symbol: {shown!r} is not a ticker (1-15 characters: letters, digits, . ^ = -)"
        )
    return text
