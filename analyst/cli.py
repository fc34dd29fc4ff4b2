"""Command line: ``python -m analyst levels SYMBOL [--asof YYYY-MM-DD] [--json] [--refresh]``,
``python -m analyst targets SYMBOL ...`` (analyst targets, see analyst.targets_cli) and
``python -m analyst refresh [SYMBOL ...] [--loop SECONDS]``.

Installed (``pip install -e .``), the same is the ``levels`` console command, where ``levels`` is the default
subcommand: ``levels CLSK --asof 2025-11-24`` is ``python -m analyst levels CLSK --asof 2025-11-24``;
``levels targets RIOT`` and ``levels refresh`` work as above.

``levels`` prints the brief, the EMA/band values, the trendlines and the horizontal levels as of the date, from
the bundled snapshot and the store (no network unless ``--refresh`` is given and offline mode is off).
Exit status: 0 on success, 1 when there is no data, 2 for invalid arguments.

``refresh`` is the refresh worker (:mod:`marketdata.worker`): it fetches new bars and analyst actions into the
store, one line per symbol on stdout (``refresh SYMBOL OUTCOME ROWS [message]``, ``request ID SYMBOL RESULT``, or
``busy: ...`` when another worker holds the lock). With ``--loop`` it runs a pass every SECONDS until SIGTERM or
Ctrl-C. Exit status: 0 (also when busy), 1 when the store cannot be reached, 2 for invalid arguments.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import asdict
from datetime import date
from typing import Any

from analyst import targets_cli
from analyst.brief import write_brief
from analyst.picture import TechnicalPicture, build_picture
from indicators.asof import INDICATOR_LABELS
from indicators.key_levels import KeyLevel, major_line
from indicators.levels import Level
from indicators.trendlines import Trendline
from marketdata.repository import Repository, default_repository
from marketdata.store import StoreError
from marketdata.symbols import InvalidSymbol, normalize_symbol
from marketdata.worker import RefreshWorker

COMMANDS = ("levels", "targets", "refresh")


def _parser(prog: str = "python -m analyst") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    levels = commands.add_parser("levels", help="brief, indicators, trendlines and levels of one ticker")
    levels.add_argument("symbol", help="ticker, e.g. CLSK")
    levels.add_argument("--asof", type=date.fromisoformat, default=None,
                        help="as-of date YYYY-MM-DD (default: last bar)")
    levels.add_argument("--json", action="store_true", help="print JSON instead of text")
    levels.add_argument("--refresh", action="store_true", help="try a live refresh first (unless LEVELS_OFFLINE=1)")
    targets_cli.add_parser(commands)
    refresh = commands.add_parser("refresh", help="the refresh worker: fetch new bars and analyst actions")
    refresh.add_argument("symbols", nargs="*", metavar="SYMBOL",
                         help="refresh these now (default: answer queued requests, then every symbol that is due)")
    refresh.add_argument("--loop", type=float, default=None, metavar="SECONDS",
                         help="run a pass every SECONDS until stopped (default: one pass)")
    return parser


def _line_dict(line: Trendline) -> dict[str, Any]:
    return {
        "kind": line.kind, "level": round(line.level_at_asof, 4),
        "slope_pct_per_year": round(line.slope_pct_per_year, 2),
        "direction": line.direction, "status": line.status, "touches": line.n_touches, "confirmed": line.confirmed,
        "long_term": line.long_term, "higher_lows_intact": line.higher_lows_intact,
        "since": line.first_date.isoformat(), "last_touch": line.last_touch_date.isoformat(),
        "anchors": [d.isoformat() for d in line.anchor_dates], "touch_dates": [d.isoformat() for d in line.touch_dates],
        "span_bars": line.span_bars, "distance_atr": round(line.distance_atr, 3), "score": round(line.score, 3),
        "major": major_line(line), "provisional": line.provisional,
    }


def _key_dict(key: KeyLevel | None) -> dict[str, Any] | None:
    if key is None:
        return None
    return {"price": key.price, "zone_low": key.zone_low, "zone_high": key.zone_high, "kind": key.kind,
            "name": key.name, "distance_pct": round(key.distance_pct, 3)}


def _level_dict(level: Level) -> dict[str, Any]:
    out = asdict(level)
    for key in ("first_touch", "last_touch"):
        out[key] = out[key].isoformat() if out[key] else None
    out["tags"] = list(out.get("tags", ()))
    return out


def picture_json(p: TechnicalPicture, source: str) -> dict[str, Any]:
    """Return the picture and its brief as JSON-ready data."""
    snap = p.snapshot
    return {
        "symbol": p.symbol, "asof": snap.date.isoformat(), "source": source,
        "close": snap.close, "prev_close": snap.prev_close, "change": snap.change, "change_pct": snap.change_pct,
        "brief": write_brief(p).text,
        "indicators": snap.values,
        "trendlines": {"support": [_line_dict(t) for t in p.supports],
                       "resistance": [_line_dict(t) for t in p.resistance_lines]},
        "levels": {"supports": [_level_dict(lv) for lv in p.levels.supports],
                   "resistances": [_level_dict(lv) for lv in p.levels.resistances],
                   "high_52w": p.levels.high_52w, "low_52w": p.levels.low_52w},
        "immediate_support": _key_dict(p.immediate_support),
        "immediate_resistance": _key_dict(p.immediate_resistance),
        "crosses": [{"date": c.date.isoformat(), "kind": c.kind, "family": c.family, "fast": c.fast, "slow": c.slow}
                    for c in p.recent_crosses()],
    }


def picture_text(p: TechnicalPicture, source: str) -> str:
    """Return the picture as plain text for a terminal."""
    snap = p.snapshot
    out = [f"{p.symbol} as of {snap.date} close  ({source})", "", write_brief(p).text, "", "Indicators"]
    for column, label in INDICATOR_LABELS.items():
        value = snap.values[column]
        out.append(f"  {label:<10} {'—' if value is None else f'{value:>10.2f}'}")
    out += ["", "Immediate (nearest major level of any kind)"]
    for side, key in (("resistance", p.immediate_resistance), ("support", p.immediate_support)):
        text = "none within 40%" if key is None else (
            f"{key.price:>10.2f}  zone {key.zone_low:.2f}–{key.zone_high:.2f}  {key.kind} ({key.name})")
        out.append(f"  {side:<10} {text}")
    out += ["", "Trendlines (within 40% of the close)"]
    for line in (*p.supports, *p.resistance_lines):
        flags = ("  major" if major_line(line) else "") + ("  provisional touch" if line.provisional else "")
        out.append(f"  {line.kind:<10} {line.level_at_asof:>10.2f}  {line.direction:<10} {line.status:<8}"
                   f" {line.n_touches} touches since {line.first_date}  slope {line.slope_pct_per_year:+.1f}%/yr"
                   + flags)
    if not (p.supports or p.resistance_lines):
        out.append("  none")
    out += ["", "Levels (within 40% of the close, highest first)"]
    for level in (*p.levels.resistances[::-1], *p.levels.supports):
        flags = ("  major" if level.major else "") + ("  provisional" if level.provisional else "")
        out.append(f"  {level.side:<10} {level.price:>10.2f}  zone {level.zone_low:.2f}–{level.zone_high:.2f}"
                   f"  {level.touches} touches  score {level.score:.1f}  {level.source}{flags}")
    if not (p.levels.supports or p.levels.resistances):
        out.append("  none")
    return "\n".join(out)


def _say(line: str) -> None:
    print(line, flush=True)


def refresh_main(args: argparse.Namespace, repository: Repository | None) -> int:
    """Run the refresh worker (one pass, or a loop); return the exit status."""
    try:
        symbols = [normalize_symbol(s) for s in args.symbols]
    except InvalidSymbol as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.loop is not None and not 1 <= args.loop <= 86_400:
        print("error: --loop takes 1 to 86400 seconds", file=sys.stderr)
        return 2
    repo = repository or default_repository()
    worker = RefreshWorker(repo, _say)
    try:
        if args.loop is None:
            try:
                worker.run_pass(symbols)
            except StoreError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            return 0
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        worker.loop(args.loop, stop, symbols)
        return 0
    finally:
        if repository is None:
            repo.close()


def main(argv: list[str] | None = None, repository: Repository | None = None, prog: str = "python -m analyst") -> int:
    """Run the command line; return the exit status."""
    args = _parser(prog).parse_args(argv)
    if args.command == "refresh":
        return refresh_main(args, repository)
    try:
        symbol = normalize_symbol(args.symbol)
    except InvalidSymbol as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    repo = repository or default_repository()
    try:
        return _levels(args, symbol, repo)
    finally:
        if repository is None:
            repo.close()


def console(argv: list[str] | None = None) -> int:
    """Run the ``levels`` console command (``[project.scripts]`` in pyproject.toml); return the exit status.

    Its first argument may be a subcommand (``levels``, ``targets``, ``refresh``) or, most often, a symbol, which
    means ``levels SYMBOL``; options alone (``-h``) go to the top-level parser.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in COMMANDS and not args[0].startswith("-"):
        args.insert(0, "levels")
    return main(args, prog="levels")


def _levels(args: argparse.Namespace, symbol: str, repo: Repository) -> int:
    result = repo.load(symbol, refresh=args.refresh)
    for notice in result.notices:
        print(f"note: {notice}", file=sys.stderr)
    if result.bars.empty:
        print(f"error: no data for {symbol} (not bundled, not in the local store)", file=sys.stderr)
        return 1
    if args.asof is not None and result.first_bar is not None and args.asof < result.first_bar:
        print(f"error: --asof {args.asof} is before the first bar of {symbol} ({result.first_bar})", file=sys.stderr)
        return 2
    if args.command == "targets":
        return targets_cli.run(args, symbol, repo, result.bars, result.source_label)
    picture = build_picture(symbol, result.bars, repo.actions(), args.asof)
    if args.json:
        print(json.dumps(picture_json(picture, result.source_label), indent=2, default=str))
    else:
        print(picture_text(picture, result.source_label))
    return 0
