"""Wording and formatting shared by chart labels, tables and messages."""

from __future__ import annotations

import re

import pandas as pd

from analyst.money import money as money  # re-exported: the one money format; ui.targets_chart imports it here

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: str) -> str:
    """Return ``text`` with Markdown/HTML metacharacters backslash-escaped, for st.markdown-based elements."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def target_change(target_from: float | None, target_to: float | None) -> str:
    """Return ``'$12 → $18'``, ``'$14 (reiterated)'`` or ``'$18'`` when there is no prior target."""
    has_from = target_from is not None and not pd.isna(target_from)
    has_to = target_to is not None and not pd.isna(target_to)
    if has_from and has_to:
        if target_from == target_to:
            return f"{money(target_to)} (reiterated)"
        return f"{money(target_from)} → {money(target_to)}"
    if has_to:
        return money(target_to)
    return "—"


ACTION_WORDS: dict[str, str] = {
    "upgrade": "Upgrade",
    "downgrade": "Downgrade",
    "maintain": "Maintains",
    "raise_target": "Raises target",
    "lower_target": "Lowers target",
    "initiate": "Initiates",
}


def rating_change(action: str, rating_from: str, rating_to: str) -> str:
    """Return e.g. ``'Neutral → Overweight'``, ``'to Overweight'``, ``'Underweight (maintained)'`` or ``''``."""
    if rating_from and rating_to and rating_from != rating_to:
        return f"{rating_from} → {rating_to}"
    if rating_to and (rating_from == rating_to or action == "maintain"):
        return f"{rating_to} (maintained)"
    if rating_to:
        return f"to {rating_to}"
    return ""


def up_down(action: str, target_from: float | None, target_to: float | None) -> str:
    """Return ``'Up'``, ``'Down'`` or ``'—'`` for the direction of an analyst action."""
    if action == "upgrade":
        return "Up"
    if action == "downgrade":
        return "Down"
    if target_from is not None and target_to is not None and not pd.isna(target_from) and not pd.isna(target_to):
        if target_to > target_from:
            return "Up"
        if target_to < target_from:
            return "Down"
    return "—"


def action_label(firm: str, action: str, rating_from: str, rating_to: str,
                 target_from: float | None, target_to: float | None) -> str:
    """Return the chart label of an action, e.g. ``'JPMorgan PT $12 → $18 · upgrade Neutral → Overweight'``."""
    verb = ACTION_WORDS.get(action, action).lower()
    if action == "maintain" and rating_to:
        rating = f"maintains {rating_to}"
    else:
        rating = f"{verb} {rating_change(action, rating_from, rating_to)}".strip()
    return f"{firm} PT {target_change(target_from, target_to)} · {rating}"
