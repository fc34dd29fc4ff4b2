"""Real-browser benchmark of the dashboard against two baselines: Streamlit's floor and a naive peer app.

Run: ``.venv/bin/python -m benchmarks.browser_bench [--reps N] [--quick] [--out FILE.md] [--trace DIR]``.
Prints Markdown.

Apps (each ``python -m streamlit run <file> --server.headless true --server.port N --server.address 127.0.0.1
--browser.gatherUsageStats false --server.fileWatcherType none --server.runOnSave false`` through
``tests.support.server.StreamlitServer``, on loopback, from the project folder so all three read the same
``.streamlit/config.toml``; the file watcher is off because others edit files meanwhile):

* project — ``dashboard.py`` with ``LEVELS_OFFLINE=1`` and a throw-away ``LEVELS_DATA_DIR``; pages
  ``/ticker?symbol=X`` (default range 1Y);
* floor — ``../shared/bench/floor_app.py`` (one tiny plotly chart), page ``/``;
* naive peer — ``../shared/bench/naive_app.py`` (full history, ``ta`` EMAs + Bollinger, no caching), pages
  ``/?symbol=X``, ticker selectbox in the sidebar. The baseline files are run where they are, never copied.

Browser: Debian's Chromium (``/usr/bin/chromium``) through Playwright, headless, a fresh context per visit.

Measures (medians over the repetitions; the apps are interleaved so machine noise hits them alike):

1. *Server start → healthy*: wall time from ``Popen`` to ``/_stcore/health`` answering ``ok`` (50 ms polling).
2. *Time to chart*: browser clock (``performance.now()``, 0 = navigation start) when the first
   ``.js-plotly-plot .main-svg`` is in the DOM (polled every animation frame). *Cold*: the first visit after a
   fresh server start (one server per page and repetition). *Warm*: later visits to a server that has served
   every page once.
3. *Ticker switch*: pointer-down on the selectbox option → the plotly title contains the new symbol and the
   chart SVG is there (browser clock, polled every animation frame). *Uncached*: the first switch on a fresh
   server (the new symbol has never been loaded); *cached*: switches on the warm server. *Overlay toggle*: the
   project's ``EMA50`` pill, pointer-down → the ``EMA 50`` trace is gone (or back). *Legend toggle*
   (diagnostic, no budget): a click on ``EMA 50`` in the chart's legend, pointer-down → the trace is hidden
   (``legendonly``) or shown again; Plotly does it in the browser, without the server or the URL, but only
   after its double-click window (``doubleClickDelay``, 300 ms by default) has passed.
4. *Bytes*: websocket frames received by the page (Playwright ``framereceived``; payload sizes, i.e. after any
   permessage-deflate), decoded as Streamlit ``ForwardMsg``s to single out the ``plotly_chart`` element.
   *Server CPU*: ``utime + stime`` of the server process (``/proc/<pid>/stat``, all threads, 10 ms ticks)
   before and after N reruns triggered from the page (the ``r`` shortcut; each waits for ``script_finished``),
   divided by N: the *whole* script run of the page (every element, websocket work included), not the chart.
   The idle server's background CPU (measured for 3 s with the page connected) is also shown, and subtracted
   over the reruns' wall time in a second row; a third row is the project's figure above the floor's.
5. *Computation per ticker* (in-process, bundled snapshot): ``indicator_frame(bars)`` and
   ``build_picture(symbol, bars, actions)`` against the peer's ``ta`` EMA 20/50/100/200 + Bollinger (20, 2) on
   the full history, as ``naive_app.py`` does it; plus, as a diagnostic, the chart build and what
   ``st.plotly_chart`` does with it (``return_figure_from_figure_or_data`` + ``plotly.io.to_json``) for the
   project's 1Y view and for the peer's full-history figure.

Diagnostics: one extra visit per page with a CDP session (Network + Performance domains) gives a timeline
(HTML, websocket open, first ForwardMsg, plotly element received, script finished) and the renderer's
main-thread totals (task, script, layout, style) and HTTP bytes. Interactions on the warm server are split
with CDP websocket timestamps: BackMsg sent → chart message received (server) and the rest (browser).
*Repeat visit*: a second navigation in the same browser context (HTTP cache warm), which is what a returning
user gets. With ``--trace DIR``, one more visit per app is recorded as a Chromium performance trace with the V8
sampling profiler (``DIR/<app>.json``, opens in DevTools' Performance panel) and the JS self time is summed per
script chunk.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.machine import cpu_model
from tests.support.chromium import CHROMIUM, launch_chromium
from tests.support.server import StreamlitServer

ROOT = Path(__file__).resolve().parent.parent
SHARED_BENCH = (ROOT.parent / "shared" / "bench").resolve()
TICKERS = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")
STARTUP_TIMEOUT = 90.0
NAV_TIMEOUT = 90_000
KB = 1000.0

# Budgets from the issues (the legend toggle's from issue 14).
CHART_VS_FLOOR = 1.15
INTERACTION_VS_PEER = 0.5
LEGEND_VS_PEER = 0.35
CHART_PAYLOAD_KB = 150.0
RERUN_CPU_MS = 30.0

_CHART_READY = """(arg) => {
  const graph = document.querySelector('.js-plotly-plot');
  if (!graph || !graph.layout || !graph.data || !document.querySelector('.js-plotly-plot .main-svg')) return null;
  if (window.__benchT0 === null || window.__benchT0 === undefined) return null;
  const t = graph.layout.title;
  const title = typeof t === 'string' ? t : (t && t.text) || '';
  const names = graph.data.map(d => d.name);
  let ok;
  const trace = graph.data.find(d => d.name === arg.value);
  if (arg.kind === 'title') ok = title.includes(arg.value);
  else if (arg.kind === 'hidden') ok = !!trace && trace.visible === 'legendonly';
  else if (arg.kind === 'shown') ok = !!trace && trace.visible !== 'legendonly';
  else if (arg.kind === 'gone') ok = !names.includes(arg.value);
  else ok = names.includes(arg.value);
  return ok ? performance.now() - window.__benchT0 : null;
}"""
_INSTALL_T0 = """() => {
  window.__benchT0 = null;
  if (!window.__benchHook) {
    window.__benchHook = true;
    document.addEventListener('pointerdown', () => { window.__benchT0 = performance.now(); }, true);
  }
}"""


# --------------------------------------------------------------------------------------------- helpers


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def classify(data: bytes) -> str:
    """The kind of a Streamlit ForwardMsg frame: its type, or ``delta:<element type>``."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        msg = ForwardMsg.FromString(data)
    except Exception:  # noqa: BLE001 - any undecodable frame is just counted as such
        return "undecodable"
    kind = msg.WhichOneof("type") or "?"
    if kind == "delta":
        delta_kind = msg.delta.WhichOneof("type") or "?"
        if delta_kind == "new_element":
            return f"delta:{msg.delta.new_element.WhichOneof('type')}"
        return f"delta:{delta_kind}"
    return kind


# --------------------------------------------------------------------------------------------- apps


@dataclass(frozen=True)
class App:
    name: str
    script: Path
    env: dict[str, str]
    page: Callable[[str], str]  # ticker -> URL path + query
    switch: bool  # has a ticker selectbox

    def pages(self, tickers: tuple[str, ...]) -> list[tuple[str, str]]:
        """(ticker, path) for each page; the floor has a single page whatever the ticker."""
        return [(t, self.page(t)) for t in tickers]


class Server(StreamlitServer):
    """One ``streamlit run`` subprocess of ``app`` on a free loopback port (one start attempt: its time is measured),
    logging to ``log_dir/<app>.log``."""

    def __init__(self, app: App, log_dir: Path) -> None:
        super().__init__(log_dir / f"{app.name}.log", app.script, env=app.env, startup_timeout=STARTUP_TIMEOUT,
                         period=0.05, attempts=1, stop_timeout=15.0, name=f"{app.name}: Streamlit")
        self.app = app


# --------------------------------------------------------------------------------------------- browser side


class FrameLog:
    """Websocket frames the page receives (Playwright ``framereceived``), with their ForwardMsg kinds."""

    def __init__(self, page) -> None:
        self.frames: list[tuple[int, str]] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._on_frame))

    def _on_frame(self, payload: str | bytes) -> None:
        data = payload if isinstance(payload, bytes) else payload.encode()
        self.frames.append((len(data), classify(data)))

    def mark(self) -> int:
        return len(self.frames)

    def total(self, since: int = 0) -> int:
        return sum(size for size, _ in self.frames[since:])

    def of_kind(self, kind: str, since: int = 0) -> int:
        return sum(size for size, k in self.frames[since:] if k == kind)

    def count(self, kind: str) -> int:
        return sum(1 for _, k in self.frames if k == kind)


class CdpFrames:
    """Websocket frame times from a CDP session (for splitting an interaction into server and browser time)."""

    def __init__(self, context, page) -> None:
        self.events: list[tuple[float, str, str]] = []  # (CDP timestamp s, "sent"/"recv", kind)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameSent", lambda e: self.events.append((e["timestamp"], "sent", "")))
        cdp.on("Network.webSocketFrameReceived", self._on_recv)

    def _on_recv(self, e) -> None:
        resp = e["response"]
        kind = classify(base64.b64decode(resp["payloadData"])) if resp.get("opcode") == 2 else "text"
        self.events.append((e["timestamp"], "recv", kind))

    def mark(self) -> int:
        return len(self.events)

    def split(self, mark: int) -> tuple[float | None, float | None]:
        """ms from the first BackMsg sent after ``mark`` to the chart message (the plotly element, or a
        ``ref_hash`` — only messages over 10 KB are cached, and the chart is the one large element) and to
        ``script_finished``."""
        events = self.events[mark:]
        sent = next((t for t, d, _ in events if d == "sent"), None)
        if sent is None:
            return None, None
        chart = next((t for t, d, k in events if d == "recv" and t >= sent
                      and k in ("delta:plotly_chart", "ref_hash")), None)
        done = next((t for t, d, k in events if d == "recv" and t >= sent and k == "script_finished"), None)
        return (None if chart is None else (chart - sent) * 1000), (None if done is None else (done - sent) * 1000)


@dataclass
class Results:
    health: dict[str, list[float]] = field(default_factory=dict)  # app -> seconds
    cold: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (app, ticker) -> ms
    warm: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    switch_uncached: dict[str, list[float]] = field(default_factory=dict)
    switch_cached: dict[str, list[float]] = field(default_factory=dict)
    switch_bytes: dict[str, list[float]] = field(default_factory=dict)
    switch_cpu_ms: dict[str, float] = field(default_factory=dict)
    toggle: list[float] = field(default_factory=list)
    toggle_bytes: list[float] = field(default_factory=list)
    toggle_cpu_ms: float | None = None
    legend_toggle: list[float] = field(default_factory=list)
    tag_toggle: list[float] = field(default_factory=list)
    chart_bytes: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    page_bytes: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cold_cpu: dict[str, list[float]] = field(default_factory=dict)  # server CPU from start to first page done
    rerun_cpu_ms: dict[str, float] = field(default_factory=dict)
    rerun_wall_ms: dict[str, float] = field(default_factory=dict)
    idle_cpu: dict[str, float] = field(default_factory=dict)  # server CPU ms per second, connected and idle
    compute: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # measure -> ticker -> ms
    timeline: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    repeat: dict[str, list[float]] = field(default_factory=dict)  # same-context second visit, ms
    js_self: dict[str, dict[str, float]] = field(default_factory=dict)  # app -> script chunk -> ms
    split: dict[tuple[str, str], list[tuple[float, float | None, float | None]]] = field(default_factory=dict)
    cold_runs: dict[str, list[float]] = field(default_factory=dict)  # script runs during a cold visit
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def add(store: dict, key, value: float) -> None:
        store.setdefault(key, []).append(value)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(NAV_TIMEOUT)
    page = context.new_page()
    return context, page, FrameLog(page)


def visit(browser, url: str, expect: str | None) -> tuple[float, FrameLog, object, object]:
    """Open ``url`` in a fresh context; return time to chart (ms), the frames, the context and the page."""
    from tests.support.browser import open_app, read_chart

    context, page, frames = new_page(browser)
    ms = open_app(page, url, timeout=NAV_TIMEOUT)
    if expect is not None:
        title = read_chart(page).title
        if expect not in title:
            raise RuntimeError(f"{url}: chart title {title!r} does not name {expect}")
    return float(ms), frames, context, page


def timed_action(page, act: Callable[[], None], kind: str, value: str) -> float:
    """Run ``act`` (a click); return ms from its pointer-down to the chart condition, then wait for idle."""
    from tests.support.browser import wait_idle

    page.evaluate(_INSTALL_T0)
    act()
    handle = page.wait_for_function(_CHART_READY, arg={"kind": kind, "value": value}, polling="raf",
                                    timeout=NAV_TIMEOUT)
    ms = float(handle.json_value())
    wait_idle(page, timeout=NAV_TIMEOUT)
    return ms


def switch_ticker(page, symbol: str) -> float:
    """Switch ticker in the app's own picker; return ms from the click on the symbol to the chart naming it.

    The project's picker is the ticker page's *Ticker* menu (pills in a popover, opened here when closed); the
    peer's is a selectbox in its sidebar (opened here). Only the click on the symbol is timed."""
    from tests.support.browser import ticker_menu, widget

    if page.get_by_test_id("stPopover").filter(has_text="Ticker").count():
        option = ticker_menu(page).get_by_role("radio", name=symbol, exact=True)
    else:
        widget(page, "stSelectbox", "Ticker").get_by_role("combobox").click()
        option = page.get_by_role("option", name=symbol, exact=True)
    option.wait_for(state="visible")

    def act() -> None:
        page.evaluate("() => { window.__benchT0 = null; }")  # the clicks that opened the picker set it
        option.click()

    return timed_action(page, act, "title", symbol)


def overlay_pills(page):
    """The project's Overlays pills: in the toolbar's popover (opened here when closed), or inline (older layout)."""
    from tests.support.browser import wait_idle, widget

    pills = widget(page, "stButtonGroup", "Overlays")
    if not pills.count() or not pills.first.is_visible():
        page.get_by_test_id("stPopover").filter(has_text="Overlays").get_by_role("button").first.click()
        pills.first.wait_for(state="visible")
        wait_idle(page, timeout=NAV_TIMEOUT)
    return pills


def toggle_ema50(page, present_after: bool) -> float:
    pill = overlay_pills(page).get_by_role("button", name="EMA50", exact=True)
    return timed_action(page, pill.click, "has" if present_after else "gone", "EMA 50")


def legend_toggle_ema50(page, hidden_after: bool) -> float:
    item = page.locator(".js-plotly-plot .legend .traces").filter(has_text="EMA 50").locator(".legendtoggle")
    return timed_action(page, item.click, "hidden" if hidden_after else "shown", "EMA 50")


def tag_toggle_ema50(page, hidden_after: bool) -> float:
    """Click the EMA 50 value tag (a one-entry legend of its own at the right edge, ui.value_tags)."""
    item = page.locator(".js-plotly-plot g.infolayer > g[class^=legend]:not(.legend) .traces").filter(
        has_text=re.compile(r"EMA50 ")).locator("[class$=toggle]")
    return timed_action(page, item.click, "hidden" if hidden_after else "shown", "EMA 50")


def idle_cpu_rate(page, server: Server, seconds: float = 3.0) -> float:
    """Server CPU ms per wall second while the page is connected and idle (the server's background work)."""
    cpu0, wall0 = server.cpu_seconds(), time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    return (server.cpu_seconds() - cpu0) * 1000 / (time.perf_counter() - wall0)


def rerun_cpu(page, frames: FrameLog, server: Server, n: int) -> tuple[float, float]:
    """Server CPU ms and wall ms per rerun, over ``n`` reruns triggered with the ``r`` shortcut."""
    from tests.support.browser import wait_idle

    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # keys go to the page
    wait_idle(page, timeout=NAV_TIMEOUT)
    cpu0, wall0 = server.cpu_seconds(), time.perf_counter()
    for _ in range(n):
        done = frames.count("script_finished")
        page.keyboard.press("r")
        deadline = time.monotonic() + NAV_TIMEOUT / 1000
        while frames.count("script_finished") <= done:
            if time.monotonic() > deadline:
                raise RuntimeError("the 'r' shortcut did not trigger a rerun")
            page.wait_for_timeout(10)
        wait_idle(page, timeout=NAV_TIMEOUT, settle_ms=50)
    return (server.cpu_seconds() - cpu0) * 1000 / n, (time.perf_counter() - wall0) * 1000 / n


def timeline_visit(browser, url: str) -> dict[str, float]:
    """One visit with a CDP session: milestones (ms from the document request) and renderer totals."""
    from tests.support.browser import open_app

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Performance.enable", {"timeDomain": "timeTicks"})
    marks: dict[str, float] = {}
    http_bytes = [0]
    doc_id: list[str] = []

    def first(name: str, ts: float) -> None:
        marks.setdefault(name, ts)

    def on_request(e) -> None:
        if e.get("type") == "Document" and not doc_id:
            doc_id.append(e["requestId"])
            first("request", e["timestamp"])

    def on_response(e) -> None:
        if doc_id and e["requestId"] == doc_id[0]:
            first("html", e["timestamp"])

    def on_frame(e) -> None:
        resp = e["response"]
        if resp.get("opcode") != 2:
            return
        kind = classify(base64.b64decode(resp["payloadData"]))
        first("first_msg", e["timestamp"])
        if kind == "delta:plotly_chart":
            first("plotly_msg", e["timestamp"])
        if kind == "script_finished":
            first("finished", e["timestamp"])

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.webSocketWillSendHandshakeRequest", lambda e: first("ws_open", e["timestamp"]))
    cdp.on("Network.webSocketFrameReceived", on_frame)
    cdp.on("Network.loadingFinished", lambda e: http_bytes.__setitem__(0, http_bytes[0] + e["encodedDataLength"]))
    try:
        chart_ms = open_app(page, url, timeout=NAV_TIMEOUT)
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    finally:
        context.close()
    base = marks.get("request", 0.0)
    out = {k: (v - base) * 1000 for k, v in marks.items() if k != "request"}
    out["chart"] = float(chart_ms)
    if "DomContentLoaded" in metrics and "NavigationStart" in metrics:
        out["dcl"] = (metrics["DomContentLoaded"] - base) * 1000
    for name in ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"):
        out[name] = metrics.get(name, float("nan")) * 1000
    out["heap_mb"] = metrics.get("JSHeapUsedSize", float("nan")) / 1e6
    out["nodes"] = metrics.get("Nodes", float("nan"))
    out["http_kb"] = http_bytes[0] / KB
    return out


TRACE_CATEGORIES = ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline", "loading",
                    "disabled-by-default-v8.cpu_profiler"]


def js_self_time(trace_path: Path) -> dict[str, float]:
    """Self time (ms) per script chunk (file name up to its first dot) from the V8 samples of a trace."""
    import json

    raw = json.loads(trace_path.read_text())
    events = raw["traceEvents"] if isinstance(raw, dict) else raw
    nodes: dict[tuple[str, int], dict] = {}
    out: dict[str, float] = {}
    for e in events:
        if e.get("name") != "ProfileChunk":
            continue
        data = e["args"]["data"]
        profile = data.get("cpuProfile", {})
        for node in profile.get("nodes", []):
            nodes[(e["id"], node["id"])] = node
        for sample, delta in zip(profile.get("samples", []), data.get("timeDeltas", []), strict=False):
            node = nodes.get((e["id"], sample))
            if node is None:
                continue
            frame = node["callFrame"]
            chunk = frame.get("url", "").rsplit("/", 1)[-1].split(".")[0] or frame.get("functionName") or "?"
            out[chunk] = out.get(chunk, 0.0) + max(delta, 0) / 1000
    return out


def trace_visit(browser, url: str, path: Path) -> dict[str, float]:
    """One visit recorded as a Chromium trace at ``path``; return the JS self time per script chunk."""
    from tests.support.browser import open_app

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    browser.start_tracing(page=page, path=str(path), categories=TRACE_CATEGORIES)
    try:
        open_app(page, url, timeout=NAV_TIMEOUT)
    finally:
        browser.stop_tracing()
        context.close()
    return js_self_time(path)


# --------------------------------------------------------------------------------------------- phases


def phase_cold(browser, apps: list[App], tickers: tuple[str, ...], reps: int, res: Results, logs: Path) -> None:
    """A fresh server per (rep, ticker, app): health time, cold time to chart, then the first (uncached) switch."""
    for rep in range(reps):
        for i, ticker in enumerate(tickers):
            nxt = tickers[(i + 1) % len(tickers)]
            for app in apps:
                server = Server(app, logs)
                try:
                    res.add(res.health, app.name, server.start())
                    cpu0 = server.cpu_seconds()
                    ms, frames, context, page = visit(browser, server.url + app.page(ticker),
                                                      ticker if app.switch else None)
                    res.add(res.cold, (app.name, ticker), ms)
                    res.add(res.cold_runs, app.name, frames.count("script_finished"))
                    res.add(res.cold_cpu, app.name, (server.cpu_seconds() - cpu0) * 1000)
                    if app.switch and len(tickers) > 1:
                        res.add(res.switch_uncached, app.name, switch_ticker(page, nxt))
                    context.close()
                finally:
                    server.stop()
                print(f"  cold rep {rep + 1}/{reps} {ticker} {app.name}: {ms:.0f} ms", file=sys.stderr)


def phase_warm(browser, apps: list[App], tickers: tuple[str, ...], reps: int, reruns: int, res: Results,
               logs: Path, trace_dir: Path | None = None) -> None:
    """Long-lived servers: warm time to chart and bytes, cached switches, overlay toggles, rerun CPU, timeline."""
    from tests.support.browser import open_app

    servers = {app.name: Server(app, logs) for app in apps}
    try:
        for app in apps:
            res.add(res.health, app.name, servers[app.name].start())
        for app in apps:  # prime: every page served once
            for _ticker, path in app.pages(tickers):
                _, _, context, _ = visit(browser, servers[app.name].url + path, None)
                context.close()
                if not app.switch:
                    break
        for rep in range(reps):
            for ticker in tickers:
                for app in apps:
                    ms, frames, context, _ = visit(browser, servers[app.name].url + app.page(ticker),
                                                   ticker if app.switch else None)
                    res.add(res.warm, (app.name, ticker), ms)
                    res.add(res.chart_bytes, (app.name, ticker), frames.of_kind("delta:plotly_chart") / KB)
                    res.add(res.page_bytes, (app.name, ticker), frames.total() / KB)
                    if ticker == tickers[0]:  # a returning user: same context, HTTP cache warm
                        page = context.pages[0]
                        page.goto("about:blank")
                        res.add(res.repeat, app.name, float(open_app(page, servers[app.name].url + app.page(ticker),
                                                                     timeout=NAV_TIMEOUT)))
                    context.close()
            print(f"  warm rep {rep + 1}/{reps} done", file=sys.stderr)

        for app in apps:
            server = servers[app.name]
            context, page, frames = new_page(browser)
            cdp = CdpFrames(context, page)
            open_app(page, server.url + app.page(tickers[0]), timeout=NAV_TIMEOUT)
            if app.switch and len(tickers) > 1:
                order = [*tickers[1:], tickers[0]] * reps
                cpu0 = server.cpu_seconds()
                for symbol in order:
                    mark, cdp_mark = frames.mark(), cdp.mark()
                    ms = switch_ticker(page, symbol)
                    res.add(res.switch_cached, app.name, ms)
                    res.add(res.switch_bytes, app.name, frames.total(mark) / KB)
                    res.add(res.split, (app.name, "ticker switch, cached"), (ms, *cdp.split(cdp_mark)))
                res.switch_cpu_ms[app.name] = (server.cpu_seconds() - cpu0) * 1000 / len(order)
            if app.name == "project":
                cpu0 = server.cpu_seconds()
                for _ in range(reps):
                    for present_after in (False, True):
                        mark, cdp_mark = frames.mark(), cdp.mark()
                        ms = toggle_ema50(page, present_after)
                        res.toggle.append(ms)
                        res.toggle_bytes.append(frames.total(mark) / KB)
                        res.add(res.split, (app.name, "overlay toggle"), (ms, *cdp.split(cdp_mark)))
                res.toggle_cpu_ms = (server.cpu_seconds() - cpu0) * 1000 / (2 * reps)
                page.keyboard.press("Escape")  # close the Overlays popover, if any, off the chart
                for _ in range(reps):
                    for hidden_after in (True, False):
                        res.legend_toggle.append(legend_toggle_ema50(page, hidden_after))
                if page.locator(".js-plotly-plot g.infolayer > g[class^=legend]:not(.legend)").count():
                    for _ in range(reps):
                        for hidden_after in (True, False):
                            res.tag_toggle.append(tag_toggle_ema50(page, hidden_after))
            res.idle_cpu[app.name] = idle_cpu_rate(page, server)
            res.rerun_cpu_ms[app.name], res.rerun_wall_ms[app.name] = rerun_cpu(page, frames, server, reruns)
            context.close()
            print(f"  interactions {app.name} done", file=sys.stderr)

        for app in apps:
            for _ticker, path in app.pages(tickers[:2] if app.switch else tickers[:1]):
                res.timeline.setdefault(app.name, []).append(timeline_visit(browser, servers[app.name].url + path))
            if trace_dir is not None:
                trace_dir.mkdir(parents=True, exist_ok=True)
                res.js_self[app.name] = trace_visit(browser, servers[app.name].url + app.page(tickers[0]),
                                                    trace_dir / f"{app.name}.json")
    finally:
        for server in servers.values():
            server.stop()


def phase_compute(tickers: tuple[str, ...], reps: int, res: Results) -> None:
    """In-process timings per ticker: the project's indicators / picture / chart vs the peer's ta code."""
    import plotly.graph_objects as go
    import plotly.io
    import plotly.tools
    import ta

    from analyst.picture import build_picture
    from indicators.asof import indicator_frame
    from marketdata.config import BUNDLED_DIR
    from marketdata.snapshot import Snapshot
    from ui.chart import build_figure
    from ui.viewstate import ViewState

    def peer_indicators(df):
        out = {}
        for w in (20, 50, 100, 200):
            out[f"EMA {w}"] = ta.trend.EMAIndicator(df.close, w).ema_indicator()
        bb = ta.volatility.BollingerBands(df.close, 20, 2)
        out["BB upper"], out["BB lower"] = bb.bollinger_hband(), bb.bollinger_lband()
        return out

    def serialize(fig) -> str:  # what st.plotly_chart does with a figure (plotly_chart.py, Streamlit 1.67)
        return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True),
                                 validate=False)

    def peer_chart(symbol, df):  # naive_app.py's figure, then what st.plotly_chart serializes
        fig = go.Figure(go.Candlestick(x=df.index, open=df.open, high=df.high, low=df.low, close=df.close,
                                       name=symbol))
        for name, series in peer_indicators(df).items():
            fig.add_trace(go.Scatter(x=df.index, y=series, name=name))
        fig.update_layout(height=700, xaxis_rangeslider_visible=False, title=f"{symbol} technical levels")
        return serialize(fig)

    snap = Snapshot(BUNDLED_DIR)
    actions = snap.actions()
    n = max(5, 3 * reps)
    for symbol in tickers:
        bars = snap.bars(symbol)
        picture = build_picture(symbol, bars, actions)  # warm-up (imports, first-call costs)
        view = ViewState(symbol=symbol)
        cases = {
            "indicator_frame": lambda b=bars: indicator_frame(b),
            "build_picture": lambda s=symbol, b=bars: build_picture(s, b, actions),
            "peer ta EMA+BB": lambda b=bars: peer_indicators(b),
            "chart build + serialize (project 1Y)": lambda p=picture, v=view: serialize(
                build_figure(p.frame, actions, v, picture=p)),
            "chart build + serialize (peer, full history)": lambda s=symbol, b=bars: peer_chart(s, b),
        }
        for name, fn in cases.items():
            fn()
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            res.compute.setdefault(name, {})[symbol] = times


# --------------------------------------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "**FAIL**")


def pooled(store: dict, app: str) -> list[float]:
    return [v for (a, _), values in store.items() if a == app for v in values]


APPS = ("project", "floor", "naive")
#: One row of the summary table: label, project, floor and peer values, budget, verdict, decimals shown.
SummaryRow = tuple[str, float | None, float | None, float | None, str, bool | None, int]


def summary_row(label: str, pv: float | None, fv: float | None, nv: float | None, budget: str = "",
                ok: bool | None = None, digits: int = 0) -> SummaryRow:
    return (label, pv, fv, nv, budget, ok, digits)


def report_header(info: dict[str, str], tickers: tuple[str, ...], reps: int, reruns: int) -> list[str]:
    """The title and the run's machine, load, repetitions and tickers."""
    return [
        "## Browser benchmark: project vs floor vs naive peer\n",
        f"- Machine: {info['cpu']}, {info['cores']} logical cores; Python {info['python']}; "
        f"Chromium {info['chromium']}; Streamlit {info['streamlit']}, plotly {info['plotly']}",
        f"- Load average (1/5/15 min): {info['load_start']} at start, {info['load_end']} at end; "
        f"run took {info['duration']}; {info['when']}",
        f"- Repetitions: {reps} (medians); tickers: {', '.join(tickers)}; reruns per CPU figure: {reruns}. "
        "Noisy shared machine: read the ratios (same run, interleaved apps) before the absolute times.\n",
    ]


def page_load_rows(res: Results, tickers: tuple[str, ...]) -> list[SummaryRow]:
    """Server start, time to chart (cold and warm, pooled and slowest ticker) and the repeat visit."""
    p, f, n = APPS
    health = {a: median(res.health.get(a, [])) for a in APPS}
    rows = [summary_row("Server start → healthy (s)", health[p], health[f], health[n], digits=2)]
    for label, store in (("cold", res.cold), ("warm", res.warm)):
        pv, fv, nv = (median(pooled(store, a)) for a in APPS)
        per_ticker = [median(store.get((p, t), [])) for t in tickers]
        worst = max((v for v in per_ticker if v is not None), default=None)
        ok = None if pv is None or fv is None else pv <= CHART_VS_FLOOR * fv
        rows.append(summary_row(f"Time to chart, {label}, all tickers (ms)", pv, fv, nv,
                                f"≤ {CHART_VS_FLOOR} × floor", ok))
        ok = None if worst is None or fv is None else worst <= CHART_VS_FLOOR * fv
        nworst = max((median(store.get((n, t), [])) or 0 for t in tickers), default=None)
        rows.append(summary_row(f"Time to chart, {label}, slowest ticker (ms)", worst, fv, nworst,
                                f"≤ {CHART_VS_FLOOR} × floor", ok))
    rows.append(summary_row("Time to chart, repeat visit in the same context (HTTP cache), first ticker (ms)",
                            *(median(res.repeat.get(a, [])) for a in APPS)))
    return rows


def interaction_rows(res: Results) -> list[SummaryRow]:
    """Ticker switches, the overlay, legend and value-tag toggles, against the peer's cached switch."""
    p, _f, n = APPS
    rows = []
    peer_switch = median(res.switch_cached.get(n, []))
    peer_first = median(res.switch_uncached.get(n, []))
    for label, pv, nv in (("Ticker switch, symbol not loaded yet (ms)", median(res.switch_uncached.get(p, [])),
                           peer_first),
                          ("Ticker switch, cached (ms)", median(res.switch_cached.get(p, [])), peer_switch)):
        ok = None if pv is None or nv is None else pv <= INTERACTION_VS_PEER * nv
        rows.append(summary_row(label, pv, None, nv, f"≤ {INTERACTION_VS_PEER} × peer switch", ok))
    tv = median(res.toggle)
    ok = None if tv is None or peer_switch is None else tv <= INTERACTION_VS_PEER * peer_switch
    rows.append(summary_row("Overlay toggle EMA50 off/on (ms; peer: its cached switch)", tv, None, peer_switch,
                            f"≤ {INTERACTION_VS_PEER} × peer switch", ok))
    lv = median(res.legend_toggle)
    ok = None if lv is None or peer_switch is None else lv <= LEGEND_VS_PEER * peer_switch
    rows.append(summary_row("Legend toggle EMA 50 hide/show, in the browser only (ms; peer: its cached switch)",
                            lv, None, peer_switch, f"≤ {LEGEND_VS_PEER} × peer switch", ok))
    rows.append(summary_row("Value tag toggle EMA 50 hide/show, in the browser only (ms; peer: its cached switch)",
                            median(res.tag_toggle), None, peer_switch))
    return rows


def byte_rows(res: Results, tickers: tuple[str, ...]) -> list[SummaryRow]:
    """The plotly_chart message's size against its budget, and websocket bytes per page load and interaction."""
    p, f, n = APPS
    chart = {a: median(pooled(res.chart_bytes, a)) for a in APPS}
    worst_chart = max((median(res.chart_bytes.get((p, t), [])) or 0 for t in tickers), default=None)
    return [
        summary_row("Chart payload, plotly_chart message, 1Y view (KB)", chart[p], chart[f], chart[n],
                    f"≤ {CHART_PAYLOAD_KB:.0f} KB", None if chart[p] is None else chart[p] <= CHART_PAYLOAD_KB, 1),
        summary_row("Chart payload, largest ticker (KB)", worst_chart, chart[f],
                    max((median(res.chart_bytes.get((n, t), [])) or 0 for t in tickers), default=None),
                    f"≤ {CHART_PAYLOAD_KB:.0f} KB", None if worst_chart is None else worst_chart <= CHART_PAYLOAD_KB,
                    1),
        summary_row("Websocket bytes, whole page load (KB)", *(median(pooled(res.page_bytes, a)) for a in APPS),
                    digits=1),
        summary_row("Websocket bytes per ticker switch (KB)", median(res.switch_bytes.get(p, [])), None,
                    median(res.switch_bytes.get(n, [])), digits=1),
        summary_row("Websocket bytes per overlay toggle (KB)", median(res.toggle_bytes), None, None, digits=1),
    ]


def server_cpu_rows(res: Results) -> list[SummaryRow]:
    """Server CPU per rerun (raw, less the idle background, above the floor's), idle, per interaction, at start."""
    p, f, n = APPS
    rc = {a: res.rerun_cpu_ms.get(a) for a in APPS}
    net = {a: None if rc[a] is None else rc[a] - res.idle_cpu.get(a, 0.0) * res.rerun_wall_ms.get(a, 0.0) / 1000
           for a in APPS}
    above = None if net[p] is None or net[f] is None else net[p] - net[f]
    return [
        summary_row("Server CPU per rerun, cached data, whole script run (ms)", rc[p], rc[f], rc[n],
                    f"≤ {RERUN_CPU_MS:.0f} ms", None if rc[p] is None else rc[p] <= RERUN_CPU_MS),
        summary_row("… less the idle server's background CPU over the same wall time (ms)", net[p], net[f], net[n],
                    f"≤ {RERUN_CPU_MS:.0f} ms", None if net[p] is None else net[p] <= RERUN_CPU_MS),
        summary_row("… the project's rerun above the floor's (ms; the floor's own run is Streamlit + plotly overhead)",
                    above, None, None, f"≤ {RERUN_CPU_MS:.0f} ms", None if above is None else above <= RERUN_CPU_MS),
        summary_row("Idle server background CPU, page connected (ms per s)", *(res.idle_cpu.get(a) for a in APPS),
                    digits=1),
        summary_row("Wall time per rerun ('r' → script_finished → idle, ms)",
                    *(res.rerun_wall_ms.get(a) for a in APPS)),
        summary_row("Server CPU per cached ticker switch (ms)", res.switch_cpu_ms.get(p), None,
                    res.switch_cpu_ms.get(n)),
        summary_row("Server CPU per overlay toggle (fragment run, ms)", res.toggle_cpu_ms, None, None),
        summary_row("Server CPU, start + first page (ms)", *(median(res.cold_cpu.get(a, [])) for a in APPS)),
        summary_row("Script runs during a cold visit", *(median(res.cold_runs.get(a, [])) for a in APPS)),
    ]


def computation_rows(res: Results) -> list[SummaryRow]:
    """In-process indicator, picture and chart-build times (all tickers pooled) against the peer's."""

    def pooled_compute(name: str) -> float | None:
        return median([v for vs in res.compute.get(name, {}).values() for v in vs])

    peer_ta = pooled_compute("peer ta EMA+BB")
    rows = [summary_row(f"In-process `{name}` per ticker (ms; peer: ta EMA+BB)", pooled_compute(name), None,
                        peer_ta, digits=2) for name in ("indicator_frame", "build_picture")]
    rows.append(summary_row("In-process chart build + st.plotly_chart serialization (ms)",
                            pooled_compute("chart build + serialize (project 1Y)"), None,
                            pooled_compute("chart build + serialize (peer, full history)"), digits=1))
    return rows


def summary_table(rows: list[SummaryRow]) -> list[str]:
    """The summary rows as a Markdown table with the ratios to floor and peer and each budget's verdict."""
    lines = ["| Figure | Project | Floor | Naive peer | Project / floor | Project / peer | Budget | Result |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for label, pv, fv, nv, budget, ok, digits in rows:
        lines.append(f"| {label} | {fmt(pv, digits)} | {fmt(fv, digits)} | {fmt(nv, digits)} | {ratio(pv, fv)} | "
                     f"{ratio(pv, nv)} | {budget} | {verdict(ok)} |")
    return lines


def chart_time_per_ticker_table(res: Results, tickers: tuple[str, ...]) -> list[str]:
    """Cold and warm time to chart per ticker, project and peer, against the floor."""
    p, f, n = APPS
    lines = ["\n### Time to chart per ticker (median ms)\n",
             "| Ticker | Project cold | Naive cold | Project warm | Naive warm | Project cold / floor | "
             "Project warm / floor |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    fc, fw = median(pooled(res.cold, f)), median(pooled(res.warm, f))
    for t in tickers:
        pc, nc = median(res.cold.get((p, t), [])), median(res.cold.get((n, t), []))
        pw, nw = median(res.warm.get((p, t), [])), median(res.warm.get((n, t), []))
        lines.append(f"| {t} | {fmt(pc)} | {fmt(nc)} | {fmt(pw)} | {fmt(nw)} | {ratio(pc, fc)} | {ratio(pw, fw)} |")
    lines.append(f"| floor (`/`) | {fmt(fc)} cold | | {fmt(fw)} warm | | | |")
    return lines


def computation_per_ticker_table(res: Results, tickers: tuple[str, ...]) -> list[str]:
    """Every in-process measure per ticker, and build_picture over the peer's ta computation."""
    names = list(res.compute)
    lines = ["\n### In-process computation per ticker (median ms)\n",
             "| Ticker | " + " | ".join(names) + " | build_picture / peer ta |",
             "|---|" + "---:|" * (len(names) + 1)]
    for t in tickers:
        vals = [median(res.compute[name].get(t, [])) for name in names]
        bp, pt = median(res.compute["build_picture"].get(t, [])), median(res.compute["peer ta EMA+BB"].get(t, []))
        lines.append(f"| {t} | " + " | ".join(fmt(v, 2) for v in vals) + f" | {ratio(bp, pt)} |")
    return lines


TIMELINE_MILESTONES = [
    ("html", "HTML response"), ("dcl", "DOMContentLoaded"), ("ws_open", "websocket handshake"),
    ("first_msg", "first ForwardMsg"), ("plotly_msg", "plotly element received"),
    ("chart", "chart SVG in DOM"), ("finished", "script_finished received"),
    ("TaskDuration", "renderer main-thread busy (total)"), ("ScriptDuration", "… of which JS"),
    ("LayoutDuration", "… layout"), ("RecalcStyleDuration", "… style recalc"),
    ("http_kb", "HTTP bytes (KB, encoded)"), ("heap_mb", "JS heap used (MB)"), ("nodes", "DOM nodes")]


def timeline_table(res: Results) -> list[str]:
    """The CDP timeline of one warm visit per app: milestones, renderer main-thread totals, bytes, heap, nodes."""
    apps = [a for a in APPS if res.timeline.get(a)]
    lines = ["\n### Where the time goes (one warm visit per page with a CDP session; ms from the document request)\n",
             "| Milestone | " + " | ".join(apps) + " |",
             "|---|" + "---:|" * len(apps)]
    for key, label in TIMELINE_MILESTONES:
        cells = [fmt(median([v[key] for v in res.timeline[a] if key in v]), 0) for a in apps]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def interaction_split_table(res: Results) -> list[str]:
    """Each warm interaction split into server (BackMsg → chart message) and browser time; empty without data."""
    if not res.split:
        return []
    lines = ["\n### Interactions split (median ms; BackMsg = the widget change sent on the websocket, CDP clock)\n",
             "| App | Interaction | pointer-down → chart drawn | BackMsg → chart message | BackMsg → script_finished "
             "| chart drawn after its message (difference) |",
             "|---|---|---:|---:|---:|---:|"]
    for (app, what), samples in res.split.items():
        total = median([s[0] for s in samples])
        msg = median([s[1] for s in samples if s[1] is not None])
        done = median([s[2] for s in samples if s[2] is not None])
        after = None if total is None or msg is None else total - msg
        lines.append(f"| {app} | {what} | {fmt(total)} | {fmt(msg)} | {fmt(done)} | {fmt(after)} |")
    return lines


def js_self_time_table(res: Results) -> list[str]:
    """JS self time of each app's ten busiest script chunks (from ``--trace``), sorted by the project's; empty
    without traces."""
    if not res.js_self:
        return []
    apps = [a for a in APPS if a in res.js_self]
    top: list[str] = []
    for a in apps:
        top += [k for k, _ in sorted(res.js_self[a].items(), key=lambda kv: -kv[1])[:10] if k not in top]
    lines = ["\n### JS self time per script chunk (one traced warm visit, ms; V8 sampling profiler)\n",
             "| Chunk | " + " | ".join(apps) + " |",
             "|---|" + "---:|" * len(apps)]
    for k in sorted(top, key=lambda k: -res.js_self.get("project", {}).get(k, 0)):
        lines.append(f"| {k} | " + " | ".join(fmt(res.js_self[a].get(k)) for a in apps) + " |")
    lines.append("| total sampled | " + " | ".join(fmt(sum(res.js_self[a].values())) for a in apps) + " |")
    return lines


def report_footer(res: Results) -> list[str]:
    """Where the measures are explained, units, and the run's notes."""
    return ["\nHow each figure is measured: see the module docstring of `benchmarks/browser_bench.py`. KB = 1,000 "
            "bytes; websocket sizes are frame payloads as the page receives them. The rerun CPU figure is the whole "
            "script run of the page (every element, not only the chart) plus the server's websocket work.",
            *(f"- {note}" for note in res.notes)]


def report(res: Results, info: dict[str, str], tickers: tuple[str, ...], reps: int, reruns: int) -> str:
    """The whole Markdown report: header, summary table (with budgets), then the detail tables."""
    rows = [*page_load_rows(res, tickers), *interaction_rows(res), *byte_rows(res, tickers), *server_cpu_rows(res),
            *computation_rows(res)]
    lines = [*report_header(info, tickers, reps, reruns), *summary_table(rows),
             *chart_time_per_ticker_table(res, tickers), *computation_per_ticker_table(res, tickers),
             *timeline_table(res), *interaction_split_table(res), *js_self_time_table(res), *report_footer(res)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (medians are reported)")
    parser.add_argument("--quick", action="store_true", help="1 repetition, 2 tickers, 5 reruns: to check it works")
    parser.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    parser.add_argument("--trace", type=Path, metavar="DIR", help="also record one Chromium trace per app in DIR")
    args = parser.parse_args(argv)
    out = args.out.resolve() if args.out else None
    trace_dir = args.trace.resolve() if args.trace else None
    reps = 1 if args.quick else max(1, args.reps)
    tickers = TICKERS[:2] if args.quick else TICKERS
    reruns = 5 if args.quick else 20

    for path in (CHROMIUM, SHARED_BENCH / "floor_app.py", SHARED_BENCH / "naive_app.py"):
        if not path.exists():
            sys.exit(f"missing {path}")
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import plotly
    import streamlit
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    info = {"cpu": cpu_model(), "cores": str(os.cpu_count()), "python": platform.python_version(),
            "streamlit": streamlit.__version__, "plotly": plotly.__version__, "load_start": loadavg(),
            "when": time.strftime("%Y-%m-%d %H:%M %Z")}
    res = Results()
    with tempfile.TemporaryDirectory(prefix="browser-bench-") as tmp:
        tmp_path = Path(tmp)
        data_dir = tmp_path / "levels-data"
        data_dir.mkdir()
        apps = [
            App("project", ROOT / "dashboard.py", {"LEVELS_OFFLINE": "1", "LEVELS_DATA_DIR": str(data_dir)},
                lambda t: f"/ticker?symbol={t}", True),
            App("naive", SHARED_BENCH / "naive_app.py", {}, lambda t: f"/?symbol={t}", True),
            App("floor", SHARED_BENCH / "floor_app.py", {}, lambda t: "/", False),
        ]
        print("in-process computation…", file=sys.stderr)
        phase_compute(tickers, reps, res)
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            info["chromium"] = browser.version
            try:
                print("cold visits…", file=sys.stderr)
                phase_cold(browser, apps, tickers, reps, res, tmp_path)
                print("warm visits and interactions…", file=sys.stderr)
                phase_warm(browser, apps, tickers, reps, reruns, res, tmp_path, trace_dir)
            finally:
                browser.close()
    info["load_end"] = loadavg()
    info["duration"] = f"{(time.perf_counter() - started) / 60:.1f} min"
    text = report(res, info, tickers, reps, reruns)
    print(text)
    if out:
        out.write_text(text)


if __name__ == "__main__":
    main()
