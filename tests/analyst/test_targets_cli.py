"""``python -m analyst targets``: the consensus and each target's outcome as JSON, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from analyst.cli import main
from analyst.targets import consensus, track_record
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.project import ROOT


def test_json_holds_the_consensus_and_every_target_with_its_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets", "riot", "--asof", "2025-11-23", "--json"]) == 0  # a Sunday: Friday's bar
    out = json.loads(capsys.readouterr().out)
    assert (out["symbol"], out["asof"]) == ("RIOT", "2025-11-21")
    actions = Snapshot(BUNDLED_DIR).actions()
    expected = consensus(actions, "RIOT", date(2025, 11, 21))
    assert {k: out["consensus"][k] for k in ("n", "median", "mean", "high", "low", "buy", "hold", "sell")} == {
        "n": expected.n, "median": expected.median, "mean": expected.mean, "high": expected.high,
        "low": expected.low, "buy": expected.buy, "hold": expected.hold, "sell": expected.sell}
    assert out["consensus"]["n"] >= 10
    mine = actions[(actions["ticker"] == "RIOT") & (actions["date"] <= pd.Timestamp("2025-11-21"))
                   & actions["target_to"].notna()]
    assert len(out["actions"]) == len(mine)
    assert all(a["date"] <= "2025-11-21" for a in out["actions"])
    assert {a["status"] for a in out["actions"]} <= {"reached", "missed", "pending"}
    track = track_record(actions, read_bars("RIOT"), "RIOT", date(2025, 11, 21))
    for a, r in zip(out["actions"], track.itertuples(), strict=True):
        assert (a["date"], a["firm"], a["target"], a["status"]) == (f"{r.date:%Y-%m-%d}", r.firm, r.target, r.status)
        assert a["reached_on"] == (None if pd.isna(r.reached_on) else f"{r.reached_on:%Y-%m-%d}")
        if a["reached_on"] is not None:
            assert a["status"] == "reached" and a["date"] < a["reached_on"] <= "2025-11-21"
    assert {f["firm"] for f in out["firms"]} == set(mine["firm"])


def test_text_output_and_module_entry() -> None:
    env = {**os.environ, "LEVELS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "analyst", "targets", "CIFR", "--asof", "2025-11-24"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("CIFR analyst targets as of 2025-11-24 close $16.71")
    assert "Consensus: " in done.stdout and "Targets (newest first)" in done.stdout and "Firms" in done.stdout


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["targets", "<script>"], 2, "not a ticker"),
    (["targets", "ZZZZ"], 1, "no data for ZZZZ"),
    (["targets", "CIFR", "--asof", "2001-01-02"], 2, "before the first bar"),
])
def test_errors_are_clear(argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    assert message in capsys.readouterr().err
