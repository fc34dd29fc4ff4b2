"""Analyst ratings normalised to Buy / Hold / Sell, by each firm's own scale.

Each firm rates on its own words. :data:`FIRM_SCALES` lists the scale of every firm in the bundled data (firm
names as :func:`marketdata.firms.canonical_firm` gives them; earlier scales of the same firm included): a rating
of a listed firm that is not on its scale is :attr:`Stance.UNKNOWN`. Firms that are not listed are read with
:data:`COMMON_SCALE`, the words whose meaning is the same at every firm that uses them. Anything else, and an
empty rating, is unknown: never guessed. Matching ignores case, spaces, hyphens and slashes ("Equal-Weight" =
"equal weight"); a Citigroup-style risk suffix ("Buy/High Risk") is ignored.

| firm | Buy | Hold | Sell |
|---|---|---|---|
| JPMorgan, Cantor Fitzgerald, Piper Sandler | Overweight | Neutral | Underweight |
| Morgan Stanley | Overweight | Equal-Weight | Underweight |
| H.C. Wainwright, Compass Point, Chardan Capital, B. Riley, BTIG, Roth Capital | Buy | Neutral | Sell |
| Arete Research, Rosenblatt, Ladenburg Thalmann, Citigroup | Buy | Neutral | Sell |
| Needham | Strong Buy, Buy | Hold | Underperform |
| Canaccord Genuity | Buy, Speculative Buy | Hold | Sell |
| Bernstein, Keefe Bruyette & Woods, Northland | Outperform | Market Perform | Underperform |
| Macquarie | Outperform | Neutral | Underperform |
| Cowen (as Cowen; as TD Cowen since 2023) | Outperform; Buy | Market Perform; Hold | Underperform; Sell |
| Jefferies, JonesTrading | Buy | Hold | Underperform |
| D.A. Davidson | Buy | Neutral | Underperform |
| Citizens JMP | Market Outperform | Market Perform | Market Underperform |
| Maxim Group | Buy | Hold | Sell |
| any other firm (common words) | see below | | |

Common words (:data:`COMMON_SCALE`): Buy = Strong Buy, Buy, Speculative Buy, Outperform, Overweight, Market
Outperform, Sector Outperform; Hold = Hold, Neutral, Market Perform, Sector Perform, Peer Perform, Equal-Weight,
Sector Weight, In-Line; Sell = Sell, Strong Sell, Underperform, Underweight, Market Underperform, Sector
Underperform.

Words such as "Accumulate", "Reduce", "Positive" or "Top Pick" mean different things at different firms and are
unknown unless a firm's scale is added here.
"""

from __future__ import annotations

import re
from enum import StrEnum

from marketdata.firms import canonical_firm


class Stance(StrEnum):
    """A rating in common terms."""

    BUY = "Buy"
    HOLD = "Hold"
    SELL = "Sell"
    UNKNOWN = "Unknown"


def _scale(buy: tuple[str, ...], hold: tuple[str, ...], sell: tuple[str, ...]) -> dict[str, Stance]:
    out: dict[str, Stance] = {}
    for words, stance in ((buy, Stance.BUY), (hold, Stance.HOLD), (sell, Stance.SELL)):
        out.update({_fold(w): stance for w in words})
    return out


def _fold(rating: str) -> str:
    text = rating.strip().lower()
    text = re.sub(r"\s*/\s*(high|low|medium|speculative)\s+risk$", "", text)  # Citigroup "Buy/High Risk"
    return re.sub(r"[\s\-_/]+", "", text)


OVERWEIGHT_NEUTRAL = _scale(("Overweight",), ("Neutral",), ("Underweight",))
BUY_NEUTRAL_SELL = _scale(("Buy",), ("Neutral",), ("Sell",))
OUTPERFORM_MARKET_PERFORM = _scale(("Outperform",), ("Market Perform",), ("Underperform",))
BUY_HOLD_UNDERPERFORM = _scale(("Buy",), ("Hold",), ("Underperform",))

FIRM_SCALES: dict[str, dict[str, Stance]] = {
    "JPMorgan": OVERWEIGHT_NEUTRAL,
    "Cantor Fitzgerald": OVERWEIGHT_NEUTRAL,
    "Piper Sandler": OVERWEIGHT_NEUTRAL,
    "Morgan Stanley": _scale(("Overweight",), ("Equal-Weight",), ("Underweight",)),
    **{firm: BUY_NEUTRAL_SELL for firm in (
        "H.C. Wainwright", "Compass Point", "Chardan Capital", "B. Riley", "BTIG", "Roth Capital", "Arete Research",
        "Rosenblatt", "Ladenburg Thalmann", "Citigroup",
    )},
    "Needham": _scale(("Strong Buy", "Buy"), ("Hold",), ("Underperform",)),
    "Canaccord Genuity": _scale(("Buy", "Speculative Buy"), ("Hold",), ("Sell",)),
    "Bernstein": OUTPERFORM_MARKET_PERFORM,
    "Keefe Bruyette & Woods": OUTPERFORM_MARKET_PERFORM,
    "Northland": OUTPERFORM_MARKET_PERFORM,
    "Macquarie": _scale(("Outperform",), ("Neutral",), ("Underperform",)),
    "Cowen": _scale(("Outperform", "Buy"), ("Market Perform", "Hold"), ("Underperform", "Sell")),
    "Jefferies": BUY_HOLD_UNDERPERFORM,
    "JonesTrading": BUY_HOLD_UNDERPERFORM,
    "D.A. Davidson": _scale(("Buy",), ("Neutral",), ("Underperform",)),
    "Citizens JMP": _scale(("Market Outperform",), ("Market Perform",), ("Market Underperform",)),
    "Maxim Group": _scale(("Buy",), ("Hold",), ("Sell",)),
}

COMMON_SCALE: dict[str, Stance] = _scale(
    ("Strong Buy", "Buy", "Speculative Buy", "Outperform", "Overweight", "Market Outperform", "Sector Outperform"),
    ("Hold", "Neutral", "Market Perform", "Sector Perform", "Peer Perform", "Equal-Weight", "Sector Weight",
     "In-Line"),
    ("Sell", "Strong Sell", "Underperform", "Underweight", "Market Underperform", "Sector Underperform"),
)


def stance(firm: str, rating: str) -> Stance:
    """Return the Buy/Hold/Sell meaning of ``rating`` on ``firm``'s scale; :attr:`Stance.UNKNOWN` when the rating
    is empty or not on the scale (the firm's own when listed in :data:`FIRM_SCALES`, else :data:`COMMON_SCALE`)."""
    if not rating or not rating.strip():
        return Stance.UNKNOWN
    scale = FIRM_SCALES.get(canonical_firm(firm), COMMON_SCALE)
    return scale.get(_fold(rating), Stance.UNKNOWN)
