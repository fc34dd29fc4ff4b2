"""The firm alias table, the rating scales and the near-duplicate rule of merge_actions."""

from __future__ import annotations

import pandas as pd
import pytest

from marketdata.actions import merge_actions, normalize_actions
from marketdata.config import BUNDLED_DIR
from marketdata.firms import CANONICAL_ALIASES, canonical_firm, firm_key
from marketdata.ratings import FIRM_SCALES, Stance, stance
from marketdata.snapshot import Snapshot


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("HC Wainwright & Co.", "H.C. Wainwright"), ("H.C. Wainwright", "H.C. Wainwright"),
    ("JP Morgan", "JPMorgan"), ("J.P. Morgan", "JPMorgan"), ("TD Cowen", "Cowen"), ("Roth MKM", "Roth Capital"),
    ("Keefe, Bruyette & Woods", "Keefe Bruyette & Woods"), ("KBW", "Keefe Bruyette & Woods"),
    ("B. Riley Securities", "B. Riley"), ("JMP Securities", "Citizens JMP"), ("  Needham & Company ", "Needham"),
    ("Some New Firm", "Some New Firm"),
])
def test_canonical_firm(spelling: str, canonical: str) -> None:
    assert canonical_firm(spelling) == canonical
    assert firm_key(spelling) == firm_key(canonical)


def test_every_bundled_firm_is_canonical_and_has_a_scale() -> None:
    firms = set(Snapshot(BUNDLED_DIR).actions()["firm"])
    assert len(firms) == 26
    assert firms <= set(CANONICAL_ALIASES)
    assert firms <= set(FIRM_SCALES)


def test_every_bundled_rating_is_known() -> None:
    actions = Snapshot(BUNDLED_DIR).actions()
    for col in ("rating_from", "rating_to"):
        stated = actions[actions[col] != ""]
        unknown = [(f, r) for f, r in zip(stated["firm"], stated[col], strict=True) if stance(f, r) is Stance.UNKNOWN]
        assert unknown == []


@pytest.mark.parametrize(("firm", "rating", "expected"), [
    ("JPMorgan", "Overweight", Stance.BUY), ("JPMorgan", "Neutral", Stance.HOLD),
    ("JPMorgan", "Underweight", Stance.SELL), ("JPMorgan", "Buy", Stance.UNKNOWN),  # not on JPMorgan's scale
    ("Morgan Stanley", "Equal-Weight", Stance.HOLD), ("Morgan Stanley", "equal weight", Stance.HOLD),
    ("Bernstein", "Market Perform", Stance.HOLD), ("Bernstein", "Outperform", Stance.BUY),
    ("Canaccord Genuity", "Speculative Buy", Stance.BUY), ("Citizens JMP", "Market Outperform", Stance.BUY),
    ("Needham", "Underperform", Stance.SELL), ("Citigroup", "Buy/High Risk", Stance.BUY),
    ("TD Cowen", "Hold", Stance.HOLD), ("HC Wainwright & Co.", "Neutral", Stance.HOLD),
    ("Unlisted Partners", "Sector Perform", Stance.HOLD), ("Unlisted Partners", "Overweight", Stance.BUY),
    ("Unlisted Partners", "Accumulate", Stance.UNKNOWN), ("Unlisted Partners", "Top Pick", Stance.UNKNOWN),
    ("JPMorgan", "", Stance.UNKNOWN), ("JPMorgan", "<b>Buy</b>", Stance.UNKNOWN),
])
def test_stance(firm: str, rating: str, expected: Stance) -> None:
    assert stance(firm, rating) is expected


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {"date": "2025-11-24", "ticker": "CIFR", "firm": "JPMorgan", "action": "maintain",
                              "rating_to": "Overweight", "target_to": 18}
    row.update(changes)
    return row


def test_near_duplicates_across_sources_are_dropped_only_with_the_same_target() -> None:
    curated = normalize_actions(pd.DataFrame([_row(note="curated")]), origin="bundled")
    feed = normalize_actions(pd.DataFrame([
        _row(date="2025-11-25", firm="JP Morgan"),                 # a day later, same target: the same action
        _row(date="2025-11-27", firm="JP Morgan", target_to=20),   # another target: a new action
        _row(date="2025-11-28", firm="JP Morgan", ticker="MARA"),  # another ticker
        _row(date="2025-12-01", firm="JP Morgan"),                 # 7 days later: a new action
    ]), source="yfinance")
    merged = merge_actions(curated, feed)
    got = sorted(zip(merged["date"].dt.strftime("%m-%d"), merged["ticker"], merged["origin"], strict=True))
    assert got == [("11-24", "CIFR", "bundled"), ("11-27", "CIFR", "yfinance"), ("11-28", "MARA", "yfinance"),
                   ("12-01", "CIFR", "yfinance")]


def test_rows_of_one_source_a_day_apart_are_all_kept() -> None:
    # JPMorgan RIOT 2025-11-24 and 2025-11-25 are both in the bundled data: both were published.
    both = normalize_actions(pd.DataFrame([_row(), _row(date="2025-11-25")]), origin="bundled")
    assert len(merge_actions(both)) == 2
