"""Real-browser check of a sample of hostile links (the full set of 200+ runs with AppTest in tests/security).

Each link is opened in a fresh context on the session's offline server. The page must show no exception, a
warning (``stAlert``) that quotes the payload as text, and a sane view (the chart, or the analysts table), and the
payload must not have become markup: no ``img[src=x]``, no element with an ``on*`` handler, no ``javascript:``
link, no script holding the payload, no dialog, and ``window.__pwned`` (set by every payload that runs) undefined.

Run: ``LEVELS_OFFLINE=1 .venv/bin/python -m pytest tests/browser/test_hostile_links.py -q``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.support.browser import assert_no_exception, expect, open_app, read_chart, wait_idle

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=1</script>"
SVG = '"><svg onload=window.__pwned=1>'
DETAILS = "<details open ontoggle=window.__pwned=1>"
LINK = "[click](javascript:window.__pwned=1)"

# (path, query pairs, text a warning must contain, text it must show literally, symbol charted or None)
LINKS = [
    ("/ticker", [("symbol", IMG)], "is not a ticker symbol", IMG, "CIFR"),
    ("/ticker", [("symbol", SCRIPT)], "is not a ticker symbol", SCRIPT, "CIFR"),
    ("/ticker", [("symbol", "CLSK"), ("range", SVG)], "Range", "<svg onload=window.__pwned=1>", "CLSK"),
    ("/ticker", [("symbol", "MARA"), ("scale", LINK)], "Scale", LINK, "MARA"),
    ("/ticker", [("show", IMG), ("show", "EMA20")], "Unknown overlay", "<img src=x onerror=w", "CIFR"),
    ("/ticker", [("symbol", "RIOT"), ("asof", DETAILS)], "is not a date", DETAILS, "RIOT"),
    ("/ticker", [("symbol", "../../etc/passwd"), ("asof", "1900-01-01")], "before the first bar",
     "../../etc/passwd", "CIFR"),
    ("/ticker", [("symbol", "IREN"), ("asof", "2099-01-01"), (IMG, "1")], "after the last bar", None, "IREN"),
    ("/ticker", [("symbol", "CLSK\u202e" + IMG), ("symbol", "zzzz")], "No data for ZZZZ", None, "CIFR"),
    ("/analysts", [("tickers", IMG), ("firms", SCRIPT)], "Ticker filter", "<img src=x onerror=window.__pw", None),
    ("/analysts", [("tickers", "MARA"), ("firms", LINK)], "Firm filter", "[click](javascript:window.__pw", None),
]

_INJECTED = """() => {
  const handlers = [...document.querySelectorAll('*')].filter(
    el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')));
  return {
    pwned: typeof window.__pwned,
    imgX: document.querySelectorAll('img[src="x"]').length,
    handlers: handlers.map(el => el.outerHTML.slice(0, 120)),
    jsLinks: [...document.querySelectorAll('a[href]')].filter(
      a => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
    scripts: [...document.querySelectorAll('script')].filter(s => (s.textContent || '').includes('__pwned')).length,
    svgOnload: document.querySelectorAll('svg[onload], details[ontoggle]').length,
  };
}"""


@pytest.mark.parametrize(("path", "pairs", "message", "literal", "symbol"), LINKS,
                         ids=[f"{i:02d}-{link[0].strip('/')}" for i, link in enumerate(LINKS)])
def test_hostile_link_shows_a_warning_and_injects_nothing(new_context, app_url, path, pairs, message, literal,
                                                          symbol):
    page = new_context().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, f"{app_url}{path}?{urlencode(pairs)}", chart=symbol is not None)
    page.wait_for_timeout(500)  # let any onerror/onload/ontoggle fire
    wait_idle(page)

    assert_no_exception(page)
    alerts = page.get_by_test_id("stAlert")
    expect(alerts.filter(has_text=message).first).to_be_visible()
    if literal is not None:  # the payload is quoted as text, not parsed into elements
        assert literal in " ".join(alerts.all_inner_texts()), alerts.all_inner_texts()
    if symbol is not None:
        chart = read_chart(page)
        assert symbol in chart.title, chart.title
        assert chart.price.type == "candlestick" and chart.price.x, "no candles"
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{symbol} technical levels")
    else:
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()

    injected = page.evaluate(_INJECTED)
    assert injected == {"pwned": "undefined", "imgX": 0, "handlers": [], "jsLinks": 0, "scripts": 0,
                        "svgOnload": 0}, injected
    assert not dialogs, dialogs
