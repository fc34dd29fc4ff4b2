"""Runtime settings read from the environment.

``LEVELS_DATA_DIR``   directory of the local SQLite store (default: the per-user data directory).
``LEVELS_OFFLINE``    ``1``/``true`` forces offline mode: no network call is ever made.
``LEVELS_REFRESH_TIMEOUT``  seconds allowed for one live request (default 4).
``LEVELS_REFRESH_INTERVAL`` seconds between refresh attempts for one symbol (default 900).
``LEVELS_FAILURE_COOLDOWN`` seconds a failing source is left alone before it is tried again (default 300).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PROJECT_ROOT / "data"

_TRUE = {"1", "true", "yes", "on"}


def user_data_dir(app: str = "levels-dashboard") -> Path:
    """Return the per-user data directory for ``app`` (XDG on Linux, Library on macOS, LOCALAPPDATA on Windows)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / app


def _float_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 0 else default


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    data_dir: Path
    offline: bool
    refresh_timeout: float
    refresh_interval: float
    failure_cooldown: float
    bundled_dir: Path = BUNDLED_DIR

    @property
    def db_path(self) -> Path:
        return self.data_dir / "levels.sqlite3"


def load_settings() -> Settings:
    """Return settings from the environment (see the module docstring for the variables)."""
    data_dir = os.environ.get("LEVELS_DATA_DIR")
    return Settings(
        data_dir=Path(data_dir).expanduser() if data_dir else user_data_dir(),
        offline=os.environ.get("LEVELS_OFFLINE", "").strip().lower() in _TRUE,
        refresh_timeout=_float_env("LEVELS_REFRESH_TIMEOUT", 4.0),
        refresh_interval=_float_env("LEVELS_REFRESH_INTERVAL", 900.0),
        failure_cooldown=_float_env("LEVELS_FAILURE_COOLDOWN", 300.0),
    )
