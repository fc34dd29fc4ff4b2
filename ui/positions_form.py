"""The overview's positions form: save a position from the form's text, remove one; one message per outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from marketdata.positions import FIELD_LABELS, InvalidPosition, parse_position
from marketdata.repository import Repository
from marketdata.store import StoreError


@dataclass(frozen=True)
class FormResult:
    """What a save or removal did: ``ok``, and the one message to show (naming the field when one was bad)."""

    ok: bool
    message: str
    field: Literal["symbol", "shares", "avg_cost", "store"] | None = None


def save_position(repo: Repository, owner: str, symbol: str | None, shares: str, avg_cost: str) -> FormResult:
    """Parse and store ``owner``'s position; nothing is stored unless every field is good."""
    if not symbol:
        return FormResult(False, f"{FIELD_LABELS['symbol']} is required.", "symbol")
    try:
        position = parse_position(symbol, shares, avg_cost)
        repo.set_position(owner, position)
    except InvalidPosition as exc:
        return FormResult(False, str(exc), exc.field)
    except StoreError as exc:
        return FormResult(False, f"The position was not saved: the store cannot be written ({exc}).", "store")
    return FormResult(True, f"Saved: {position.shares:,.6g} {symbol} at ${position.avg_cost:,.2f} on average.")


def remove_position(repo: Repository, owner: str, symbol: str | None) -> FormResult:
    """Remove ``owner``'s position in ``symbol`` (an inserted removal; the history is kept)."""
    if not symbol:
        return FormResult(False, "Choose the position to remove.", "symbol")
    try:
        removed = repo.remove_position(owner, symbol)
    except StoreError as exc:
        return FormResult(False, f"The position was not removed: the store cannot be written ({exc}).", "store")
    return FormResult(True, f"Removed the {symbol} position.") if removed else FormResult(
        False, f"You hold no {symbol} position.", "symbol")
