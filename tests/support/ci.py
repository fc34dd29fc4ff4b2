"""Skip or fail: a test that cannot run is skipped locally and fails under ``CI=true``, where every test must run."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    """Return True under ``CI=true`` (any value but empty, 0, false or no)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail under ``CI=true``, where every test must run."""
    if in_ci():
        pytest.fail(f"{reason} — CI=true, so this is an error, not a skip", pytrace=False)
    pytest.skip(reason)
