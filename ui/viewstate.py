"""The ticker page's view state and its URL encoding.

URL scheme (path ``/ticker``)::

    symbol=CLSK            ticker (validated: ^[A-Z0-9.^=-]{1,15}$)
    asof=2025-11-24        ISO date; the view is as of that day's close (absent: latest bar)
    range=1Y               1M 3M 6M YTD 1Y 2Y All (default 1Y)
    scale=log              linear | log (default linear)
    show=EMA20&show=BB     overlays, repeated key (EMA20 EMA50 EMA100 EMA200 SMA20 SMA50 SMA200 BB Targets
                           Trendlines Levels Crosses Volume); absent = the defaults (all but the SMAs);
                           ``show=`` (empty) = none
    legend=false           the chart's legend: true | false (absent: the device's default, shown on a laptop,
                           hidden on a phone; the value tags are always drawn)

Keys equal to their default may be left out (Streamlit strips them from the address bar); unknown
keys are ignored. Given more than once, ``symbol``, ``asof`` and ``legend`` take the last value, ``range`` and
``scale`` the first (what Streamlit 1.67's bound widgets do); option values must match exactly (case included), as
for Streamlit's widgets bound to query params; ``legend`` takes ``true``/``false`` in any case and an empty value
as absent, as Streamlit's bound toggle does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from indicators.moving_averages import EMA_WINDOWS, SMA_WINDOWS
from indicators.windows import RANGE_PRESETS
from marketdata.symbols import DEFAULT_UNIVERSE, InvalidSymbol, normalize_symbol

_EMA_OVERLAYS = tuple(f"EMA{w}" for w in EMA_WINDOWS)  # the windows' one owner: indicators.moving_averages
_SMA_OVERLAYS = tuple(f"SMA{w}" for w in SMA_WINDOWS)
OVERLAYS: tuple[str, ...] = (
    *_EMA_OVERLAYS, *_SMA_OVERLAYS, "BB", "Targets", "Trendlines", "Levels", "Crosses", "Volume",
)
#: Overlays shown when the URL says nothing: every one but the simple moving averages (opt-in).
DEFAULT_OVERLAYS: tuple[str, ...] = tuple(o for o in OVERLAYS if o not in _SMA_OVERLAYS)
SCALES: tuple[str, ...] = ("linear", "log")
DEFAULT_RANGE = "1Y"
KEYS: tuple[str, ...] = ("symbol", "asof", "range", "scale", "show", "legend")
BOOLEANS: dict[str, bool] = {"true": True, "false": False}  # how Streamlit writes a bound toggle (any case)

QueryValue = str | list[str]


def _last(value: QueryValue) -> str:
    return value[-1] if isinstance(value, list) else value


def _first(value: QueryValue) -> str:
    return (value[0] if value else "") if isinstance(value, list) else value


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso_date(text: str) -> date:
    """Return the date of ``YYYY-MM-DD`` text; raise ValueError for anything else (no week or ordinal forms)."""
    if not ISO_DATE.fullmatch(text):
        raise ValueError(f"not a YYYY-MM-DD date: {text!r}")
    return date.fromisoformat(text)


def shown_value(text: str, limit: int = 40) -> str:
    """Return ``text`` quoted for a message: non-printable characters as ``?``, cut at ``limit`` characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return repr(clean[:limit] + ("…" if len(clean) > limit else ""))


@dataclass(frozen=True)
class ViewState:
    """Everything that determines what the ticker page shows."""

    symbol: str = DEFAULT_UNIVERSE[0]
    asof: date | None = None
    range: str = DEFAULT_RANGE
    scale: str = "linear"
    show: tuple[str, ...] = field(default=DEFAULT_OVERLAYS)
    legend: bool | None = None  # None: the device's default

    def shows(self, overlay: str) -> bool:
        """Return whether ``overlay`` (one of :data:`OVERLAYS`) is switched on."""
        return overlay in self.show

    def to_query(self) -> dict[str, QueryValue]:
        """Return the query parameters for this view (every key written, so the link is explicit)."""
        query: dict[str, QueryValue] = {"symbol": self.symbol}
        if self.asof is not None:
            query["asof"] = self.asof.isoformat()
        query["range"] = self.range
        query["scale"] = self.scale
        query["show"] = list(self.show) if self.show else ""
        if self.legend is not None:
            query["legend"] = "true" if self.legend else "false"
        return query

    def to_url(self, base: str = "") -> str:
        """Return ``base`` + ``/ticker?`` + the encoded query (``base`` like ``http://host:8501``)."""
        return f"{base.rstrip('/')}/ticker?{urlencode(self.to_query(), doseq=True)}"

    def pinned(self, asof: date) -> ViewState:
        """Return this view with the as-of date fixed to ``asof`` (for links that must not drift)."""
        return replace(self, asof=asof)

    @classmethod
    def from_query(cls, params: Mapping[str, QueryValue]) -> tuple[ViewState, list[str]]:
        """Decode query parameters; return the view and a user-facing message per value that was rejected.

        A rejected value falls back to its default; nothing raises.
        """
        messages: list[str] = []
        state = cls()
        if "symbol" in params:
            raw = _last(params["symbol"])
            try:
                state = replace(state, symbol=normalize_symbol(raw))
            except InvalidSymbol:
                messages.append(f"{shown_value(raw)} is not a ticker symbol; showing {state.symbol}.")
        if "asof" in params:
            raw = _last(params["asof"]).strip()
            if raw:
                try:
                    state = replace(state, asof=parse_iso_date(raw))
                except ValueError:
                    messages.append(
                        f"As-of date {shown_value(raw)} is not a date (use YYYY-MM-DD); showing the latest bar."
                    )
        for key, options, label in (("range", RANGE_PRESETS, "Range"), ("scale", SCALES, "Scale")):
            if key in params:
                raw = _first(params[key])
                if raw in options:
                    state = replace(state, range=raw) if key == "range" else replace(state, scale=raw)
                else:
                    default = getattr(cls(), key)
                    messages.append(
                        f"{label} {shown_value(raw)} is unknown (use {', '.join(options)}); showing {default}."
                    )
        if "show" in params:
            values = params["show"] if isinstance(params["show"], list) else [params["show"]]
            tokens = [v for v in values if v != ""]
            unknown = [t for t in tokens if t not in OVERLAYS]
            if unknown:
                messages.append(
                    f"Unknown overlay(s) {', '.join(shown_value(u, 20) for u in unknown[:5])} ignored"
                    f" (known: {', '.join(OVERLAYS)})."
                )
            if len(unknown) < len(tokens) or not tokens:
                state = replace(state, show=tuple(o for o in OVERLAYS if o in tokens))
        if "legend" in params and (raw := _last(params["legend"])) != "":
            if raw.lower() in BOOLEANS:
                state = replace(state, legend=BOOLEANS[raw.lower()])
            else:
                messages.append(f"Legend {shown_value(raw)} is unknown (use true or false); showing the default.")
        return state, messages
