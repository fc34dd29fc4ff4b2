"""Resolution of a requested ticker view against the data: which symbol and as-of bar are shown, and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from marketdata.notices import Notice, NoticeKind
from marketdata.repository import LoadResult
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
    """The data notices of a load, for one short line: ``label`` (e.g. ``"Offline"``), whether they only inform
    (``info``: offline mode, nothing went wrong) and the full ``notices`` shown behind it (each knows its kind)."""

    label: str
    info: bool
    notices: tuple[Notice, ...]


NOTICE_LABELS: dict[NoticeKind, str] = {
    "store": "Store unavailable",
    "offline": "Offline",
    "live_failed": "Live data unavailable",
    "live_skipped": "Live data unavailable",
    "bad_rows": "Bad live rows skipped",
    "queued": "Live data requested",
    "capped": "Live data not fetched",
    "rate_limited": "Live data not fetched",
}


def notice_summary(result: LoadResult) -> NoticeSummary | None:
    """Return the short line for ``result.notices`` (None when there are none): named after the notice's kind
    when there is one, else ``"Data notices (n)"``."""
    if not result.notices:
        return None
    info = all(notice.info for notice in result.notices)
    if len(result.notices) == 1:
        return NoticeSummary(NOTICE_LABELS[result.notices[0].kind], info, result.notices)
    return NoticeSummary(f"Data notices ({len(result.notices)})", info, result.notices)
