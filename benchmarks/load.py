"""Load test: N concurrent sessions against one Streamlit server; time-to-chart and the server's memory.

Run: ``.venv/bin/python -m benchmarks.load [--sessions 5,10,25] [--soak-seconds 180] [--quick]``. Prints a
Markdown report on stdout (progress on stderr). Loopback only, bounded in count and time; it starts its own
server and always stops it.

* Server: ``streamlit run dashboard.py`` on a free 127.0.0.1 port, ``LEVELS_OFFLINE=1``, a throw-away
  ``LEVELS_DATA_DIR``, no file watcher. Its memory is the RSS of that process (``/proc/PID/status`` VmRSS,
  or psutil when it is installed), its CPU time ``/proc/PID/stat`` utime+stime.
* Clients: :mod:`benchmarks.ws_client` — websocket clients that speak Streamlit's protocol the way the
  frontend does on a page load (health + host-config checks, ``/_stcore/stream``, one ``rerun_script``
  BackMsg for ``/ticker?symbol=…&asof=…``), so every page load is a full script run on the server with every
  ForwardMsg sent in full. No browser renders anything: time-to-chart is the server side of a page load
  (start of the load, i.e. before the HTTP checks and the websocket handshake → the ForwardMsg that carries
  the ``plotly_chart`` element), not Plotly's drawing time in a browser.
* Pages: the ``ticker`` page, cycling through the five bundled tickers × a few as-of dates.
* Phases, all in one run against one server:
  1. cold: the first loads of a fresh server (imports, caches filled), one per ticker × as-of pair;
  2. single user: sequential page loads, one at a time, each a fresh session (new connection);
  3. for each N: N users at once, each doing ``--loads`` page loads, each load a fresh session (a new tab /
     reload) closed when the page is done. ``burst``: no pause between a user's loads (all N start
     together — a closed loop that keeps N page loads in flight); ``paced``: a random pause of
     ``--think`` seconds before each load (a user reading the chart);
  4. soak: ``--soak-concurrency`` users for ``--soak-seconds``; a visit opens a session, loads one or two
     pages (the second is an in-app navigation, a rerun on the same connection), closes it, and pauses;
     the server's RSS is sampled every ``--sample-every`` seconds. Streamlit keeps a closed session for
     reconnection (``MemorySessionStorage``: at most 128 of them, for 2 minutes), so memory grows until that
     store is full: the warm-up — the first third of the soak, or until 128 + (visitors) sessions have been
     opened if that is later, but at most two thirds of the soak — is left out of the slope.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit

from benchmarks.machine import cpu_model
from benchmarks.ws_client import PageLoad, StreamlitSession
from tests.support.server import StreamlitServer, offline_env

ROOT = Path(__file__).resolve().parent.parent
TICKERS = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")
ASOF_DATES = ("", "2025-11-24", "2025-06-30", "2024-12-31")  # "" = latest bar
STARTUP_TIMEOUT = 90.0
LOAD_TIMEOUT = 60.0
MAX_RUN_SECONDS = 40 * 60  # hard ceiling for the whole run
SEED = 20260101
SESSION_STORE_SIZE = 128  # streamlit.runtime.memory_session_storage.MemorySessionStorage default maxsize


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def page_queries() -> list[str]:
    """Query strings of the ticker page: tickers × as-of dates, interleaved so consecutive loads differ."""
    out = []
    for asof, symbol in itertools.product(ASOF_DATES, TICKERS):
        out.append(f"symbol={symbol}" + (f"&asof={asof}" if asof else ""))
    return out


QUERIES = page_queries()


# --------------------------------------------------------------------------------------------------- server


class Server(StreamlitServer):
    """``streamlit run dashboard.py`` on a free loopback port (offline, data in ``workdir/data``, log in
    ``workdir/streamlit.log``), with its RSS and CPU time."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.data_dir.mkdir()
        super().__init__(workdir / "streamlit.log", env=offline_env(self.data_dir), startup_timeout=STARTUP_TIMEOUT,
                         stop_timeout=15.0)
        self._psutil = None
        with contextlib.suppress(ImportError):
            import psutil

            self._psutil = psutil

    def rss_mb(self) -> float:
        """Resident set size of the server process, MiB."""
        assert self.proc is not None
        if self._psutil is not None:
            return self._psutil.Process(self.proc.pid).memory_info().rss / 2**20
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS not found")

    def threads(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
        return 0


# --------------------------------------------------------------------------------------------------- phases


@dataclass
class Phase:
    name: str
    users: int
    loads: list[PageLoad] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    rss_after_mb: float = 0.0

    @property
    def ok(self) -> list[PageLoad]:
        return [r for r in self.loads if r.ok]

    def chart_times(self) -> list[float]:
        return [r.chart_s for r in self.ok if r.chart_s is not None]

    def finish_times(self) -> list[float]:
        return [r.finished_s for r in self.ok if r.finished_s is not None]

    def errors(self) -> list[str]:
        return [r.error or "not ok" for r in self.loads if not r.ok]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) with linear interpolation between order statistics; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class Runner:
    def __init__(self, server: Server, deadline: float, session_options: dict[str, object] | None = None) -> None:
        self.server = server
        self.deadline = deadline
        self.session_options = session_options or {}  # e.g. TLS and cookies through a proxy (benchmarks.team_load)
        self.rng = random.Random(SEED)
        self.counter = itertools.count()
        self.sessions = 0  # sessions opened against this server so far

    def next_query(self) -> str:
        return QUERIES[next(self.counter) % len(QUERIES)]

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"run exceeded its {MAX_RUN_SECONDS / 60:.0f}-minute ceiling")
        if not self.server.alive():
            raise RuntimeError(f"the server died (exit code {self.server.proc.poll() if self.server.proc else '?'})")

    async def one_page(self, query: str) -> PageLoad:
        """A full page load in a fresh session (new connection), closed afterwards."""
        self.sessions += 1
        async with StreamlitSession(self.server.url, timeout=LOAD_TIMEOUT, **self.session_options) as session:
            return await session.load(query)

    def _measure(self, phase: Phase, coro_factory) -> Phase:
        self.check_time()
        cpu0, client0, t0 = self.server.cpu_seconds(), time.process_time(), time.perf_counter()
        asyncio.run(coro_factory())
        phase.wall_s = time.perf_counter() - t0
        phase.server_cpu_s = self.server.cpu_seconds() - cpu0
        phase.client_cpu_s = time.process_time() - client0
        phase.rss_after_mb = self.server.rss_mb()
        bad = phase.errors()
        log(f"{phase.name}: {len(phase.ok)}/{len(phase.loads)} ok, p50 {pct(phase.chart_times(), .5):.3f} s, "
            f"p95 {pct(phase.chart_times(), .95):.3f} s, RSS {phase.rss_after_mb:.0f} MiB"
            + (f", errors: {sorted(set(bad))[:3]}" if bad else ""))
        return phase

    def sequential(self, name: str, queries: list[str]) -> Phase:
        phase = Phase(name, 1)

        async def run() -> None:
            for query in queries:
                phase.loads.append(await self.one_page(query))

        return self._measure(phase, run)

    def concurrent(self, users: int, loads: int, think: tuple[float, float] | None) -> Phase:
        mode = "paced" if think else "burst"
        phase = Phase(f"N={users} {mode} ({loads} each)", users)
        plans = [[self.next_query() for _ in range(loads)] for _ in range(users)]
        pauses = [[self.rng.uniform(*think) if think else 0.0 for _ in range(loads)] for _ in range(users)]

        async def user(index: int) -> None:
            for query, pause in zip(plans[index], pauses[index], strict=True):
                if pause:
                    await asyncio.sleep(pause)
                phase.loads.append(await self.one_page(query))

        async def run() -> None:
            await asyncio.gather(*(user(i) for i in range(users)))

        return self._measure(phase, run)

    def soak(self, seconds: float, users: int, sample_every: float) -> Soak:
        soak = Soak(seconds=seconds, users=users, sessions_before=self.sessions)
        rng = random.Random(SEED + 1)

        async def visitor(index: int, stop_at: float) -> None:
            await asyncio.sleep(rng.uniform(0, 2))  # stagger the arrivals
            while time.monotonic() < stop_at and time.monotonic() < self.deadline:
                pages = 1 if rng.random() < 0.5 else 2
                soak.sessions += 1
                self.sessions += 1
                async with StreamlitSession(self.server.url, timeout=LOAD_TIMEOUT,
                                            **self.session_options) as session:
                    for page in range(pages):
                        if page:
                            await asyncio.sleep(rng.uniform(0.5, 2.0))  # reads, then picks another ticker
                        result = await session.load(self.next_query())
                        (soak.first_loads if page == 0 else soak.nav_loads).append(result)
                        if not result.ok:
                            break
                await asyncio.sleep(rng.uniform(0.2, 1.5))  # gone; the next visitor arrives

        async def sampler(start: float, stop_at: float) -> None:
            while True:
                now = time.monotonic()
                soak.samples.append((now - start, soak.sessions, self.server.rss_mb(), self.server.cpu_seconds()))
                if now >= stop_at or not self.server.alive():
                    return
                await asyncio.sleep(min(sample_every, max(0.0, stop_at - now)))

        async def run() -> None:
            start = time.monotonic()
            stop_at = start + seconds
            await asyncio.gather(sampler(start, stop_at), *(visitor(i, stop_at) for i in range(users)))

        self.check_time()
        soak.rss_before_mb = self.server.rss_mb()
        t0 = time.perf_counter()
        asyncio.run(run())
        soak.wall_s = time.perf_counter() - t0
        time.sleep(5)  # every session closed: what is left a few seconds later
        soak.rss_idle_mb = self.server.rss_mb()
        log(f"soak: {soak.sessions} sessions, {len(soak.all_loads())} page loads, RSS {soak.rss_before_mb:.0f} → "
            f"{soak.samples[-1][2]:.0f} MiB")
        return soak


@dataclass
class Soak:
    seconds: float
    users: int
    sessions_before: int = 0  # sessions opened before the soak (earlier phases)
    sessions: int = 0
    first_loads: list[PageLoad] = field(default_factory=list)
    nav_loads: list[PageLoad] = field(default_factory=list)
    samples: list[tuple[float, int, float, float]] = field(default_factory=list)  # t, sessions, RSS MiB, CPU s
    rss_before_mb: float = 0.0
    rss_idle_mb: float = 0.0
    wall_s: float = 0.0

    def all_loads(self) -> list[PageLoad]:
        return self.first_loads + self.nav_loads

    @property
    def warmup_s(self) -> float:
        """End of the warm-up: a third of the soak, or when the closed-session store is full if later (≤ 2/3)."""
        return min(max(self.seconds / 3, self.store_full_s), 2 * self.seconds / 3)

    @property
    def store_full_s(self) -> float:
        """When 128 + (visitors) sessions had been opened in the run (earlier phases included); inf if never."""
        need = SESSION_STORE_SIZE + self.users - self.sessions_before
        return next((t for t, n, _, _ in self.samples if n >= need), float("inf"))

    def after_warmup(self) -> list[tuple[float, int, float, float]]:
        return [s for s in self.samples if s[0] >= self.warmup_s]


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys on xs (nan with fewer than 3 points or no spread)."""
    if len(xs) < 3 or max(xs) == min(xs):
        return float("nan")
    return statistics.linear_regression(xs, ys).slope


# --------------------------------------------------------------------------------------------------- report


def loadavg() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"  # nan != nan


def phase_row(phase: Phase, base_p50: float, base_p95: float) -> str:
    charts = phase.chart_times()
    p50, p95 = pct(charts, 0.5), pct(charts, 0.95)
    n = len(phase.loads)
    per_load = phase.server_cpu_s / n if n else float("nan")
    worst = max(charts, default=float("nan"))
    return (
        f"| {phase.name} | {n} | {len(phase.errors())} | {fmt(p50)} | {fmt(p95)} | {fmt(worst)}"
        f" | {fmt(pct(phase.finish_times(), 0.95))} | {fmt(p95 / base_p50, 2)}× | {fmt(p95 / base_p95, 2)}× "
        f"| {fmt(n / phase.wall_s if phase.wall_s else float('nan'), 2)} | {fmt(per_load, 3)} "
        f"| {fmt(100 * phase.server_cpu_s / phase.wall_s if phase.wall_s else float('nan'), 0)} % "
        f"| {phase.rss_after_mb:.0f} |"
    )


def report(args: argparse.Namespace, server: Server, info: dict, phases: dict[str, Phase],
           concurrent: list[Phase], soak: Soak | None) -> str:
    base = phases["single"]
    base_p50, base_p95 = pct(base.chart_times(), 0.5), pct(base.chart_times(), 0.95)
    lines = [
        "# Load test: concurrent sessions against one Streamlit server",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Streamlit {streamlit.__version__}",
        f"- Load average (1/5/15 min): {info['load_start']} at start, {loadavg()} at end "
        "(the machine may be shared with other runs)",
        f"- Started {info['started']}, took {(time.monotonic() - info['t0']) / 60:.1f} min; command: "
        f"`{' '.join(info['argv'])}`",
        f"- Server: `streamlit run dashboard.py`, offline, fresh data dir, one process (pid {info['pid']}); "
        f"RSS {info['rss_start']:.0f} MiB when healthy, {info['threads']} threads at the end; "
        f"memory from {'psutil' if server._psutil else '/proc/PID/status VmRSS'}",
        "- Clients: websocket clients speaking Streamlit's protocol (benchmarks/ws_client.py), in this Python "
        "process on the same 2 cores; each page load = health + host-config GETs, `/_stcore/stream` handshake, "
        "`rerun_script` for `/ticker?symbol=…[&asof=…]`, read to `script_finished`",
        f"- Pages: {len(TICKERS)} tickers × {len(ASOF_DATES)} as-of dates (latest, {', '.join(ASOF_DATES[1:])}), "
        "cycled",
        "- **Time-to-chart** = start of the page load (before the HTTP checks and the websocket connect) → "
        "the ForwardMsg carrying the `plotly_chart` element; *finish* = → `script_finished`. Server side only: "
        "no browser draws the chart.",
        f"- Ratios: p95 of the phase ÷ the single-user p50 ({fmt(base_p50)} s), and ÷ the single-user p95 "
        f"({fmt(base_p95)} s). The issue's goal (p95 at N = 25 within 2× the single-user figure) is checked "
        "against both below.",
        "",
        "## Time-to-chart (seconds)",
        "",
        "| phase | loads | errors | p50 | p95 | max | finish p95 | p95 ÷ single p50 | p95 ÷ single p95 "
        "| loads/s | server CPU s/load | server CPU | RSS after (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in ("cold", "single"):
        lines.append(phase_row(phases[key], base_p50, base_p95))
    lines += [phase_row(p, base_p50, base_p95) for p in concurrent]
    cold = phases["cold"].loads
    first = cold[0].chart_s if cold and cold[0].chart_s is not None else float("nan")
    lines += [
        "",
        f"- *cold*: the first {len(phases['cold'].loads)} loads of the fresh server, one per ticker × as-of pair "
        "(first imports, Streamlit caches empty). The first one took "
        f"{fmt(first)} s.",
        f"- *single*: {len(base.loads)} sequential page loads, each in a fresh session, caches warm.",
        "- *N=… burst (k each)*: N users at once, k page loads each, no pause (N loads in flight all the time); "
        f"*paced*: a pause of U({args.think[0]:g}, {args.think[1]:g}) s before each load (a user reading the "
        "chart). Each load is a fresh "
        "session (new connection), closed when done.",
        "- server CPU = server process CPU time ÷ wall time (100 % = one core); the clients used "
        + ", ".join(f"{p.name} {p.client_cpu_s:.1f} s" for p in concurrent)
        + " of CPU in the load process.",
    ]
    errors = sorted({e for p in [*phases.values(), *concurrent] for e in p.errors()})
    if soak:
        errors += sorted({r.error or "not ok" for r in soak.all_loads() if not r.ok})
    goal = [p for p in concurrent if p.users == max(args.sessions)]
    if goal:
        per_load = base.server_cpu_s / len(base.loads) if base.loads else float("nan")
        lines += [
            "", f"## Goal at N = {max(args.sessions)}", "",
            f"- One page load costs the server {fmt(per_load)} CPU-s (single-user phase), and all sessions' script "
            f"threads share one process (one GIL): it serves at most ≈ {fmt(1 / per_load, 1)} loads/s, so k loads "
            "in flight at once each take ≈ k × the single-user time.",
        ]
        for p in goal:
            p95 = pct(p.chart_times(), 0.95)
            lines.append(
                f"- {p.name}: p95 {fmt(p95)} s = {fmt(p95 / base_p50, 2)}× single p50, {fmt(p95 / base_p95, 2)}× "
                f"single p95 → {'met' if p95 <= 2 * base_p95 else 'NOT met'} against 2× single p95, "
                f"{'met' if p95 <= 2 * base_p50 else 'NOT met'} against 2× single p50"
            )
    if soak:
        lines += soak_report(soak)
    if errors:
        lines += ["", "## Errors", ""] + [f"- {e}" for e in errors[:20]]
    return "\n".join(lines)


def soak_report(soak: Soak) -> list[str]:
    loads = soak.all_loads()
    charts = [r.chart_s for r in loads if r.ok and r.chart_s is not None]
    firsts = [r.chart_s for r in soak.first_loads if r.ok and r.chart_s is not None]
    navs = [r.chart_s for r in soak.nav_loads if r.ok and r.chart_s is not None]
    warm = soak.after_warmup()
    t0 = soak.samples[0]
    end = soak.samples[-1]
    at_warm = warm[0] if warm else end
    per_min = slope([s[0] / 60 for s in warm], [s[2] for s in warm])
    per_100 = slope([s[1] / 100 for s in warm], [s[2] for s in warm])
    sessions_after = end[1] - at_warm[1]
    cpu = (end[3] - t0[3]) / (end[0] - t0[0]) * 100 if end[0] > t0[0] else float("nan")
    lines = [
        "",
        f"## Soak: {soak.seconds:.0f} s, {soak.users} concurrent visitors, sessions coming and going",
        "",
        f"- {soak.sessions} sessions opened ({soak.sessions / (soak.wall_s / 60):.0f}/min), {len(loads)} page loads "
        f"({len(soak.first_loads)} first loads, {len(soak.nav_loads)} in-app navigations), "
        f"{sum(not r.ok for r in loads)} errors; server CPU {fmt(cpu, 0)} % of a core",
        f"- Time-to-chart: all p50 {fmt(pct(charts, .5))} s / p95 {fmt(pct(charts, .95))} s; first load of a "
        f"session p50 {fmt(pct(firsts, .5))} / p95 {fmt(pct(firsts, .95))}; in-app navigation p50 "
        f"{fmt(pct(navs, .5))} / p95 {fmt(pct(navs, .95))}",
        f"- Server RSS: {soak.rss_before_mb:.1f} MiB before the soak; {at_warm[2]:.1f} MiB at the end of the "
        f"warm-up ({soak.warmup_s:.0f} s, {at_warm[1]} sessions); {end[2]:.1f} MiB at the end ({end[1]} sessions); "
        f"peak {max(s[2] for s in soak.samples):.1f} MiB; {soak.rss_idle_mb:.1f} MiB 5 s after the last session "
        "closed",
        f"- After warm-up: {end[2] - at_warm[2]:+.1f} MiB over {(end[0] - at_warm[0]) / 60:.1f} min and "
        f"{sessions_after} sessions; least-squares slope **{fmt(per_min, 2)} MiB/min**, "
        f"**{fmt(per_100, 2)} MiB per 100 sessions** ({len(warm)} samples)",
        f"- Streamlit keeps up to {SESSION_STORE_SIZE} closed sessions for 2 min (for reconnects): "
        + (f"{soak.sessions_before} sessions were opened before the soak, so that store was full from its start."
           if soak.sessions_before >= SESSION_STORE_SIZE + soak.users else
           f"{SESSION_STORE_SIZE} + {soak.users} sessions had been opened (this run) at t = {soak.store_full_s:.0f} s."
           if soak.store_full_s != float("inf") else
           f"only {soak.sessions_before + soak.sessions} sessions were opened in this run, so that store never "
           "filled and the growth above includes it: this soak is too short to show a plateau.")
        + f" Warm-up end = max(soak ÷ 3, that time), at most 2/3 of the soak = {soak.warmup_s:.0f} s.",
        "",
        "| t (s) | sessions opened | RSS (MiB) |",
        "|---:|---:|---:|",
    ]
    step = max(1, len(soak.samples) // 12)
    shown = soak.samples[::step]
    if shown[-1] is not soak.samples[-1]:
        shown.append(soak.samples[-1])
    lines += [f"| {t:.0f} | {n} | {rss:.1f} |" for t, n, rss, _ in shown]
    return lines


# --------------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sessions", default="5,10,25", help="concurrent users per phase, comma-separated")
    parser.add_argument("--soak-seconds", type=float, default=180.0)
    parser.add_argument("--soak-concurrency", type=int, default=10)
    parser.add_argument("--loads", type=int, default=4, help="page loads per user in each concurrent phase")
    parser.add_argument("--min-samples", type=int, default=40,
                        help="at least this many page loads per concurrent phase (more loads per user at small N)")
    parser.add_argument("--single", type=int, default=20, help="sequential page loads of the single-user baseline")
    parser.add_argument("--think", type=float, nargs=2, default=None, metavar=("MIN", "MAX"),
                        help="pause before each load in the paced phases, seconds (uniform); default 5 20")
    parser.add_argument("--modes", default="burst,paced", help="burst, paced or both")
    parser.add_argument("--sample-every", type=float, default=2.0, help="RSS sampling period in the soak, s")
    parser.add_argument("--quick", action="store_true",
                        help="N = 2, 5; 10 single loads; >= 10 loads per phase; pauses of 1-3 s; a 30 s soak")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.soak_seconds, args.single, args.min_samples = "2,5", 30.0, 10, 10
        args.think = args.think or (1.0, 3.0)
    args.think = tuple(args.think or (5.0, 20.0))
    args.sessions = sorted({int(s) for s in str(args.sessions).split(",") if s.strip()})
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.sessions or min(args.sessions) < 1 or max(args.sessions) > 100:
        parser.error("--sessions: 1..100")
    if not 0 <= args.soak_seconds <= 1800 or not 1 <= args.soak_concurrency <= 100:
        parser.error("--soak-seconds 0..1800, --soak-concurrency 1..100")
    if not 1 <= args.loads <= 50 or not 1 <= args.single <= 200 or not set(args.modes) <= {"burst", "paced"}:
        parser.error("--loads 1..50, --single 1..200, --modes burst,paced")
    if not 1 <= args.min_samples <= 200:
        parser.error("--min-samples 1..200")
    if not 0 <= args.think[0] <= args.think[1] <= 60 or not 0.5 <= args.sample_every <= 60:
        parser.error("--think 0 <= MIN <= MAX <= 60, --sample-every 0.5..60")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = {"t0": time.monotonic(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load_start": loadavg(),
            "argv": ["python -m benchmarks.load", *(argv if argv is not None else sys.argv[1:])]}
    with tempfile.TemporaryDirectory(prefix="levels-load-") as tmp:
        server = Server(Path(tmp))
        try:
            log("starting the server")
            server.start()
            info["rss_start"], info["pid"] = server.rss_mb(), server.proc.pid if server.proc else "?"
            log(f"server healthy at {server.url}, RSS {info['rss_start']:.0f} MiB")
            runner = Runner(server, deadline=time.monotonic() + MAX_RUN_SECONDS)
            phases = {
                "cold": runner.sequential("cold", list(QUERIES)),
                "single": runner.sequential("single", [QUERIES[i % len(QUERIES)] for i in range(args.single)]),
            }
            if not phases["single"].chart_times():
                raise RuntimeError(f"no single-user page load succeeded: {phases['single'].errors()[:3]}")
            concurrent = []
            for users in args.sessions:
                loads = max(args.loads, -(-args.min_samples // users))  # ceil: enough loads for a p95
                if "burst" in args.modes:
                    concurrent.append(runner.concurrent(users, loads, None))
                if "paced" in args.modes:
                    concurrent.append(runner.concurrent(users, loads, tuple(args.think)))
            soak = (runner.soak(args.soak_seconds, args.soak_concurrency, args.sample_every)
                    if args.soak_seconds > 0 else None)
            info["threads"] = server.threads()
            print(report(args, server, info, phases, concurrent, soak), flush=True)
        except BaseException:
            if server.log_path.exists():
                sys.stderr.write("--- server log tail ---\n" + server.log_path.read_text(errors="replace")[-2000:])
            raise
        finally:
            server.stop()
            log("server stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
