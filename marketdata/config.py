"""Runtime settings read from the environment.

``LEVELS_DATA_DIR``   directory of the local SQLite store (default: the per-user data directory).
``LEVELS_OFFLINE``    ``1``/``true`` forces offline mode: no network call is ever made.
``LEVELS_REFRESH_TIMEOUT``  seconds allowed for one live request (default 4).
``LEVELS_REFRESH_INTERVAL`` seconds between refresh attempts for one symbol (default 900).
``LEVELS_FAILURE_COOLDOWN`` seconds a failing source is left alone before it is tried again (default 300).

Team mode (see README, "Serving it to a team"):

``LEVELS_DATABASE_URL``  ``postgresql://user:password@host:port/dbname``: the shared PostgreSQL store instead of the
                         SQLite file (unset: SQLite).
``LEVELS_DATABASE_TIMEOUT`` seconds a page waits for a database connection before it says the store is
                         unavailable (default 3).
``LEVELS_REFRESH``       ``inline`` (default: a page fetches what is due itself) or ``worker`` (web processes never
                         call the live source; ``python -m analyst refresh --loop SECONDS`` does, and pages queue
                         requests for new symbols to it).
``LEVELS_VERSION_TTL``   seconds a process reuses the store's data version before reading it again (default 5): how
                         soon other processes' writes reach its pages.
``LEVELS_MAX_SYMBOLS``   most symbols the store follows: the default five, the added ones and any other with stored
                         bars (default 100). No new symbol is fetched or queued beyond it.
``LEVELS_NEW_SYMBOLS_PER_MINUTE`` most fetches (or queued requests) of symbols not yet stored, per process and
                         minute; the refresh worker applies it again to the queue (default 10).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PROJECT_ROOT / "data"

_TRUE = {"1", "true", "yes", "on"}

RefreshMode = Literal["inline", "worker"]


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use (the message names it)."""


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


def _int_env(name: str, default: int, minimum: int = 0) -> int:
    try:
        value = int(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= minimum else default


def _refresh_mode() -> RefreshMode:
    raw = os.environ.get("LEVELS_REFRESH", "").strip().lower() or "inline"
    if raw == "worker":
        return "worker"
    if raw == "inline":
        return "inline"
    raise SettingsError(f"LEVELS_REFRESH must be one of {', '.join(get_args(RefreshMode))}, not {raw[:20]!r}")


def _database_url() -> str | None:
    from marketdata.store import is_postgres_url

    url = os.environ.get("LEVELS_DATABASE_URL", "").strip()
    if not url:
        return None
    if not is_postgres_url(url):
        raise SettingsError("LEVELS_DATABASE_URL must be a postgresql:// URL (unset it to use the SQLite file)")
    return url


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    data_dir: Path
    offline: bool
    refresh_timeout: float
    refresh_interval: float
    failure_cooldown: float
    bundled_dir: Path = BUNDLED_DIR
    database_url: str | None = None
    database_timeout: float = 3.0
    refresh_mode: RefreshMode = "inline"
    version_ttl: float = 5.0
    max_symbols: int = 100
    new_symbols_per_minute: int = 10

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
        database_url=_database_url(),
        database_timeout=max(_float_env("LEVELS_DATABASE_TIMEOUT", 3.0), 0.1),
        refresh_mode=_refresh_mode(),
        version_ttl=_float_env("LEVELS_VERSION_TTL", 5.0),
        max_symbols=_int_env("LEVELS_MAX_SYMBOLS", 100, minimum=1),
        new_symbols_per_minute=_int_env("LEVELS_NEW_SYMBOLS_PER_MINUTE", 10),
    )
