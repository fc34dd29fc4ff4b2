"""Golden briefs for fixed synthetic cases (texts reviewed by hand; numbers re-derived where independent)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyst.brief import write_brief
from analyst.picture import build_picture
from marketdata.actions import empty_actions, normalize_actions
from tests.support.trendlines import A0, SLOPE, bars_from_log_low, planted

GOLDEN_REBOUND = (
    "SYN closed at $36.69 on April 6, 2021, up $0.45 (+1.2%) on the day. It is rebounding from its ascending"
    " trendline support, tested on March 24, 2021 and now at $32.76 (from May 2020, 4 touches). Immediate"
    " resistance is the 52-week high at $39.99, then the ascending trendline at $42.77. Immediate support is the"
    " 50-day EMA at $35.78; below it, the 100-day EMA at $35.42. Price holds above the 20-, 50-, 100- and 200-day"
    " EMAs. The close is above the upper Bollinger band, an extended move. On February 24, 2021, Example"
    " Securities initiated SYN at Buy and set a $40.00 target, 9.0% upside from the close. One firm has a live"
    " target on SYN, $40.00, 9.0% upside from the close (1 Buy)."
)
GOLDEN_FALLING = (
    "DROP closed at $16.06 on February 23, 2021, down $0.08 (-0.5%) on the day. Immediate resistance is the"
    " 20-day EMA at $16.36, then the upper Bollinger band at $16.54. Immediate support is the 52-week low at"
    " $15.87. Price remains under the 20-, 50-, 100- and 200-day EMAs. The close is below the lower Bollinger"
    " band, stretched to the downside."
)


def test_planted_ascending_support_rebound() -> None:
    bars, touches = planted(4)
    bars = bars.iloc[:330]  # ten bars after the last planted touch (bar 320)
    actions = normalize_actions(pd.DataFrame([{
        "date": bars.index[300], "ticker": "SYN", "firm": "Example Securities", "action": "initiate",
        "rating_to": "Buy", "target_to": 40.0,
    }]), source="test")
    text = write_brief(build_picture("SYN", bars, actions)).text
    assert text == GOLDEN_REBOUND
    # the line level in the text is the planted line at the as-of bar, computed from its definition
    assert f"${math.exp(A0 + SLOPE * 329):,.2f}" in text
    assert f"tested on {bars.index[touches[-1]]:%B} {bars.index[touches[-1]].day}, 2021" in text


def test_falling_series_has_no_support_line() -> None:
    n = 300
    log_low = np.log(50) - 0.004 * np.arange(n) + 0.05 * np.sin(np.arange(n) / 9)
    picture = build_picture("DROP", bars_from_log_low(log_low), empty_actions())
    text = write_brief(picture).text
    assert text == GOLDEN_FALLING
    assert not picture.supports  # no support line holds under a falling series, so the brief names none
    assert f"${picture.levels.low_52w:,.2f}" in text  # the exact 52-week low, not its cluster's median
