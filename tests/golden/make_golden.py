"""Regenerate tests/golden/indicators_2025-11-24.csv from the reference implementation (not from indicators/).

Run: python -m tests.golden.make_golden
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.support.reference import bollinger_reference, ema_reference, sma_reference

ROOT = Path(__file__).resolve().parents[2]
ASOF = "2025-11-24"


def main() -> None:
    out = Path(__file__).with_name(f"indicators_{ASOF}.csv")
    with out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["symbol", "date", "close", "ema_20", "ema_50", "ema_100", "ema_200",
                         "sma_20", "sma_50", "sma_200", "bb_mid", "bb_upper", "bb_lower"])
        for symbol in ("CIFR", "CLSK", "IREN", "MARA", "RIOT"):
            with (ROOT / "data" / "prices" / f"{symbol}.csv").open() as fh_in:
                rows = [r for r in csv.DictReader(fh_in) if r["date"] <= ASOF]
            closes = [float(r["close"]) for r in rows]
            emas = [ema_reference(closes, w)[-1] for w in (20, 50, 100, 200)]
            smas = [sma_reference(closes, w)[-1] for w in (20, 50, 200)]
            mid, upper, lower = bollinger_reference(closes)[-1]
            writer.writerow([symbol, rows[-1]["date"], closes[-1],
                             *(f"{v:.12f}" for v in (*emas, *smas, mid, upper, lower))])


if __name__ == "__main__":
    main()
