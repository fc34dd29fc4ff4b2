"""Hand-entered analyst actions: each bad field gets one message and nothing is stored; a good row is stored as
user-entered, joins the chart, the consensus and the tables at once, and only its author can remove it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.support.apptest import figure, markdown_table_with, open_page, texts
from ui.hand_entry import check_entry
from ui.identity import current_user

GOOD = {"date": date(2026, 9, 14), "ticker": "RIOT", "firm": "Example Research", "analysts": "A. Analyst",
        "action": "initiate", "rating_from": "", "rating_to": "Buy", "target_from": "", "target_to": "31.5",
        "target_horizon": None, "source": "https://example.com/riot-note", "note": "read in the morning note"}
TODAY = date(2026, 9, 15)

BAD_FIELDS = [
    ("date", None, "field 'date' is not a date"),
    ("date", date(2026, 9, 16), "field 'date' is in the future"),
    ("ticker", "", "field 'ticker' is empty"),
    ("ticker", "RI OT<", "field 'ticker' is not a ticker symbol"),
    ("firm", "  ", "field 'firm' is empty"),
    ("firm", "F" * 81, "field 'firm' is longer than 80 characters"),
    ("analysts", "A\x00B", "field 'analysts' holds control characters"),
    ("action", None, "field 'action' is ''"),
    ("action", "strong_buy", "field 'action' is 'strong_buy'"),
    ("target_to", "abc", "field 'target_to' is not a number"),
    ("target_to", "-3", "field 'target_to' is negative"),
    ("target_to", "inf", "field 'target_to' is not a finite number"),
    ("target_from", "1e400", "field 'target_from' is not a finite number"),
    ("target_horizon", date(2026, 9, 1), "field 'target_horizon' is not after the date"),
    ("source", "javascript:alert(1)", "field 'source' is not an http(s) address"),
    ("source", "https://", "field 'source' is not an http(s) address"),
    ("source", "<script>alert(1)</script>", "field 'source' is not an http(s) address"),
    ("note", "n" * 501, "field 'note' is longer than 500 characters"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS, ids=[f"{f}-{i}" for i, (f, _, _) in
                                                                        enumerate(BAD_FIELDS)])
def test_each_bad_field_gets_one_message(field: str, value: object, message: str) -> None:
    row, problems = check_entry({**GOOD, field: value}, today=TODAY)
    assert row is None
    assert list(problems) == [field]
    assert problems[field].startswith(message), problems


def test_every_bad_field_is_named_at_once() -> None:
    row, problems = check_entry({**GOOD, "date": "x", "ticker": "", "firm": "", "target_to": "-1",
                                 "source": "ftp://x"}, today=TODAY)
    assert row is None and set(problems) == {"date", "ticker", "firm", "target_to", "source"}


def test_neither_target_nor_rating_is_rejected() -> None:
    row, problems = check_entry({**GOOD, "rating_to": "", "target_to": ""}, today=TODAY)
    assert row is None and list(problems) == ["target_to"]


def test_a_good_row_is_one_user_action() -> None:
    row, problems = check_entry(GOOD, today=TODAY)
    assert problems == {} and row is not None and len(row) == 1
    r = row.iloc[0]
    assert (r["ticker"], r["firm"], r["target_to"], r["origin"], r["source"]) == (
        "RIOT", "Example Research", 31.5, "user", "https://example.com/riot-note")


def test_current_user() -> None:
    assert current_user({"is_logged_in": True, "email": "ana@example.com"}) == "oidc:ana@example.com"
    assert current_user({"is_logged_in": False}).startswith("local:")
    assert current_user(None) == current_user({})


# --- the form on the analysts page (AppTest) ---------------------------------------------------------------


@pytest.fixture
def fresh_repository() -> Iterator[Path]:
    from marketdata.config import load_settings
    from ui import data

    data.repository.clear()
    data.clear_actions()
    yield load_settings().db_path
    data.repository.clear()
    data.clear_actions()


def _stored_entries(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return con.execute("SELECT COUNT(*) FROM user_actions").fetchone()[0] if "user_actions" in tables else 0


def _fill(at, fields: dict[str, object]):
    form = {"date": ("date_input", "Date"), "target_horizon": ("date_input", "Target horizon"),
            "action": ("selectbox", "Action")}
    from ui.hand_entry import LABELS

    for key, value in fields.items():
        kind, label = form.get(key) or ("text_input", LABELS[key])
        widgets = [w for w in at.get(kind) if getattr(w, "label", None) == label and w.form_id == "add_action"]
        assert len(widgets) == 1, (kind, label)
        if kind == "selectbox":
            widgets[0].select(value)
        else:
            widgets[0].set_value(value)
    return at


def _submit(at):
    [button] = [b for b in at.button if b.label == "Add action"]
    return button.click().run()


def test_the_form_rejects_bad_fields_and_stores_nothing(fresh_repository: Path) -> None:
    at = open_page("analysts")
    at = _submit(_fill(at, {**GOOD, "ticker": "", "target_to": "-5", "source": "javascript:alert(1)"}))
    assert not at.exception
    errors = texts(at.error)
    assert len(errors) == 3, errors
    assert any(e.startswith("Ticker: field 'ticker' is empty") for e in errors)
    assert any(e.startswith("Target to ($): field 'target_to' is negative") for e in errors)
    assert any(e.startswith("Source address: field 'source' is not an http(s) address") for e in errors)
    assert _stored_entries(fresh_repository) == 0


def test_a_good_row_joins_the_chart_and_tables_and_only_its_author_removes_it(fresh_repository: Path) -> None:
    at = _submit(_fill(open_page("analysts"), GOOD))
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == ["Added Example Research on RIOT (2026-09-14)."]
    assert _stored_entries(fresh_repository) == 1
    table = at.dataframe[0].value
    mine = table[table["Firm"] == "Example Research"]
    assert len(mine) == 1 and mine.iloc[0]["Origin"] == "user-entered"
    assert mine.iloc[0]["Source"] == "https://example.com/riot-note"

    ticker = open_page("ticker", symbol="RIOT")
    names = [t["name"] for t in figure(ticker)["data"]]
    assert "Example Research PT $31.50 · Buy" in names
    marks = next(t for t in figure(ticker)["data"] if t["name"] == "Example Research actions")
    assert marks["marker"]["symbol"] == ["diamond"] and "user-entered" in marks["hovertext"][0]
    rows = markdown_table_with(ticker, "Rating change")
    assert rows.iloc[0]["Firm"] == "Example Research (user-entered)"
    # the consensus counts it at once (the brief's sentence)
    from analyst.targets import consensus
    from ui import data

    now = consensus(data.repository().actions(), "RIOT", date(2026, 9, 15))
    assert now.targets["Example Research"] == 31.5
    brief = " ".join(texts(ticker.markdown))
    assert f"{now.n} firms have a live target on RIOT: median ${now.median:,.2f}" in brief

    # someone else cannot remove it; its author can, and the row is kept as a retraction
    store = data.repository().store
    entry = store.user_actions()["entry_id"].iloc[0]
    assert not store.retract_user_action(entry, "oidc:someone@example.com")
    [remove] = [b for b in at.button if b.label == "Remove"]
    at = remove.click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "Example Research" not in set(table["Firm"])
    assert _stored_entries(fresh_repository) == 1  # nothing deleted
    assert store.user_actions(include_retracted=True)["retracted"].tolist() == [True]
    ticker = open_page("ticker", symbol="RIOT")
    assert not any(t["name"].startswith("Example Research") for t in figure(ticker)["data"])
