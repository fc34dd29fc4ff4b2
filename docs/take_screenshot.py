"""Take the README's screenshot of the Targets overlay: ``.venv/bin/python docs/take_screenshot.py``.

Starts ``streamlit run dashboard.py`` offline on 127.0.0.1 (a throw-away data directory), opens the ticker page in
Debian's Chromium (``/usr/bin/chromium --no-sandbox``) through Playwright, and saves the chart to
``docs/targets.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _start_server, _stop  # noqa: E402
from tests.browser.helpers import open_app  # noqa: E402

VIEW = "/ticker?symbol=RIOT&asof=2025-11-24&range=1Y&show=Targets&show=Volume"


def main(out: Path = ROOT / "docs" / "targets.png") -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_server(Path(tmp), Path(tmp) / "streamlit.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
                open_app(page, url + VIEW)
                page.wait_for_timeout(1500)
                page.locator(".js-plotly-plot").first.screenshot(path=str(out))
                browser.close()
        finally:
            _stop(proc)
    print(f"saved {out}")


if __name__ == "__main__":
    main()
