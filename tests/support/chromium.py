"""Debian's Chromium for Playwright (its own browsers cannot be downloaded here): where it is, how it is launched,
the check that skips (locally) or fails (under CI) when the browser tests cannot run, and the devices emulated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.support.ci import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0"
            " Mobile Safari/537.36")
#: Browser-context options of a phone (Chromium's mobile emulation, an Android User-Agent) and a laptop.
DEVICES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "user_agent": PHONE_UA},
    "laptop": {"viewport": {"width": 1280, "height": 720}},
}


def require_browser() -> None:
    """Skip (locally) or fail (under CI) when the browser tests cannot run."""
    problems = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is not installed (pip install -r requirements-dev.txt)")
    if problems:
        skip_or_fail("browser tests need " + "; ".join(problems))


def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """Launch headless Debian Chromium from a Playwright driver, with ``CHROMIUM_ARGS`` and ``extra_args``; return
    the Browser."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args],
                                      headless=True)
