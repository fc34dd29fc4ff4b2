"""Time to a rendered overview in real Chromium: this tree against an earlier commit, in the same run.

Run: ``.venv/bin/python -m benchmarks.overview_bench [--before REV] [--reps N]``. Prints Markdown.

* *before*: a clean ``git clone`` of ``REV`` (default ``0db5516``, the overview as a quote table, before the
  screener) in a temporary folder; *after*: this working tree. Both are served by ``streamlit run`` on loopback
  (``benchmarks.browser_bench.Server``: same flags, the same ``.streamlit/config.toml``), offline, each with a
  throw-away data folder, and visited at ``/`` (the overview) in Debian's Chromium through Playwright.
* Each server first serves the page twice (so the five pictures, indicator frames and bars are in its caches),
  then the visits alternate between the two apps, a fresh browser context per visit.
* *Time to overview*: browser clock (``performance.now()``, 0 = navigation start) when the table holds a row per
  ticker of the default universe (its grid mirrors the cells in an accessible table: one cell per ticker) and
  the script run has finished; the median over the repetitions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.browser_bench import NAV_TIMEOUT, ROOT, TICKERS, App, Server, loadavg
from benchmarks.machine import cpu_model
from tests.support.chromium import launch_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser

_TABLE_READY = """(tickers) => {
  const cells = Array.from(document.querySelectorAll('[data-testid="stDataFrame"] [data-testid^="glide-cell-"]'));
  const texts = new Set(cells.map(c => c.textContent.trim()));
  return tickers.every(t => texts.has(t)) ? performance.now() : null;
}"""


def visit(browser: Browser, url: str) -> float:
    """Return ms from navigation start to a table with every ticker, in a fresh context."""
    from tests.support.browser import wait_idle

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=NAV_TIMEOUT)
        handle = page.wait_for_function(_TABLE_READY, arg=list(TICKERS), polling="raf", timeout=NAV_TIMEOUT)
        ms = float(handle.json_value())
        wait_idle(page, timeout=NAV_TIMEOUT)
        return ms
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overview_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="0db5516", help="git revision to compare with (default 0db5516)")
    parser.add_argument("--reps", type=int, default=7, help="visits per app (medians are reported)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    os.chdir(ROOT)
    started = time.perf_counter()
    load_start = loadavg()
    with tempfile.TemporaryDirectory(prefix="overview-bench-") as tmp:
        tmp_path = Path(tmp)
        clone = tmp_path / "before"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", args.before], check=True)
        apps = {}
        for name, script in (("before", clone / "dashboard.py"), ("after", ROOT / "dashboard.py")):
            data_dir = tmp_path / f"data-{name}"
            data_dir.mkdir()
            apps[name] = App(name, script, {"LEVELS_OFFLINE": "1", "LEVELS_DATA_DIR": str(data_dir)},
                             lambda _t: "/", False)
        servers = {name: Server(app, tmp_path) for name, app in apps.items()}
        times: dict[str, list[float]] = {name: [] for name in apps}
        try:
            for server in servers.values():
                server.start()
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                try:
                    for server in servers.values():  # warm the caches: the five pictures are computed here
                        visit(browser, server.url + "/")
                        visit(browser, server.url + "/")
                    for rep in range(args.reps):
                        order = list(servers) if rep % 2 == 0 else list(reversed(servers))
                        for name in order:
                            times[name].append(visit(browser, servers[name].url + "/"))
                finally:
                    browser.close()
        finally:
            for server in servers.values():
                server.stop()
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    lines = [
        f"## Time to a rendered overview: this tree vs {args.before} (same run)", "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} logical cores; load average {load_start} at start,"
        f" {loadavg()} at end; {args.reps} warm visits per app, alternating; run took"
        f" {(time.perf_counter() - started) / 60:.1f} min", "",
        "| App | median (ms) | all visits (ms) |", "|---|---:|---|",
        f"| before ({args.before}) | {before:,.0f} | {', '.join(f'{t:,.0f}' for t in times['before'])} |",
        f"| after (this tree) | {after:,.0f} | {', '.join(f'{t:,.0f}' for t in times['after'])} |", "",
        f"After / before: **{after / before:.2f}×** (budget ≤ 1.2×)",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
