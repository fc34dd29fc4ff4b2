"""The written technical-levels brief, generated from a :class:`TechnicalPicture` (the chart's own objects).

Conventions: prices in dollars rounded to cents; percentages to one decimal. Wording claims no more than
the statistics: "long-term" only for lines whose touches span >= 250 bars, "tentative" for 2-touch lines,
"clustered" only when the EMAs lie within 10% of the close of each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analyst.picture import AnalystAction, TechnicalPicture
from indicators.levels import Level
from indicators.trendlines import Trendline

EMA_WINDOWS = (20, 50, 100, 200)
RECENT_TOUCH_BARS = 15


def usd(value: float) -> str:
    """Return ``$1,234.56`` (always cents)."""
    return f"${value:,.2f}"


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
        return "No support trendline holds beneath the price as of this date."
    close = p.snapshot.close
    since = f"from {month(line.first_date)}, {line.n_touches} touches"
    what = f"{line_description(line)} support"
    gap = (1.0 - line.level_at_asof / close) * 100.0  # how far below the close the line is, in % of the close
    if line.status == "broken" and close >= line.level_at_asof:
        return (f"It closed back above its {what} at {usd(line.level_at_asof)} ({since}) after breaking below it"
                f" in the last two weeks.")
    if line.status == "broken":
        return f"It has broken below its {what} ({since}), which now stands at {usd(line.level_at_asof)}."
    if line.status == "testing" and gap > 200.0 * line.tolerance:
        # the line was tested within the last bars, and price has already moved well away from it
        return (f"It is rebounding from its {what}, tested on {day(line.last_touch_date)} and now at"
                f" {usd(line.level_at_asof)} ({since}).")
    if line.status == "testing":
        return f"It is testing its {what} near {usd(line.level_at_asof)} ({since})."
    bars_since_touch = line.asof_position - line.touch_positions[-1]
    if bars_since_touch <= RECENT_TOUCH_BARS:
        return (f"It trades {gap:.1f}% above its {what} at {usd(line.level_at_asof)} after rebounding from it"
                f" on {day(line.last_touch_date)} ({since}).")
    return f"Its nearest {what} ({since}) sits at {usd(line.level_at_asof)}, {gap:.1f}% below the close."


def _ema_sentence(p: TechnicalPicture) -> str:
    close = p.snapshot.close
    values = {w: p.snapshot.values[f"ema_{w}"] for w in EMA_WINDOWS}
    known = {w: v for w, v in values.items() if v is not None}
    if not known:
        return ""
    below = [w for w, v in known.items() if close < v]  # price under these EMAs
    above = [w for w, v in known.items() if close >= v]
    lo, hi = min(known.values()), max(known.values())
    clustered = (hi - lo) / close <= 0.10
    span = f"clustered between {usd(lo)} and {usd(hi)}" if clustered else f"spread from {usd(lo)} to {usd(hi)}"
    if not above:
        return f"Price remains under the {_ema_names(below)}, {span}."
    if not below:
        return f"Price holds above the {_ema_names(above)}, {span}."
    over = ", ".join(usd(known[w]) for w in above)
    under = ", ".join(usd(known[w]) for w in below)
    return f"Price is above the {_ema_names(above)} ({over}) but below the {_ema_names(below)} ({under})."


def _level_text(level: Level) -> str:
    width = (level.zone_high - level.zone_low) / level.price
    if width >= 0.02:
        return f"{usd(level.zone_low)} to {usd(level.zone_high)}"
    return usd(level.price)


def _resistance_sentence(p: TechnicalPicture) -> str:
    first = p.levels.nearest_resistance()
    if first is None:
        high = p.levels.high_52w
        return f"Price is at its 52-week high ({usd(high)}), with no resistance overhead." if high else ""
    label = "the 52-week high at " if first.source == "52w high" else ""
    text = f"Immediate resistance sits at {label}{usd(first.price)}"
    after = p.levels.next_resistance_after(first)
    if after is not None:
        text += f", followed by {_level_text(after)}"
    return text + "."


def _support_sentence(p: TechnicalPicture) -> str:
    line = p.primary_support()
    exposed = p.exposed_support()
    if line is not None and line.status != "broken":
        if exposed is not None:
            return f"Losing the trendline may expose the {_level_text(exposed)} support area."
        return "Below the trendline, no horizontal support is left in the last two years."
    return f"The nearest support area is {_level_text(exposed)}." if exposed is not None else ""


def _band_sentence(p: TechnicalPicture) -> str:
    v = p.snapshot.values
    upper, lower, mid = v["bb_upper"], v["bb_lower"], v["bb_mid"]
    if upper is None or lower is None or mid is None:
        return ""
    close = p.snapshot.close
    if close > upper:
        return f"The close is above the upper Bollinger band ({usd(upper)}), an extended move."
    if close < lower:
        return f"The close is below the lower Bollinger band ({usd(lower)}), stretched to the downside."
    half = "upper" if close >= mid else "lower"
    return f"It sits in the {half} half of its Bollinger band ({usd(lower)} to {usd(upper)}, middle {usd(mid)})."


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
    if a.target_to is not None:
        upside = (a.target_to / p.snapshot.close - 1.0) * 100.0
        word = "upside" if upside >= 0 else "downside"
        text += f", {abs(upside):.1f}% {word} from the close"
    return text + "."


def write_brief(p: TechnicalPicture) -> Brief:
    """Return the brief for ``p``: price and change; the trendline; EMAs; resistance; the support exposed if the
    trendline is lost; the Bollinger position; the latest analyst action and the upside to its target."""
    parts = [
        ("price", _price_sentence(p)),
        ("trendline", _trendline_sentence(p)),
        ("emas", _ema_sentence(p)),
        ("resistance", _resistance_sentence(p)),
        ("support", _support_sentence(p)),
        ("bands", _band_sentence(p)),
        ("analyst", _analyst_sentence(p)),
    ]
    return Brief(p.symbol, p.asof, tuple((k, s) for k, s in parts if s))
