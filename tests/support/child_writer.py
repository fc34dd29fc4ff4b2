"""A child process that appends daily bars to a store through :class:`marketdata.store.Store`.

Used by ``tests/reliability/test_durability.py`` and ``tests/marketdata/test_store_contract.py`` (through
:class:`tests.support.children.Child`) to kill a writer with SIGKILL in the middle of a write and to run two writers at
once. Run from the project root::

    python tests/support/child_writer.py DB SYMBOL FIRST_DAY BATCHES BATCH_ROWS TAG [wait] [reverse]

DB is the path of an SQLite file or a ``postgresql://`` URL (the store contract suite runs it on both).

It appends ``BATCHES`` transactions of ``BATCH_ROWS`` bars each for ``SYMBOL``, on consecutive calendar days
starting ``FIRST_DAY`` days after 1900-01-01 (so two writers can be given disjoint or overlapping days). Every
bar of a writer carries ``TAG`` in its volume, so the test can tell which writer a stored row came from.

With ``wait`` it reads one line from stdin after ``ready`` before writing (so two writers start together);
with ``reverse`` it writes its batches from the last one down to the first (so two writers meet half-way).
It prints, flushing each line: ``ready`` once imported, ``begin I`` before batch I, ``committed I ADDED`` after
``append_bars`` returned (ADDED = rows it reported inserted), and ``done TOTAL`` at the end. Any exception
(e.g. ``database is locked``) escapes with a traceback on stderr and a non-zero exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from marketdata.store import store_at  # noqa: E402

EPOCH = pd.Timestamp("1900-01-01")


def batch_frame(first_day: int, rows: int, tag: float) -> pd.DataFrame:
    """Return ``rows`` valid bars on consecutive days from ``EPOCH + first_day``; volume = tag * 1e6 + day."""
    days = np.arange(first_day, first_day + rows, dtype="int64")
    index = pd.date_range(EPOCH + pd.Timedelta(days=first_day), periods=rows, freq="D", name="date")
    price = 10.0 + (days % 97) / 10
    return pd.DataFrame(
        {"open": price, "high": price + 1.0, "low": price - 1.0, "close": price + 0.5,
         "volume": tag * 1_000_000 + days.astype("float64")},
        index=index,
    )


def main(argv: list[str]) -> int:
    db, symbol, first, batches, size, tag = argv[:6]
    flags = set(argv[6:])
    store = store_at(db)
    first_day, n_batches, batch_rows, tag_value = int(first), int(batches), int(size), float(tag)
    print("ready", flush=True)
    if "wait" in flags:  # start writing when the parent says so, to line up two writers
        sys.stdin.readline()
    total = 0
    for i in reversed(range(n_batches)) if "reverse" in flags else range(n_batches):
        frame = batch_frame(first_day + i * batch_rows, batch_rows, tag_value)
        print(f"begin {i}", flush=True)
        added = store.append_bars(symbol, frame, f"child-{tag}")
        total += added
        print(f"committed {i} {added}", flush=True)
    print(f"done {total}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
