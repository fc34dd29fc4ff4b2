"""The yfinance adapter: daily history and analyst upgrades/downgrades, normalised to our schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from marketdata.actions import normalize_actions
from marketdata.sources import BadData, NetworkError, NoData, RateLimited, SourceError

ACTION_CODES: dict[str, str] = {"up": "upgrade", "down": "downgrade", "init": "initiate"}


def _yf() -> Any:  # imported lazily: yfinance costs ~0.5 s to import and offline use never needs it
    import yfinance as yf

    yf.config.debug.hide_exceptions = False
    return yf


_CAUSED_BY = re.compile(r"\(Caused by (\w+)\((.*)\)\)\s*$")
_CONNECTION_PREFIX = re.compile(r"^(?:<[^>]*>|\w+\([^)]*\)): ")


def _describe(exc: BaseException) -> str:
    """Return ``'Type: first sentence of the message'`` in at most ~160 characters, without URLs."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    caused = _CAUSED_BY.search(text)
    if caused:
        # requests/urllib3: "Pool(host=…): Max retries exceeded with url: /long/url (Caused by X('conn: reason'))":
        # the reason (refused, name not resolved, ...) is at the end, past the cut below; keep only it.
        reason = _CONNECTION_PREFIX.sub("", caused.group(2).strip("'\""))
        text = f"{caused.group(1)}: {reason}"
    text = text.split(" See http")[0].split(". See ")[0]
    text = text.replace("Failed to perform, curl: ", "")
    if len(text) > 140:
        text = text[:140] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _default_session() -> object | None:
    """Return the session yfinance would build itself (curl_cffi with a browser fingerprint), or None."""
    try:
        from yfinance._http import new_session
    except ImportError:  # another yfinance layout: let it build its own (timeouts then uncapped)
        return None
    session: object = new_session()
    return session


def _cap_timeouts(session: Any, cap: Callable[[], float | None]) -> None:
    """Make every request of ``session`` (requests or curl_cffi) wait at most ``cap()`` seconds."""
    send = session.request

    def request(*args: object, **kwargs: object) -> object:
        limit, timeout = cap(), kwargs.get("timeout")
        if limit is not None and (timeout is None or (isinstance(timeout, int | float) and timeout > limit)):
            kwargs["timeout"] = limit
        return send(*args, **kwargs)

    session.request = request


class YahooSource:
    """Live data from Yahoo Finance through yfinance.

    Bars come from ``Ticker.history`` (one symbol, so single-level columns: the equivalent of
    ``download(..., multi_level_index=False)``, but it raises instead of swallowing errors) with
    ``auto_adjust=False`` (split-adjusted OHLC, not dividend-adjusted, like the bundled snapshot;
    ``Adj Close`` is ignored), ``actions=False`` and the whole history
    (``period="max"``) when no start date is given. ``yf.config.debug.hide_exceptions`` is False.

    Every request waits at most the caller's ``timeout``: yfinance uses its own 10-30 s for the cookie/consent
    handshake and the time-zone probe, which would hold a page for over a minute when Yahoo does not answer.
    So requests go through ``session`` (default: the session yfinance would build) with their timeouts capped.
    """

    name = "yfinance"

    def __init__(self, session: object | None = None) -> None:
        self.session = session
        self._cap: float | None = None
        self._sessions: list[object | None] = []  # the capped session, once built (None: yfinance's own)

    def _capped_session(self, timeout: float) -> object | None:
        self._cap = timeout
        if not self._sessions:
            session = self.session if self.session is not None else _default_session()
            if session is not None:
                _cap_timeouts(session, lambda: self._cap)
            self._sessions.append(session)
        return self._sessions[0]

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        yf = _yf()
        kwargs: dict[str, object] = {
            "interval": "1d",
            "auto_adjust": False,
            "actions": False,
            "timeout": timeout,
        }
        if start is None:
            kwargs["period"] = "max"
        else:
            kwargs["start"] = start.isoformat()
        try:
            frame = self._ticker(yf, symbol, timeout).history(**kwargs)
        except Exception as exc:
            raise self._wrap(exc) from exc
        if frame is None or frame.empty:
            raise NoData(f"yfinance returned no rows for {symbol}")
        if isinstance(frame.columns, pd.MultiIndex):
            frame.columns = frame.columns.get_level_values(0)
        frame = frame.rename(columns=lambda c: str(c).strip().lower())
        missing = [c for c in ("open", "high", "low", "close", "volume") if c not in frame.columns]
        if missing:
            raise BadData(f"yfinance answer for {symbol} lacks column(s) {', '.join(missing)}")
        return frame[["open", "high", "low", "close", "volume"]]

    def _ticker(self, yf: Any, symbol: str, timeout: float) -> Any:
        session = self._capped_session(timeout)
        return yf.Ticker(symbol, session=session) if session is not None else yf.Ticker(symbol)

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        yf = _yf()
        try:
            raw = self._ticker(yf, symbol, timeout).upgrades_downgrades
        except Exception as exc:
            raise self._wrap(exc) from exc
        if raw is None or len(raw) == 0:
            raise NoData(f"yfinance has no analyst actions for {symbol}")
        return normalize_upgrades_downgrades(raw, symbol)

    @staticmethod
    def _wrap(exc: BaseException) -> SourceError:
        from yfinance.exceptions import YFPricesMissingError, YFRateLimitError

        if isinstance(exc, YFRateLimitError) or _http_status(exc) == 429:
            return RateLimited(f"yfinance rate limit: {_describe(exc)}")
        if isinstance(exc, YFPricesMissingError):  # raised by some yfinance paths for an empty answer
            return NoData(f"yfinance returned no rows: {_describe(exc)}")
        if isinstance(exc, ValueError):  # a malformed answer (e.g. JSON cut off half-way)
            return BadData(f"yfinance answer could not be read: {_describe(exc)}")
        if _is_network_error(exc):
            return NetworkError(f"yfinance could not be reached: {_describe(exc)}")
        return SourceError(f"yfinance failed: {_describe(exc)}")


def _http_status(exc: BaseException) -> int | None:
    """Return the HTTP status of the response behind ``exc`` or an exception it was raised from (the HTTP
    clients' errors carry ``response.status_code``), None when there is none."""
    seen: BaseException | None = exc
    while seen is not None:
        status = getattr(getattr(seen, "response", None), "status_code", None)
        if isinstance(status, int):
            return status
        seen = seen.__cause__ or seen.__context__
    return None


def _is_network_error(exc: BaseException) -> bool:
    """Return whether ``exc`` (or an exception it was raised from) is a transport failure: OS-level socket errors
    and timeouts, or the HTTP clients' connection, DNS, proxy, TLS and timeout errors (curl_cffi, which yfinance
    uses, and requests)."""
    network: list[type[BaseException]] = [OSError, TimeoutError]
    try:
        from curl_cffi.requests import exceptions as curl

        network += [curl.ConnectionError, curl.DNSError, curl.ProxyError, curl.SSLError, curl.Timeout]
    except ImportError:  # pragma: no cover - curl_cffi is a yfinance dependency
        pass
    try:
        import requests

        network += [requests.ConnectionError, requests.Timeout]
    except ImportError:  # pragma: no cover - requests is a yfinance dependency
        pass
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, tuple(network)):
            return True
        seen = seen.__cause__
    return False


def _text(value: object) -> str:
    """Return ``value`` as stripped text; None and NaN (a key missing from some of Yahoo's rows) give ''."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def normalize_upgrades_downgrades(raw: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """Return yfinance's ``upgrades_downgrades`` frame as an actions frame (source ``yfinance``).

    yfinance gives a ``GradeDate`` index and columns Firm, ToGrade, FromGrade, Action (up, down, main,
    init, reit), priceTargetAction, currentPriceTarget and priorPriceTarget. A prior target of 0 means
    none. ``up``/``down``/``init`` map to upgrade/downgrade/initiate; otherwise the target move decides
    raise_target/lower_target, and maintain when neither changed.
    """
    df = raw.reset_index()
    date_col = "GradeDate" if "GradeDate" in df.columns else df.columns[0]
    rows = []
    for r in df.to_dict("records"):
        code = _text(r.get("Action")).lower()
        prior = pd.to_numeric(r.get("priorPriceTarget"), errors="coerce")
        current = pd.to_numeric(r.get("currentPriceTarget"), errors="coerce")
        prior = None if pd.isna(prior) or prior == 0 else float(prior)
        current = None if pd.isna(current) or current == 0 else float(current)
        action = ACTION_CODES.get(code)
        if action is None:
            if prior is not None and current is not None and current > prior:
                action = "raise_target"
            elif prior is not None and current is not None and current < prior:
                action = "lower_target"
            else:
                action = "maintain"
        stamp = pd.Timestamp(r[date_col])
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("America/New_York").tz_localize(None)
        rows.append({
            "date": stamp.normalize(),
            "ticker": symbol,
            "firm": _text(r.get("Firm")),
            "action": action,
            "rating_from": _text(r.get("FromGrade")),
            "rating_to": _text(r.get("ToGrade")),
            "target_from": prior,
            "target_to": current,
            "note": _text(r.get("priceTargetAction")),
        })
    frame = pd.DataFrame(rows)
    frame = frame[frame["firm"] != ""] if len(frame) else frame
    return normalize_actions(frame, source="yfinance")
