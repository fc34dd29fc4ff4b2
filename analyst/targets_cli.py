"""Command line: ``python -m analyst targets SYMBOL [--asof YYYY-MM-DD] [--json] [--refresh]``.

Prints the consensus of the live analyst targets as of the date (the as-of bar: a weekend or holiday uses the
previous close), every target action up to it with its outcome (reached / missed / pending, see
analyst.targets), and the firm scorecard. Bundled data and the local store (user-entered rows included); no
network unless ``--refresh``. Exit status: 0, 1 when there is no data, 2 for invalid arguments.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import date
from typing import Any

import pandas as pd

from analyst.money import usd
from analyst.targets import RETURN_MONTHS, Consensus, consensus, scorecard, track_record
from marketdata.repository import Repository


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``targets`` command to the command line's subcommands."""
    targets = commands.add_parser("targets", help="analyst targets: consensus, each target's outcome, firms")
    targets.add_argument("symbol", help="ticker, e.g. RIOT")
    targets.add_argument("--asof", type=date.fromisoformat, default=None,
                         help="as-of date YYYY-MM-DD (default: last bar)")
    targets.add_argument("--json", action="store_true", help="print JSON instead of text")
    targets.add_argument("--refresh", action="store_true", help="try a live refresh first (unless LEVELS_OFFLINE=1)")


def _num(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), digits)


def _day(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(pd.Timestamp(value).strftime("%Y-%m-%d"))


def targets_json(symbol: str, asof: date, close: float, cons: Consensus, track: pd.DataFrame,
                 source: str) -> dict[str, Any]:
    """Return the consensus, the actions with their outcomes and the firm scorecard as JSON-ready data."""
    actions = [{
        "date": _day(r.date), "firm": r.firm, "analysts": r.analysts, "action": r.action,
        "rating_from": r.rating_from, "rating_to": r.rating_to, "target_from": _num(r.target_from),
        "target": _num(r.target), "close": _num(r.close), "direction": r.direction or None,
        "window_end": _day(r.window_end), "status": r.status, "reached_on": _day(r.reached_on),
        "days": None if pd.isna(r.days) else int(r.days),
        **{f"return_{m}m": _num(getattr(r, f"return_{m}m")) for m in RETURN_MONTHS},
        "source": r.source, "origin": r.origin,
    } for r in track.itertuples(index=False)]
    firms = [{
        "firm": r.firm, "targets": int(r.targets), "reached": int(r.reached), "missed": int(r.missed),
        "pending": int(r.pending), "hit_rate": _num(r.hit_rate), "median_days": _num(r.median_days, 1),
    } for r in scorecard(track).itertuples(index=False)]
    upside = cons.upside(close)
    return {"symbol": symbol, "asof": asof.isoformat(), "close": close, "source": source,
            "consensus": {**cons.as_dict(), "upside_pct": _num(upside, 2)}, "actions": actions, "firms": firms}


def targets_text(data: dict[str, Any]) -> str:
    """Return :func:`targets_json`'s data as plain text for a terminal."""
    c = data["consensus"]
    out = [f"{data['symbol']} analyst targets as of {data['asof']} close {usd(data['close'])}  ({data['source']})",
           ""]
    if c["n"]:
        out.append(f"Consensus: {c['n']} firms, median {usd(c['median'])} (mean {usd(c['mean'])},"
                   f" range {usd(c['low'])} – {usd(c['high'])}), {c['upside_pct']:+.1f}% from the close;"
                   f" {c['buy']} Buy, {c['hold']} Hold, {c['sell']} Sell, {c['unknown']} unknown")
    else:
        out.append("Consensus: no firm has a live target (none dated within 365 days).")
    out += ["", "Targets (newest first)"]
    for a in data["actions"]:
        reached = f" on {a['reached_on']} ({a['days']} d)" if a["reached_on"] else ""
        out.append(f"  {a['date']}  {a['firm'][:24]:<24} ${a['target']:>9,.2f}  {a['status']}{reached}")
    if not data["actions"]:
        out.append("  none")
    out += ["", "Firms"]
    for f in data["firms"]:
        rate = "—" if f["hit_rate"] is None else f"{f['hit_rate'] * 100:.0f}%"
        days = "—" if f["median_days"] is None or math.isnan(f["median_days"]) else f"{f['median_days']:.0f} d"
        out.append(f"  {f['firm'][:24]:<24} {f['targets']:>3} targets  {f['reached']} reached  {f['missed']} missed"
                   f"  {f['pending']} pending  hit rate {rate}  median {days}")
    return "\n".join(out)


def run(args: argparse.Namespace, symbol: str, repo: Repository, bars: pd.DataFrame, source: str) -> int:
    """Print the targets report of ``symbol`` (bars already loaded and checked); return the exit status."""
    cut = bars.loc[: pd.Timestamp(args.asof)] if args.asof is not None else bars
    asof = cut.index[-1].date()
    actions = repo.actions()
    cons = consensus(actions, symbol, asof)
    data = targets_json(symbol, asof, float(cut["close"].iloc[-1]), cons, track_record(actions, bars, symbol, asof),
                        source)
    print(json.dumps(data, indent=2) if args.json else targets_text(data))
    return 0
