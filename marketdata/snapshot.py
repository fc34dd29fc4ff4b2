"""The bundled snapshot: real daily bars and analyst actions shipped in ``data/``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marketdata.actions import empty_actions, normalize_actions
from marketdata.bars import clean_bars, empty_bars


class Snapshot:
    """Read-only access to ``<root>/prices/SYMBOL.csv`` and ``<root>/analyst_actions.csv``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def symbols(self) -> list[str]:
        """Return the symbols with a bundled price file, sorted."""
        return sorted(p.stem for p in (self.root / "prices").glob("*.csv"))

    def bars(self, symbol: str) -> pd.DataFrame:
        """Return the bundled bars for ``symbol`` (a bars frame), or an empty frame if none are bundled.

        ``symbol`` must already be validated (see :func:`marketdata.symbols.normalize_symbol`), so it
        cannot name a path outside the snapshot.
        """
        path = self.root / "prices" / f"{symbol}.csv"
        if not path.is_file():
            return empty_bars()
        raw = pd.read_csv(path, dtype={"date": str})
        bars, _rejected = clean_bars(raw)
        return bars

    def actions(self) -> pd.DataFrame:
        """Return the bundled analyst actions (actions frame, newest first)."""
        path = self.root / "analyst_actions.csv"
        if not path.is_file():
            return empty_actions()
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        return normalize_actions(raw, origin="bundled")
