"""Load through nginx: the team deployment with 1 replica against the same with 2, paced sessions, same run.

Run: ``.venv/bin/python -m benchmarks.team_load [--sessions 10,25,50] [--think 5 20] [--loads 4] [--quick]``.
Prints a Markdown report on stdout (progress on stderr). Everything on loopback, started and stopped by the script
(deploy.local): one PostgreSQL server; two deployments from ``deploy/`` (``deploy/Procfile``'s ``web`` entry, nginx
with ``deploy/nginx/*.template``, TLS), one with a single replica and one with two, each with a database of its own
and no worker (the pages only read: ``LEVELS_REFRESH=worker``).

Clients: :mod:`benchmarks.ws_client` sessions through nginx (``https://levels.test:PORT`` on 127.0.0.1, SNI and
Host ``levels.test``, the XSRF cookie kept so nginx holds each session on one replica, as for a browser), each page
load a fresh session of ``/ticker?symbol=…&asof=…``; *time to chart* as in :mod:`benchmarks.load` (start of the
load, before the HTTP checks → the ForwardMsg carrying the chart). Phases: for each N, N users at once, each doing
``--loads`` page loads with a pause of U(``--think``) s before each one; the 1-replica and the 2-replica phase of
the same N run back to back, so a change in the machine's load hits both alike. Both deployments are warmed first
(every ticker × as-of page once per replica, then a sequential single-user baseline).
"""

from __future__ import annotations

import argparse
import os
import platform
import ssl
import sys
import tempfile
import time
from pathlib import Path

import streamlit

from benchmarks.load import MAX_RUN_SECONDS, QUERIES, Phase, Runner, fmt, loadavg, log, pct
from benchmarks.machine import cpu_model
from deploy.local import PostgresServer, TeamDeployment


class ReplicaSet:
    """The deployment as benchmarks.load's Runner sees a server: the public URL, and the replicas' CPU and memory."""

    def __init__(self, team: TeamDeployment) -> None:
        self.team = team
        self.url = team.url
        self.proc = team.replicas[0].proc

    def alive(self) -> bool:
        return all(r.proc.poll() is None for r in self.team.replicas)

    def _stat(self, pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    def cpu_seconds(self) -> float:
        ticks = sum(int(f[11]) + int(f[12]) for f in (self._stat(r.proc.pid) for r in self.team.replicas))
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        total = 0.0
        for replica in self.team.replicas:
            for line in Path(f"/proc/{replica.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        return total


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sessions", default="10,25,50", help="concurrent users per phase, comma-separated")
    parser.add_argument("--loads", type=int, default=4, help="page loads per user in each phase")
    parser.add_argument("--min-samples", type=int, default=40, help="at least this many page loads per phase")
    parser.add_argument("--think", type=float, nargs=2, default=(5.0, 20.0), metavar=("MIN", "MAX"),
                        help="pause before each load, seconds (uniform)")
    parser.add_argument("--single", type=int, default=20, help="sequential loads of the single-user baseline")
    parser.add_argument("--burst", action="store_true",
                        help="no pauses: each user loads its pages back to back (N loads in flight at all times)")
    parser.add_argument("--quick", action="store_true", help="N = 5, 10; pauses of 1-3 s; 10 single loads")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.think, args.single, args.min_samples = "5,10", (1.0, 3.0), 10, 10
    args.sessions = sorted({int(s) for s in str(args.sessions).split(",") if s.strip()})
    if not args.sessions or min(args.sessions) < 1 or max(args.sessions) > 100:
        parser.error("--sessions: 1..100")
    if not 0 <= args.think[0] <= args.think[1] <= 60 or not 1 <= args.loads <= 50:
        parser.error("--think 0 <= MIN <= MAX <= 60, --loads 1..50")
    return args


def row(label: str, one: Phase, two: Phase) -> str:
    def cells(phase: Phase) -> str:
        charts = phase.chart_times()
        return (f"{fmt(pct(charts, .5))} | {fmt(pct(charts, .95))} | {len(phase.errors())}/{len(phase.loads)} "
                f"| {fmt(100 * phase.server_cpu_s / phase.wall_s if phase.wall_s else float('nan'), 0)} %")

    r50 = pct(two.chart_times(), .5) / pct(one.chart_times(), .5)
    r95 = pct(two.chart_times(), .95) / pct(one.chart_times(), .95)
    return f"| {label} | {cells(one)} | {cells(two)} | {fmt(r50, 2)}× | {fmt(r95, 2)}× |"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0, started, load_start = time.monotonic(), time.strftime("%Y-%m-%d %H:%M:%S %Z"), loadavg()
    postgres = PostgresServer()
    teams: dict[int, TeamDeployment] = {}
    workdir = Path(tempfile.mkdtemp(prefix="levels-team-load-"))
    try:
        postgres.start()
        for replicas in (1, 2):
            log(f"starting the {replicas}-replica deployment")
            (workdir / str(replicas)).mkdir()
            teams[replicas] = TeamDeployment(workdir / str(replicas), postgres, replicas=replicas, worker=False,
                                             dbname=f"levels_{replicas}").start()
        runners: dict[int, Runner] = {}
        deadline = time.monotonic() + MAX_RUN_SECONDS
        for replicas, team in teams.items():
            assert team.nginx is not None
            options = {"resolve": "127.0.0.1", "cookies": True,
                       "ssl_context": ssl.create_default_context(cafile=str(team.nginx.cert))}
            runners[replicas] = Runner(ReplicaSet(team), deadline, options)
        singles: dict[int, Phase] = {}
        for replicas, runner in runners.items():
            for _ in range(replicas):  # cold: every page on every replica (sessions spread by their cookies)
                runner.sequential(f"cold ({replicas} replica(s))", list(QUERIES) * 2)
            singles[replicas] = runner.sequential(
                f"single ({replicas} replica(s))", [QUERIES[i % len(QUERIES)] for i in range(args.single)])
        phases: list[tuple[int, Phase, Phase]] = []
        for users in args.sessions:
            loads = max(args.loads, -(-args.min_samples // users))
            think = None if args.burst else tuple(args.think)
            one = runners[1].concurrent(users, loads, think)
            two = runners[2].concurrent(users, loads, think)
            phases.append((users, one, two))
        lines = [
            "# Team load: nginx in front of 1 replica vs 2 replicas (same run)",
            "",
            f"- Machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, Streamlit {streamlit.__version__}",
            f"- Load average (1/5/15 min): {load_start} at start, {loadavg()} at end (the machine is shared)",
            f"- Started {started}, took {(time.monotonic() - t0) / 60:.1f} min; command: "
            f"`python -m benchmarks.team_load {' '.join(argv if argv is not None else sys.argv[1:])}`",
            "- Setup: deploy/Procfile `web` replicas (team mode, PostgreSQL store), nginx from deploy/nginx templates "
            "(TLS), all on this machine; clients in this process, through nginx, each load a fresh session",
            ("- Burst: each of N users loads its pages back to back (N loads in flight)" if args.burst else
             f"- Paced: each of N users pauses U({args.think[0]:g}, {args.think[1]:g}) s before each of its loads")
            + "; time to chart in seconds; CPU = the replicas' CPU time ÷ wall time (100 % = one core)",
            "",
            "| N | 1 replica p50 | p95 | errors | CPU | 2 replicas p50 | p95 | errors | CPU | p50 2÷1 | p95 2÷1 |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            row("single user", singles[1], singles[2]),
            *(row(str(users), one, two) for users, one, two in phases),
        ]
        print("\n".join(lines), flush=True)
    finally:
        for team in teams.values():
            team.close()
        postgres.close()
        log("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
