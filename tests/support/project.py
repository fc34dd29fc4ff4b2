"""The project as the tests see it: its folder and its default universe."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYMBOLS = ("CIFR", "CLSK", "IREN", "MARA", "RIOT")
