"""The levels engine against published chart readings (benchmarks/levels_agreement.py): the acceptance bars
hold, and the scorer itself counts what its docstring says on hand-made cases."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.levels_agreement import (
    Answer,
    ListedLine,
    Reading,
    ReadingLine,
    Run,
    gap_pct,
    load_readings,
    run,
    score,
    summarize,
)


@pytest.fixture(scope="module")
def result() -> Run:
    return run()


def test_readings_are_the_bundled_copy() -> None:
    readings = load_readings()
    assert len(readings) == 21
    assert {r.ticker for r in readings} == {"CIFR", "CLSK", "IREN", "MARA", "RIOT"}


def test_acceptance_bars_hold_on_the_readings(result: Run) -> None:
    ours, naive = summarize(result.project), summarize(result.baseline)
    assert ours.combined >= 0.65
    assert ours.combined > naive.combined
    assert ours.recall[0] / ours.recall[1] >= 0.85
    assert ours.beyond_total == 0
    assert ours.brief_median is not None and ours.brief_median <= 6


def test_scorer_on_hand_made_answers() -> None:
    reading = Reading("X", "X", date(2025, 1, 2), levels=((9.0, 9.0), (9.5, 10.0), (12.0, 12.0), (30.0, 30.0)),
                      lines=(ReadingLine("support", "rising", None),))
    answer = Answer(support=(9.8, 10.4), resistance=(12.7, 12.7), listed=((9.2, 9.2), (12.3, 12.3)),
                    lines=(ListedLine("support", "ascending", False, 9.0),), beyond=1, brief_prices=4)
    got = score(reading, close=10.5, answer=answer)
    assert got.support is True  # overlaps the reading's highest support zone 9.5-10.0
    assert got.resistance is False  # 12.7 is 5.8 % from 12.0
    assert got.recall == (3, 4 - 1)  # 30 is beyond ±40 %; 9.0 (9.2), 9.5-10 (9.2) and 12.0 (12.3) are matched
    assert got.lines == (1, 1)  # an unbroken ascending support within 15 % of the close
    assert gap_pct((12.7, 12.7), (12.0, 12.0)) == pytest.approx(100 * 0.7 / 12.0)
    broken = Answer(None, None, (), (ListedLine("support", "ascending", True, 10.0),), 0, None)
    assert score(reading, 10.5, broken).lines == (0, 1) and score(reading, 10.5, broken).support is False
