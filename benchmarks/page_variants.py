"""Where the ticker page's time to chart goes: the page against stripped-down variants of itself and the floor.

Run: ``.venv/bin/python -m benchmarks.page_variants [--reps 5]``. Prints Markdown.

Each variant is a copy of the project's tracked files in a temporary folder (``git ls-files``), with
``pages/ticker.py`` replaced, served by the same ``dashboard.py`` (same ``st.navigation`` shell, sidebar, page
config and ``.streamlit/config.toml``) with ``LEVELS_OFFLINE=1``:

* ``shell + 3-point chart`` — the floor's figure on our ticker page and nothing else: what the multipage shell
  costs before any work of ours;
* ``shell + our chart`` — our 1Y chart of the symbol (``ui.data.chart``, every overlay on) and nothing else;
* ``full page`` — ``pages/ticker.py`` as it is.

``../shared/bench/floor_app.py`` runs next to them (read in place, never copied). Time to chart is measured as in
:mod:`benchmarks.browser_bench` (browser clock, navigation → ``.js-plotly-plot .main-svg``), on warm servers, the
apps interleaved, a fresh browser context per visit; medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import browser_bench as bb
from benchmarks.machine import cpu_model
from tests.support.chromium import launch_chromium

TINY_PAGE = '''import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2], name="floor")))
'''
CHART_PAGE = '''import streamlit as st

from ui import data
from ui.viewstate import DEFAULT_RANGE, OVERLAYS, ViewState

symbol = st.query_params.get("symbol", "CIFR")
figure = data.chart(ViewState(symbol=symbol, range=DEFAULT_RANGE, scale="linear", show=OVERLAYS))
st.plotly_chart(figure, key="chart", config={"displaylogo": False})
'''
VARIANTS: dict[str, str | None] = {
    "shell + 3-point chart": TINY_PAGE,
    "shell + our chart": CHART_PAGE,
    "full page": None,  # pages/ticker.py unchanged
}


def copy_project(dest: Path, ticker_page: str | None) -> Path:
    """Copy the tracked files of the project to ``dest``; replace ``pages/ticker.py`` when given."""
    files = subprocess.run(["git", "ls-files"], cwd=bb.ROOT, check=True, capture_output=True, text=True).stdout
    for name in files.splitlines():
        if name.startswith(("tests/", "docs/")):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(bb.ROOT / name, target)
    if ticker_page is not None:
        (dest / "pages" / "ticker.py").write_text(ticker_page)
    return dest / "dashboard.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="warm visits per variant (medians are reported)")
    parser.add_argument("--symbol", default="CIFR")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="page-variants-"))
    data_dir = work / "data"
    data_dir.mkdir()
    env = {"LEVELS_OFFLINE": "1", "LEVELS_DATA_DIR": str(data_dir)}
    apps = [bb.App(name, copy_project(work / f"v{i}", page), env, lambda t: f"/ticker?symbol={t}", False)
            for i, (name, page) in enumerate(VARIANTS.items())]
    apps.append(bb.App("floor", bb.SHARED_BENCH / "floor_app.py", {}, lambda t: "/", False))
    times: dict[str, list[float]] = {app.name: [] for app in apps}
    load_start = bb.loadavg()
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            servers = {app.name: bb.Server(app, work) for app in apps}
            try:
                for app in apps:
                    servers[app.name].start()
                    _, _, context, _ = bb.visit(browser, servers[app.name].url + app.page(args.symbol), None)
                    context.close()  # warm: every app has served the page once
                for rep in range(args.reps):
                    for app in apps:
                        ms, _, context, _ = bb.visit(browser, servers[app.name].url + app.page(args.symbol), None)
                        times[app.name].append(ms)
                        context.close()
                    print(f"  rep {rep + 1}/{args.reps} done", file=sys.stderr)
            finally:
                for server in servers.values():
                    server.stop()
                browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floor = statistics.median(times["floor"])
    print("## Ticker page variants: time to chart (warm, ms)\n")
    print(f"- Machine: {cpu_model()}; load average {load_start} at start, {bb.loadavg()} at end;"
          f" {args.reps} visits per app, symbol {args.symbol}\n")
    print("| App | Median | ÷ floor | Visits |")
    print("|---|---:|---:|---|")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"| {name} | {med:,.0f} | {med / floor:.2f} | {', '.join(f'{v:,.0f}' for v in values)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
