"""Resolution of a requested ticker view against the data: which symbol and as-of bar are shown, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from marketdata.repository import LoadResult, RefreshOutcome
from ui.viewstate import ViewState


@dataclass(frozen=True)
class ResolvedView:
    """The view actually shown: ``view.symbol`` has data, ``asof`` is the date of the last bar used."""

    view: ViewState
    result: LoadResult
    asof: date | None
    options: list[str]
    messages: list[str]

    def share_url(self, base: str = "") -> str:
        """Return a link that reproduces this view, with the as-of date pinned to the bar shown."""
        pinned = self.view.pinned(self.asof) if self.asof else self.view
        return pinned.to_url(base)


def resolve(view: ViewState, universe: list[str], load: Callable[[str], LoadResult]) -> ResolvedView:
    """Return the view to show for ``view``: fall back to the first universe symbol when the requested one
    has no data, and to the latest bar when the as-of date is before the data; say so in ``messages``.
    """
    messages: list[str] = []
    symbol = view.symbol
    result = load(symbol)
    if result.bars.empty and symbol != universe[0]:
        why = " ".join(result.notices)
        messages.append(
            f"No data for {symbol}: it is not in the bundled snapshot or the local store"
            + (f", and {why[0].lower() + why[1:]}" if why else ".")
            + f" Showing {universe[0]}."
        )
        symbol = universe[0]
        result = load(symbol)
    options = universe if symbol in universe else [*universe, symbol]
    asof = result.last_bar
    requested = view.asof
    if requested is not None and result.first_bar is not None and result.last_bar is not None:
        if requested < result.first_bar:
            messages.append(
                f"As-of date {requested.isoformat()} is before the first bar of {symbol}"
                f" ({result.first_bar.isoformat()}); showing the latest bar ({result.last_bar.isoformat()})."
            )
            requested = None
        elif requested > result.last_bar:
            messages.append(
                f"As-of date {requested.isoformat()} is after the last bar of {symbol}"
                f" ({result.last_bar.isoformat()}); showing the latest bar."
            )
            requested = None
        else:
            asof = result.bars.loc[: pd.Timestamp(requested)].index[-1].date()
    return ResolvedView(replace(view, symbol=symbol, asof=requested), result, asof, options, messages)


@dataclass(frozen=True)
class NoticeSummary:
    """The data notices of a load, for one short line: ``label`` (e.g. ``"Offline"``), whether it is only
    information (``info``: offline mode, nothing went wrong) and the full ``notices`` shown behind it."""

    label: str
    info: bool
    notices: tuple[str, ...]


NOTICE_LABELS: dict[str, str] = {
    "offline": "Offline",
    "error": "Live data unavailable",
    "empty": "Live data unavailable",
    "skipped": "Live data unavailable",
    "ok": "Bad live rows skipped",
}


def _refresh_notice(outcome: RefreshOutcome | None) -> bool:
    """Whether Repository.with_refresh wrote a notice for ``outcome`` (it does for these cases only)."""
    if outcome is None:
        return False
    return (outcome.outcome in ("offline", "error", "empty") or (outcome.outcome == "skipped" and bool(outcome.message))
            or (outcome.outcome == "ok" and outcome.rejected > 0))


def notice_summary(result: LoadResult) -> NoticeSummary | None:
    """Return the short line for ``result.notices`` (None when there are none): named after the refresh outcome
    when that is the only notice, else ``"Data notices (n)"``."""
    if not result.notices:
        return None
    if len(result.notices) == 1 and result.refresh is not None and _refresh_notice(result.refresh):
        outcome = result.refresh.outcome
        return NoticeSummary(NOTICE_LABELS[outcome], outcome == "offline", result.notices)
    return NoticeSummary(f"Data notices ({len(result.notices)})", False, result.notices)
