"""The command-line entry: same numbers as the page, offline, clear errors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from analyst.brief import write_brief
from analyst.cli import console, main
from analyst.picture import build_picture
from marketdata.config import BUNDLED_DIR
from marketdata.snapshot import Snapshot
from tests.support.bars import read_bars
from tests.support.ci import skip_or_fail
from tests.support.project import ROOT

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "indicators_2025-11-24.csv"


def test_json_output_matches_golden_indicators_and_the_brief(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["levels", "clsk", "--asof", "2025-11-24", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["symbol"], out["asof"], out["close"]) == ("CLSK", "2025-11-24", 11.48)
    with GOLDEN.open() as fh:
        golden = next(r for r in csv.DictReader(fh) if r["symbol"] == "CLSK")
    for key in ("ema_20", "ema_50", "ema_100", "ema_200", "bb_mid", "bb_upper", "bb_lower"):
        assert out["indicators"][key] == pytest.approx(float(golden[key]), abs=1e-9)
    picture = build_picture("CLSK", read_bars("CLSK"), Snapshot(BUNDLED_DIR).actions(), date(2025, 11, 24))
    assert out["brief"] == write_brief(picture).text
    assert len(out["trendlines"]["support"]) == len(picture.supports)
    assert [lv["price"] for lv in out["levels"]["supports"]] == [lv.price for lv in picture.levels.supports]


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["levels", "RIOT", "--asof", "2025-11-24"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("RIOT as of 2025-11-24 close")
    assert "EMA 200" in out and "SMA 50" in out and "Trendlines" in out and "Levels (within 40%" in out
    assert "Immediate (nearest major level of any kind)" in out


@pytest.mark.parametrize("symbol", ["CIFR", "CLSK", "IREN", "MARA", "RIOT"])
def test_json_lists_only_what_the_product_lists_with_major_flags_and_immediate_levels(
        symbol: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["levels", symbol, "--asof", "2025-11-24", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    close = out["close"]
    for key in ("sma_20", "sma_50", "sma_200"):
        assert key in out["indicators"]
    levels = [*out["levels"]["supports"], *out["levels"]["resistances"]]
    lines = [*out["trendlines"]["support"], *out["trendlines"]["resistance"]]
    for item in levels:
        assert isinstance(item["major"], bool) and abs(item["price"] / close - 1) <= 0.40
    for line in lines:
        assert isinstance(line["major"], bool) and abs(line["level"] / close - 1) <= 0.40
        assert line["major"] == (line["confirmed"] and line["status"] != "broken")
    picture = build_picture(symbol, read_bars(symbol), Snapshot(BUNDLED_DIR).actions(), date(2025, 11, 24))
    for side, key in (("immediate_support", picture.immediate_support),
                      ("immediate_resistance", picture.immediate_resistance)):
        got = out[side]
        if key is None:
            assert got is None
            continue
        assert set(got) >= {"price", "zone_low", "zone_high", "kind"}
        assert got["kind"] in ("horizontal", "trendline", "ema", "sma", "band", "extreme")
        assert (got["price"], got["zone_low"], got["zone_high"], got["kind"]) == (
            key.price, key.zone_low, key.zone_high, key.kind)
        assert (got["price"] < close) == (side == "immediate_support")


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["levels", "../etc/passwd"], 2, "not a ticker"),
    (["levels", "ZZZZ"], 1, "no data for ZZZZ"),
    (["levels", "CIFR", "--asof", "2001-01-02"], 2, "before the first bar"),
])
def test_errors_are_clear(argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    assert message in capsys.readouterr().err


def test_module_entry_runs_offline() -> None:
    env = {**os.environ, "LEVELS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "analyst", "levels", "MARA", "--asof", "2025-11-24"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "MARA closed at $11.21 on November 24, 2025" in done.stdout


def test_levels_console_command_takes_a_symbol_first_and_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    for console_argv, module_argv in (
            (["CLSK", "--asof", "2025-11-24", "--json"], ["levels", "CLSK", "--asof", "2025-11-24", "--json"]),
            (["levels", "riot", "--asof", "2025-11-24"], ["levels", "riot", "--asof", "2025-11-24"]),
            (["targets", "RIOT", "--asof", "2025-11-24", "--json"], ["targets", "RIOT", "--asof", "2025-11-24",
                                                                     "--json"])):
        assert console(console_argv) == 0
        by_console = capsys.readouterr().out
        assert main(module_argv) == 0
        assert by_console == capsys.readouterr().out and by_console
    assert console(["ZZZZ-NOT-A-SYMBOL!"]) == 2
    assert "error:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as help_exit:
        console(["--help"])
    assert help_exit.value.code == 0
    assert capsys.readouterr().out.startswith("usage: levels ")


def test_installed_levels_command_runs_offline(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "levels"
    if not command.exists():
        skip_or_fail(f"no {command}: the project is not installed (scripts/test.sh runs pip install -e .)")
    env = {**os.environ, "LEVELS_OFFLINE": "1", "LEVELS_DATA_DIR": str(tmp_path)}
    done = subprocess.run([str(command), "MARA", "--asof", "2025-11-24"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "MARA closed at $11.21 on November 24, 2025" in done.stdout
