"""Bollinger Bands, computed with ``ta``'s :class:`ta.volatility.BollingerBands`."""

from __future__ import annotations

import pandas as pd
from ta.volatility import BollingerBands


def bollinger(close: pd.Series, window: int = 20, devs: float = 2.0) -> pd.DataFrame:
    """Return columns ``bb_mid``, ``bb_upper``, ``bb_lower`` for ``close`` (same index).

    ``bb_mid`` is the simple ``window``-day rolling mean; the bands are ``mid ± devs × σ`` where σ is
    the *population* standard deviation (ddof=0) over the same window. The first ``window - 1``
    values are NaN.
    """
    bands = BollingerBands(close=close.astype("float64"), window=window, window_dev=devs, fillna=False)
    return pd.DataFrame(
        {
            "bb_mid": bands.bollinger_mavg(),
            "bb_upper": bands.bollinger_hband(),
            "bb_lower": bands.bollinger_lband(),
        },
        index=close.index,
    )
