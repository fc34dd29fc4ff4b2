"""Positions in the store, on both backends: personal to their owner, a history that only grows, bad rows refused
by the schema itself."""

from __future__ import annotations

import pytest

from marketdata.positions import InvalidPosition, Position
from tests.support.backends import Backend


def test_positions_are_personal_and_the_newest_row_counts(backend: Backend) -> None:
    store = backend.store()
    store.set_position("oidc:ana@example.com", Position("MARA", 10.0, 12.0))
    store.set_position("oidc:bo@example.com", Position("MARA", 3.0, 30.0))
    store.set_position("oidc:ana@example.com", Position("RIOT", 0.5, 9.75))
    store.set_position("oidc:ana@example.com", Position("MARA", 15.0, 11.0))  # an edit
    assert store.positions("oidc:ana@example.com") == {"MARA": Position("MARA", 15.0, 11.0),
                                                       "RIOT": Position("RIOT", 0.5, 9.75)}
    assert store.positions("oidc:bo@example.com") == {"MARA": Position("MARA", 3.0, 30.0)}
    assert store.positions("oidc:nobody@example.com") == {}
    assert store.remove_position("oidc:ana@example.com", "MARA")
    assert not store.remove_position("oidc:ana@example.com", "MARA")  # already gone: nothing written
    assert not store.remove_position("oidc:bo@example.com", "RIOT")  # not theirs
    assert store.positions("oidc:ana@example.com") == {"RIOT": Position("RIOT", 0.5, 9.75)}
    assert store.positions("oidc:bo@example.com") == {"MARA": Position("MARA", 3.0, 30.0)}
    kinds = sorted(str(r[0]) for r in backend.raw("SELECT kind FROM position_events"))
    assert kinds == ["remove", "set", "set", "set", "set"]  # history kept: nothing updated or deleted
    assert store.versions().of("positions", "oidc:ana@example.com") > 0


@pytest.mark.parametrize(("shares", "cost"), [(-1.0, 10.0), (0.0, 10.0), (float("nan"), 10.0), (1e308, 10.0),
                                             (5.0, -2.0), (5.0, float("inf"))])
def test_bad_positions_are_refused_before_and_by_the_schema(backend: Backend, shares: float, cost: float) -> None:
    store = backend.store()
    store.set_position("local:me", Position("MARA", 1.0, 1.0))
    before = backend.dump()
    with pytest.raises(InvalidPosition):
        store.set_position("local:me", Position("MARA", shares, cost))
    assert backend.dump() == before
    # written around the app's checks, the table's CHECK still refuses it
    with pytest.raises(Exception):  # noqa: B017 - sqlite3.IntegrityError / psycopg.errors.CheckViolation
        backend.raw("INSERT INTO position_events (owner, symbol, kind, shares, avg_cost, entered_at)"
                    " VALUES (?, ?, 'set', ?, ?, '2026-01-01T00:00:00+00:00')", ("local:me", "MARA", shares, cost))
    assert store.positions("local:me") == {"MARA": Position("MARA", 1.0, 1.0)}
