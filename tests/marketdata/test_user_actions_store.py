"""Hand-entered analyst actions in the store: migration 2, insert-only removal, and the merged actions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from marketdata.actions import normalize_actions
from marketdata.config import Settings
from marketdata.repository import Repository
from marketdata.store import MIGRATIONS, SCHEMA_VERSION, Store


def row(**changes: object) -> pd.DataFrame:
    base = {"date": "2026-09-14", "ticker": "RIOT", "firm": "HC Wainwright & Co.", "action": "raise_target",
            "rating_from": "Buy", "rating_to": "Buy", "target_from": 23, "target_to": 30,
            "source": "https://example.com/note"}
    return normalize_actions(pd.DataFrame([{**base, **changes}]), origin="user")


def counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as con:
        return (con.execute("SELECT COUNT(*) FROM user_actions").fetchone()[0],
                con.execute("SELECT COUNT(*) FROM user_action_retractions").fetchone()[0])


def test_a_version_1_store_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "levels.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO watchlist VALUES ('HUT', '2026-01-01T00:00:00+00:00')")
    con.commit()
    con.close()
    store = Store(db)
    assert store.user_actions().empty  # read before any write: no table yet, no error
    store.add_user_action(row(), "local:ana")
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2  # to the newest migration (3 added team mode's tables)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert store.watchlist() == ["HUT"]
    assert counts(db) == (1, 0)


def test_removal_is_a_retraction_row_by_the_author_only(tmp_path: Path) -> None:
    store = Store(tmp_path / "levels.sqlite3")
    first = store.add_user_action(row(), "local:ana")
    second = store.add_user_action(row(date="2026-09-15", target_to=32), "oidc:bo@example.com")
    got = store.user_actions()
    assert set(got["entry_id"]) == {first, second}
    assert set(got["firm"]) == {"H.C. Wainwright"} and set(got["origin"]) == {"user"}
    assert not store.retract_user_action(first, "oidc:bo@example.com")  # not the author
    assert not store.retract_user_action("no-such-entry", "local:ana")
    assert store.retract_user_action(first, "local:ana")
    assert not store.retract_user_action(first, "local:ana")  # already removed
    assert list(store.user_actions()["entry_id"]) == [second]
    assert counts(store.path) == (2, 1)  # nothing deleted
    everything = store.user_actions(include_retracted=True).set_index("entry_id")
    assert everything.loc[first, "retracted"] and not everything.loc[second, "retracted"]
    assert everything.loc[first, "entered_by"] == "local:ana"


def test_repository_merges_entries_after_the_bundled_rows(tmp_path: Path) -> None:
    repo = Repository(Settings(data_dir=tmp_path, offline=True, refresh_timeout=1, refresh_interval=900,
                               failure_cooldown=300))
    bundled = len(repo.actions())
    entry = repo.store.add_user_action(row(), "local:ana")
    # the same action as a bundled row (JPMorgan CIFR 2025-11-24, $18): the curated row wins
    repo.store.add_user_action(row(date="2025-11-24", ticker="CIFR", firm="JP Morgan", target_to=18), "local:ana")
    merged = repo.actions()
    assert len(merged) == bundled + 1
    mine = merged[merged["origin"] == "user"]
    assert list(zip(mine["ticker"], mine["firm"], mine["target_to"], strict=True)) == [("RIOT", "H.C. Wainwright",
                                                                                        30.0)]
    repo.store.retract_user_action(entry, "local:ana")
    assert len(repo.actions()) == bundled
