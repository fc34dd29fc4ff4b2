"""A child process that runs the refresh worker (``python -m analyst refresh``'s code) with a fake live source.

Used by ``tests/marketdata/test_worker.py`` and the deployment test to run real worker processes without Yahoo::

    python tests/support/child_worker.py STORE DATA_DIR DELAY [wait] [loop=SECONDS] [symbols=A,B] [actions]

STORE is an SQLite path or a ``postgresql://`` URL. The source answers every symbol with eight good bars after its
last bundled (or stored) one, taking DELAY seconds per request, and prints ``fetch SYMBOL`` before each answer; an
unknown symbol (one whose name starts with ``ZZ``) gets no rows. With ``actions`` each symbol also gets one analyst
action (firm "Child Worker Research", dated the day of its first new bar). New York time is frozen at 2026-11-20
21:00 (so the bars are final). The limits on new symbols come from the environment (``LEVELS_MAX_SYMBOLS``,
``LEVELS_NEW_SYMBOLS_PER_MINUTE``). With ``wait`` it prints ``ready`` and waits for a line on stdin before the pass. The
worker's own lines (``refresh ...``, ``request ...``, ``busy: ...``) follow on stdout.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analyst.cli import main as cli_main  # noqa: E402
from marketdata.actions import normalize_actions  # noqa: E402
from marketdata.config import Settings, load_settings  # noqa: E402
from marketdata.repository import Repository  # noqa: E402
from marketdata.sources import NoData, SourceError  # noqa: E402
from marketdata.store import is_postgres_url  # noqa: E402
from tests.support.bars import (  # noqa: E402
    good_rows,
    weekdays_after,
    yahoo_like,
)
from tests.support.sources import freeze_new_york  # noqa: E402

FIRM = "Child Worker Research"


class ChildSource:
    """Eight good bars after ``start`` (or after 2026-01-02 for a symbol with no data), slowly; see the docstring."""

    name = "child"

    def __init__(self, delay: float, with_actions: bool) -> None:
        self.delay = delay
        self.with_actions = with_actions
        self.first_day: dict[str, date] = {}

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        print(f"fetch {symbol}", flush=True)
        time.sleep(self.delay)
        if symbol.startswith("ZZ"):
            raise NoData(f"child returned no rows for {symbol}")
        days = weekdays_after(start - pd.Timedelta(days=1) if start else date(2026, 1, 2), 8)
        self.first_day[symbol] = days[0]
        return yahoo_like(good_rows(days, base=10.0 + len(symbol)))

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        if not self.with_actions:
            raise SourceError("child has no analyst actions")
        return normalize_actions(pd.DataFrame([{
            "date": self.first_day[symbol].isoformat(), "ticker": symbol, "firm": FIRM, "action": "raise_target",
            "rating_from": "Buy", "rating_to": "Buy", "target_from": 20, "target_to": 25,
        }]), source="child")


def main(argv: list[str]) -> int:
    target, data_dir, delay = argv[0], Path(argv[1]), float(argv[2])
    flags = dict(a.split("=", 1) if "=" in a else (a, "") for a in argv[3:])
    freeze_new_york(pytest.MonkeyPatch())
    limits = load_settings()  # LEVELS_MAX_SYMBOLS and LEVELS_NEW_SYMBOLS_PER_MINUTE from the environment
    settings = Settings(data_dir=data_dir, offline=False, refresh_timeout=5.0, refresh_interval=900.0,
                        failure_cooldown=300.0, database_url=target if is_postgres_url(target) else None,
                        version_ttl=0.0, max_symbols=limits.max_symbols,
                        new_symbols_per_minute=limits.new_symbols_per_minute)
    if not is_postgres_url(target):  # the SQLite file is DATA_DIR/levels.sqlite3
        settings = replace(settings, data_dir=Path(target).parent)
    repo = Repository(settings, ChildSource(delay, "actions" in flags))
    if "wait" in flags:
        print("ready", flush=True)
        sys.stdin.readline()
    args = ["refresh", *[s for s in flags.get("symbols", "").split(",") if s]]
    if "loop" in flags:
        args += ["--loop", flags["loop"]]
    try:
        return cli_main(args, repository=repo)
    finally:
        repo.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
