"""Take the README's screenshots: ``.venv/bin/python docs/take_screenshot.py``.

Starts ``streamlit run dashboard.py`` offline on 127.0.0.1 (a throw-away data directory), opens the ticker page in
Debian's Chromium (``/usr/bin/chromium --no-sandbox``) through Playwright and saves, under ``docs/``:

* ``screenshot.png`` — the chart of CLSK as of 2025-11-24 on a laptop, light theme;
* ``targets.png`` — the Targets overlay of RIOT as of 2025-11-24;
* ``first-screen-laptop-light.png`` / ``first-screen-laptop-dark.png`` — the first screen at 1280 x 720;
* ``first-screen-phone-light.png`` / ``first-screen-phone-dark.png`` — the first screen at 390 x 844, as a phone
  (Chromium's mobile emulation with an Android User-Agent, so the server serves the phone's chart), 2x pixels.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import open_app  # noqa: E402
from tests.support.chromium import DEVICES, launch_chromium  # noqa: E402
from tests.support.server import StreamlitServer, offline_env  # noqa: E402

CLSK = "/ticker?symbol=CLSK&asof=2025-11-24"
TARGETS = "/ticker?symbol=RIOT&asof=2025-11-24&range=1Y&show=Targets&show=Volume"
# (file, view, device, colour scheme, what: the chart alone or the first screen)
SHOTS = [
    ("screenshot.png", CLSK, "laptop", "light", "chart"),
    ("targets.png", TARGETS, "laptop", "light", "chart"),
    *((f"first-screen-{device}-{scheme}.png", CLSK, device, scheme, "screen")
      for device in ("laptop", "phone") for scheme in ("light", "dark")),
]


def main(out_dir: Path = ROOT / "docs") -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, StreamlitServer(Path(tmp) / "streamlit.log",
                                                                env=offline_env(Path(tmp))) as server:
        url = server.url
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            for name, view, device, scheme, what in SHOTS:
                scale = 2 if device == "phone" else 1
                context = browser.new_context(color_scheme=scheme, device_scale_factor=scale, **DEVICES[device])
                page = context.new_page()
                open_app(page, url + view)
                page.wait_for_timeout(1500)  # web fonts and the chart's last paint
                target = page.locator(".js-plotly-plot").first if what == "chart" else page
                target.screenshot(path=str(out_dir / name))
                context.close()
                print(f"saved {out_dir / name}")
            browser.close()


if __name__ == "__main__":
    main()
