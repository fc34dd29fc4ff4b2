"""Tables of analyst actions with their target outcomes and sources, and the firm scorecard (plain pandas).

Sources become links only when they are ``http``/``https`` addresses with a plain host name; anything else (a
citation, ``javascript:``, markup) is shown as escaped text. In Markdown the address is percent-encoded wherever
it could end the link or the table cell.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote, urlsplit

import pandas as pd

from analyst.targets import RETURN_MONTHS
from ui.labels import md_escape, rating_change, target_change, up_down

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"  # no ( ) [ ] | < > " ` or spaces: they could end a Markdown link or cell
ORIGIN_WORDS = {"user": "user-entered", "bundled": "bundled", "yfinance": "yfinance"}


def safe_link(source: str) -> str | None:
    """Return ``source`` when it is an http(s) address with a plain host (the only sources shown as links)."""
    text = source.strip()
    if any(not ch.isprintable() or ch.isspace() for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.netloc or ""):
        return None
    return text


def source_markdown(source: str, limit: int = 40) -> str:
    """Return a Markdown cell for ``source``: ``[host](address)`` for a safe link, else the escaped text."""
    link = safe_link(source)
    if link is None:
        text = " ".join(source.split())
        return md_escape(text if len(text) <= limit else text[: limit - 1] + "…") if text else "—"
    host = urlsplit(link).hostname or ""
    return f"[{md_escape(host.removeprefix('www.'))}]({quote(link, safe=_URL_SAFE)})"


def status_text(status: str, reached_on: object, days: object) -> str:
    """Return e.g. ``'reached 2025-12-03 (9 d)'``, ``'missed'``, ``'pending'`` or ``'—'`` (no target)."""
    if status == "reached" and not pd.isna(reached_on):
        return f"reached {pd.Timestamp(reached_on):%Y-%m-%d} ({int(float(str(days)))} d)"
    return {"missed": "missed", "pending": "pending", "unknown": "no price"}.get(status, "—")


def _outcomes(actions: pd.DataFrame, track: pd.DataFrame) -> pd.DataFrame:
    """Return ``actions`` with the track record's columns joined (by ticker, date, firm and target)."""
    keys = ["ticker", "date", "firm", "target_to"]
    cols = ["status", "reached_on", "days", *(f"return_{m}m" for m in RETURN_MONTHS)]
    if track.empty:
        return actions.assign(**{c: pd.Series(dtype=object) for c in cols})
    right = track.rename(columns={"target": "target_to"})[[*keys, *cols]].drop_duplicates(keys)
    return actions.merge(right, on=keys, how="left")


def _described(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Return the columns that describe each action: Up/Down, Target (from → to), Rating change, Current rating."""
    return {
        "Up/Down": [up_down(a, f, t) for a, f, t in zip(rows["action"], rows["target_from"], rows["target_to"],
                                                          strict=True)],
        "Target (from → to)": [target_change(f, t) for f, t in zip(rows["target_from"], rows["target_to"],
                                                                   strict=True)],
        "Rating change": [rating_change(a, f, t) or "—" for a, f, t in zip(rows["action"], rows["rating_from"],
                                                                          rows["rating_to"], strict=True)],
        "Current rating": [t or "—" for t in rows["rating_to"]],
    }


def ticker_table(actions: pd.DataFrame, track: pd.DataFrame, symbol: str, asof: date) -> pd.DataFrame:
    """Return the ticker page's analyst rows up to ``asof``, newest first (``track``: the symbol's track record).

    Columns: Date, Firm, Up/Down, Target (from → to), Rating change, Current rating, Status, Action, Source
    (Markdown, write it raw), Note. Hand-entered rows say so in Firm.
    """
    rows = actions[(actions["ticker"] == symbol) & (actions["date"] <= pd.Timestamp(asof))]
    rows = _outcomes(rows, track.assign(ticker=symbol))
    return pd.DataFrame({
        "Date": rows["date"].dt.strftime("%Y-%m-%d"),
        "Firm": [f + (" (user-entered)" if o == "user" else "") for f, o in zip(rows["firm"], rows["origin"],
                                                                              strict=True)],
        **_described(rows),
        "Status": [status_text(s, r, d) if isinstance(s, str) else "—"
                   for s, r, d in zip(rows["status"], rows["reached_on"], rows["days"], strict=True)],
        "Action": rows["action"].str.replace("_", " "),
        "Source": [source_markdown(s) for s in rows["source"]],
        "Note": rows["note"],
    }).reset_index(drop=True)


def actions_table(actions: pd.DataFrame, track: pd.DataFrame) -> pd.DataFrame:
    """Return the analysts page's rows (all tickers; ``track``: the track records of those tickers with a
    ``ticker`` column), newest first, for ``st.dataframe``.

    Columns: Date, Ticker, Firm, Up/Down, Target (from → to), Rating change, Current rating, Action, Status,
    Reached on, Days, Return 3M/6M/12M (%), Origin, Source (a safe http(s) address or None), Citation (a source
    that is not a safe address), Note.
    """
    rows = _outcomes(actions, track)
    links = [safe_link(s) for s in rows["source"]]
    return pd.DataFrame({
        "Date": rows["date"].dt.strftime("%Y-%m-%d"),
        "Ticker": rows["ticker"],
        "Firm": rows["firm"],
        **_described(rows),
        "Action": rows["action"].str.replace("_", " "),
        "Status": [s if isinstance(s, str) else "—" for s in rows["status"]],
        "Reached on": [None if pd.isna(r) else f"{pd.Timestamp(r):%Y-%m-%d}" for r in rows["reached_on"]],
        "Days": pd.to_numeric(rows["days"], errors="coerce"),
        **{f"Return {m}M (%)": pd.to_numeric(rows[f"return_{m}m"], errors="coerce") * 100.0 for m in RETURN_MONTHS},
        "Origin": [ORIGIN_WORDS.get(o, o) for o in rows["origin"]],
        "Source": links,
        "Citation": [None if link else (s or None) for s, link in zip(rows["source"], links, strict=True)],
        "Note": rows["note"],
    }).reset_index(drop=True)


def matching_track(track: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of ``track`` (with a ``ticker`` column) that belong to rows of ``actions``."""
    keys = ["ticker", "date", "firm", "target_to"]
    if track.empty:
        return track
    picked = actions[keys].drop_duplicates()
    return track.rename(columns={"target": "target_to"}).merge(picked, on=keys).rename(columns={"target_to": "target"})


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """Return analyst.targets.scorecard's frame with display column names (hit rate in %)."""
    return pd.DataFrame({
        "Firm": card["firm"], "Targets": card["targets"], "Reached": card["reached"], "Missed": card["missed"],
        "Pending": card["pending"], "Hit rate (%)": pd.to_numeric(card["hit_rate"], errors="coerce") * 100.0,
        "Median days to reach": pd.to_numeric(card["median_days"], errors="coerce"),
        "Last action": pd.to_datetime(card["last_action"]).dt.strftime("%Y-%m-%d"),
    })
