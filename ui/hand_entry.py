"""Analyst actions entered by hand on the analysts page: the form's field-by-field check.

Only the user who entered a row may remove it; who that is is :func:`ui.identity.current_user`.

The form's rules are the loader's (:func:`marketdata.actions.field_problems`: date, ticker, firm, action,
targets, horizon), plus, for a hand-entered row: the date is not in the future (New York), at least one of the
new rating and the new target is given, the horizon is after the date, the source is an ``http``/``https``
address with a host, and text fields are at most :data:`MAX_TEXT` characters without control characters. Every
bad field gets one message; nothing is stored unless all are good.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pandas as pd

from marketdata.actions import field_problems, normalize_actions

NEW_YORK = ZoneInfo("America/New_York")
MAX_TEXT = {"firm": 80, "analysts": 120, "rating_from": 40, "rating_to": 40, "note": 500, "source": 500,
            "company": 80}
FIELDS = ("date", "ticker", "firm", "analysts", "action", "rating_from", "rating_to", "target_from", "target_to",
          "target_horizon", "source", "note")
LABELS = {
    "date": "Date", "ticker": "Ticker", "firm": "Firm", "analysts": "Analysts", "action": "Action",
    "rating_from": "Rating from", "rating_to": "Rating to", "target_from": "Target from ($)",
    "target_to": "Target to ($)", "target_horizon": "Target horizon", "source": "Source address", "note": "Note",
    "row": "Row",
}


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def check_entry(fields: Mapping[str, object], today: date | None = None) -> tuple[pd.DataFrame | None, dict[str, str]]:
    """Return ``(row, problems)`` for the form's raw ``fields`` (keys of :data:`FIELDS`; dates as ``date`` or
    ISO text, targets as text): an actions frame of one row (origin ``user``) and no problems, or None and one
    message per bad field, keyed by field."""
    today = today or datetime.now(NEW_YORK).date()
    raw = {k: _text(v.isoformat() if isinstance(v := fields.get(k), date) else v) for k in FIELDS}
    problems = {f: message for f, message in field_problems(raw).items()}
    for key, limit in MAX_TEXT.items():
        value = raw.get(key, "")
        if key in problems or not value:
            continue
        if len(value) > limit:
            problems[key] = f"field '{key}' is longer than {limit} characters"
        elif any(not ch.isprintable() for ch in value):
            problems[key] = f"field '{key}' holds control characters"
    if "date" not in problems and pd.Timestamp(raw["date"]).date() > today:
        problems["date"] = f"field 'date' is in the future ({raw['date']} is after {today.isoformat()})"
    if not raw["rating_to"] and not raw["target_to"] and "target_to" not in problems:
        problems["target_to"] = "field 'target_to' is empty: give the new target, the new rating, or both"
    dated = raw["target_horizon"] and "target_horizon" not in problems and "date" not in problems
    if dated and pd.Timestamp(raw["target_horizon"]) <= pd.Timestamp(raw["date"]):
        problems["target_horizon"] = "field 'target_horizon' is not after the date of the action"
    if raw["source"] and "source" not in problems:
        parts = urlsplit(raw["source"])
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c in raw["source"] for c in ' <>"'):
            problems["source"] = "field 'source' is not an http(s) address (https://host/page)"
    if problems:
        return None, problems
    return normalize_actions(pd.DataFrame([raw]), origin="user"), {}
