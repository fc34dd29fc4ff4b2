"""The written technical-levels brief, generated from a :class:`TechnicalPicture` (the chart's own objects).

What it names, in order: the close and the day's change; the support trendline when one is near the price
(rebounding from / testing / broke / back above); the immediate resistance and the next one; the immediate
support and what is exposed below it (the key levels of :mod:`indicators.key_levels`: major horizontal levels
and zones, moving averages and bands price bounced off lately, confirmed unbroken trendlines); where price
stands against the four EMAs, in one phrase without their values; a golden or death cross of the last
:data:`analyst.picture.RECENT_CROSS_BARS` bars; the Bollinger position; the latest analyst action and the upside
to its target; the consensus of the live analyst targets (firms, median and range, upside, rating mix). So it names
at most about six level prices and the consensus's three, each of them drawn on the chart.

Conventions: prices in dollars rounded to cents; percentages to one decimal. A zone at least 2 % wide is written
as a range ("$14.00 to $15.00"). Wording claims no more than the statistics: "long-term" only for lines whose
touches span >= 250 bars, "tentative" for 2-touch lines, "major" only for levels that reach the major score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analyst.actions import AnalystAction
from analyst.money import usd
from analyst.picture import RECENT_TOUCH_BARS, TechnicalPicture
from analyst.signals import trendline_state
from analyst.targets import upside_pct
from indicators.crosses import Cross
from indicators.distance import distance_pct
from indicators.key_levels import KeyLevel
from indicators.moving_averages import EMA_WINDOWS
from indicators.trendlines import Trendline

ZONE_TEXT_MIN_WIDTH = 0.02  # a zone at least this wide (relative to its price) is written as a range


def day(d: date) -> str:
    """Return ``November 24, 2025``."""
    return f"{d:%B} {d.day}, {d.year}"


def month(d: date) -> str:
    return f"{d:%B %Y}"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _ema_names(windows: list[int]) -> str:
    """Return ``'20-, 50- and 200-day EMAs'`` or ``'20-day EMA'``."""
    if len(windows) == 1:
        return f"{windows[0]}-day EMA"
    return _join([f"{w}-" for w in windows[:-1]] + [f"{windows[-1]}-day"]) + " EMAs"


@dataclass(frozen=True)
class Brief:
    """The brief as plain text, one sentence per topic (``sentences`` keyed by topic, in order)."""

    symbol: str
    asof: date
    sentences: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        return " ".join(s for _, s in self.sentences)

    def markdown(self) -> str:
        """Return the brief as a Markdown document with a title."""
        return f"# {self.symbol} technical levels — {day(self.asof)}\n\n{self.text}\n"


def line_description(line: Trendline) -> str:
    """Return e.g. ``'long-term ascending trendline'`` or ``'tentative flat trendline'`` (support or resistance)."""
    words = []
    if line.long_term:
        words.append("long-term")
    if not line.confirmed:
        words.append("tentative")
    words.append(line.direction)
    return " ".join(words) + " trendline"


def key_text(key: KeyLevel) -> str:
    """Return how the brief names a key level: ``'the 50-day EMA at $12.34'``, ``'the $14.00 to $15.00 zone'``."""
    if key.kind in ("ema", "sma"):
        family, window = key.name.split()
        return f"the {window}-day {family} at {usd(key.price)}"
    if key.kind == "band":
        return f"the {key.name.split()[-1]} Bollinger band at {usd(key.price)}"
    if key.kind == "extreme":
        return f"the {key.name.replace('52w', '52-week')} at {usd(key.price)}"
    if key.kind == "trendline":
        return f"the {key.name} at {usd(key.price)}"
    if (key.zone_high - key.zone_low) / key.price >= ZONE_TEXT_MIN_WIDTH:
        return f"the {usd(key.zone_low)} to {usd(key.zone_high)} zone"
    return usd(key.price)


def _price_sentence(p: TechnicalPicture) -> str:
    snap = p.snapshot
    text = f"{p.symbol} closed at {usd(snap.close)} on {day(snap.date)}"
    if snap.change is not None and snap.change_pct is not None:
        if snap.change == 0:
            text += ", unchanged on the day"
        else:
            verb = "up" if snap.change > 0 else "down"
            text += f", {verb} {usd(abs(snap.change))} ({snap.change_pct:+.1f}%) on the day"
    return text + "."


def _trendline_sentence(p: TechnicalPicture) -> str:
    line = p.primary_support()
    if line is None:
        return ""
    close = p.snapshot.close
    since = f"from {month(line.first_date)}, {line.n_touches} touches"
    what = f"{line_description(line)} support"
    level = usd(line.level_at_asof)
    state = trendline_state(line, close)
    if state == "back above":
        return f"It closed back above its {what} at {level} ({since}) after breaking below it in the last two weeks."
    if state == "broke":
        return f"It has broken below its {what} ({since}), which now stands at {level}."
    if state == "rebounding":
        return f"It is rebounding from its {what}, tested on {day(line.last_touch_date)} and now at {level} ({since})."
    if state == "testing":
        return f"It is testing its {what} near {level} ({since})."
    gap = -distance_pct(line.level_at_asof, close)  # how far below the close the line is, in % of the close
    if line.asof_position - line.touch_positions[-1] <= RECENT_TOUCH_BARS:
        return (f"It trades {gap:.1f}% above its {what} at {level} after rebounding from it"
                f" on {day(line.last_touch_date)} ({since}).")
    return f"Its nearest {what} ({since}) sits at {level}, {gap:.1f}% below the close."


def _same_line(key: KeyLevel, line: Trendline | None) -> bool:
    return line is not None and key.line is line


def _resistance_sentence(p: TechnicalPicture) -> str:
    first = p.immediate_resistance
    if first is None:
        high = p.levels.high_52w
        if high is not None and p.snapshot.close >= high - p.levels.atr:
            return f"Price is near its 52-week high ({usd(high)}), with no major resistance above within 40%."
        return "No major resistance lies within 40% above the close."
    after = p.next_resistance()
    if first.zone_low <= p.snapshot.close:  # the close lies inside the zone
        text = f"Price trades inside {_zone_text(first, 'resistance')}"
        return text + (f"; above it, {key_text(after)}." if after is not None else ".")
    text = f"Immediate resistance is {key_text(first)}"
    if after is not None:
        text += f", then {key_text(after)}"
    return text + "."


def _zone_text(key: KeyLevel, role: str) -> str:
    """Return ``'the $13.53 to $14.70 resistance zone'`` (or ``'the $13.60 resistance level'`` when narrow)."""
    if (key.zone_high - key.zone_low) / key.price >= ZONE_TEXT_MIN_WIDTH:
        return f"the {usd(key.zone_low)} to {usd(key.zone_high)} {role} zone"
    return f"the {usd(key.price)} {role} level"


def _support_sentence(p: TechnicalPicture) -> str:
    first = p.immediate_support
    if first is None:
        low = p.levels.low_52w
        if low is not None and p.snapshot.close <= low + p.levels.atr:
            return f"Price is near its 52-week low ({usd(low)}), with no major support below within 40%."
        return "No major support lies within 40% below the close."
    below = p.exposed_support()
    if _same_line(first, p.primary_support()):
        if below is None:
            return "Below the trendline, no major support is left within 40% of the close."
        return f"Losing the trendline may expose {key_text(below)}."
    if first.zone_high >= p.snapshot.close:  # the close lies inside the zone
        text = f"Price trades inside {_zone_text(first, 'support')}"
    else:
        text = f"Immediate support is {key_text(first)}"
    if below is not None:
        text += f"; below it, {key_text(below)}"
    return text + "."


def _ema_sentence(p: TechnicalPicture) -> str:
    close = p.snapshot.close
    known = {w: v for w in EMA_WINDOWS if (v := p.snapshot.values[f"ema_{w}"]) is not None}
    if not known:
        return ""
    below = [w for w, v in known.items() if close < v]  # price under these EMAs
    above = [w for w, v in known.items() if close >= v]
    if not above:
        return f"Price remains under the {_ema_names(below)}."
    if not below:
        return f"Price holds above the {_ema_names(above)}."
    return f"Price is above the {_ema_names(above)} but below the {_ema_names(below)}."


def _cross_sentence(crosses: tuple[Cross, ...]) -> str:
    if not crosses:
        return ""
    parts = [f"the {c.fast}-day {c.family} crossed {'above' if c.kind == 'golden' else 'below'} the {c.slow}-day"
             f" on {day(c.date)} (a {c.kind} cross)" for c in crosses]
    text = _join(parts)
    return text[0].upper() + text[1:] + "."


def _band_sentence(p: TechnicalPicture) -> str:
    v = p.snapshot.values
    upper, lower, mid = v["bb_upper"], v["bb_lower"], v["bb_mid"]
    if upper is None or lower is None or mid is None:
        return ""
    close = p.snapshot.close
    if close > upper:
        return "The close is above the upper Bollinger band, an extended move."
    if close < lower:
        return "The close is below the lower Bollinger band, stretched to the downside."
    half = "upper" if close >= mid else "lower"
    return f"It sits in the {half} half of its Bollinger band."


def _action_phrase(a: AnalystAction, symbol: str) -> str:
    rating = ""
    if a.action == "upgrade":
        rating = f"upgraded {symbol}" + (f" to {a.rating_to}" if a.rating_to else "")
        rating += f" from {a.rating_from}" if a.rating_from and a.rating_from != a.rating_to else ""
    elif a.action == "downgrade":
        rating = f"downgraded {symbol}" + (f" to {a.rating_to}" if a.rating_to else "")
        rating += f" from {a.rating_from}" if a.rating_from and a.rating_from != a.rating_to else ""
    elif a.action == "initiate":
        rating = f"initiated {symbol}" + (f" at {a.rating_to}" if a.rating_to else "")
    elif a.rating_to:
        rating = f"kept {symbol} at {a.rating_to}"
    target = ""
    if a.target_to is not None:
        if a.target_from is None or a.target_from == a.target_to:
            target = f"{'reiterated' if a.target_from == a.target_to else 'set'} a {usd(a.target_to)} target"
        else:
            verb = "raised" if a.target_to > a.target_from else "lowered"
            target = f"{verb} its target to {usd(a.target_to)} from {usd(a.target_from)}"
    return " and ".join(x for x in (rating, target) if x)


def _analyst_sentence(p: TechnicalPicture) -> str:
    a = p.action
    if a is None:
        return ""
    text = f"On {day(a.date)}, {a.firm} {_action_phrase(a, p.symbol)}"
    return text + _move_from_close(upside_pct(a.target_to, p.snapshot.close)) + "."


def _move_from_close(upside: float | None) -> str:
    """Return ``', 9.0% upside from the close'`` (``downside`` when negative), or ``''`` without an upside."""
    if upside is None:
        return ""
    return f", {abs(upside):.1f}% {'upside' if upside >= 0 else 'downside'} from the close"


def _consensus_sentence(p: TechnicalPicture) -> str:
    c = p.consensus
    if c is None or not c.n or c.median is None or c.high is None or c.low is None:
        return ""
    move = _move_from_close(c.upside(p.snapshot.close))
    mix = ", ".join(f"{count} {word}" for count, word in ((c.buy, "Buy"), (c.hold, "Hold"), (c.sell, "Sell"))
                    if count)
    if c.unknown:
        mix = (mix + ", " if mix else "") + f"{c.unknown} unrated"
    if c.n == 1:
        return f"One firm has a live target on {p.symbol}, {usd(c.median)}{move} ({mix})."
    return (f"{c.n} firms have a live target on {p.symbol}: median {usd(c.median)}, range {usd(c.low)} to"
            f" {usd(c.high)}{move} ({mix}).")


def write_brief(p: TechnicalPicture) -> Brief:
    """Return the brief for ``p`` (see the module docstring for what it says, in order)."""
    parts = [
        ("price", _price_sentence(p)),
        ("trendline", _trendline_sentence(p)),
        ("resistance", _resistance_sentence(p)),
        ("support", _support_sentence(p)),
        ("emas", _ema_sentence(p)),
        ("crosses", _cross_sentence(p.recent_crosses())),
        ("bands", _band_sentence(p)),
        ("analyst", _analyst_sentence(p)),
        ("consensus", _consensus_sentence(p)),
    ]
    return Brief(p.symbol, p.asof, tuple((k, s) for k, s in parts if s))
