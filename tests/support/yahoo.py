"""Yahoo without the network: :class:`FakeYahooSession` answers yfinance's requests from the recorded-format JSON
fixtures in ``tests/fixtures/yahoo``, and :func:`fresh_yfinance` gives a test yfinance's state as on a fresh start.

yfinance 1.7 accepts a ``session`` that is a ``curl_cffi`` or ``requests`` Session and sends every request through it,
so everything from ``YfData._make_request`` to yfinance's own JSON parsing runs for real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.project import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "yahoo"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Call:
    method: str
    url: str
    params: dict
    timeout: object


Reply = tuple[int, object] | BaseException


class FakeYahooSession(requests.Session):
    """A ``requests.Session`` whose ``request`` answers Yahoo URLs from fixtures and records each call.

    ``chart`` answers ``/v8/finance/chart`` with ``period1``/``period2`` (the bars are filtered to that range,
    as Yahoo does), ``probe`` answers the ``range=1d`` timezone probe, ``summary`` answers ``quoteSummary``.
    ``override`` maps a path fragment to a reply ``(status, body)`` or an exception to raise.
    """

    def __init__(self, chart: dict | None = None, summary: dict | None = None,
                 override: dict[str, Reply] | None = None) -> None:
        super().__init__()
        self.chart = chart if chart is not None else fixture("chart_CIFR_2026-09-01_2026-09-15.json")
        self.probe = fixture("chart_CIFR_range_1d.json")
        self.summary = summary if summary is not None else fixture("quoteSummary_CIFR_upgradeDowngradeHistory.json")
        self.override = override or {}
        self.calls: list[Call] = []

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None,
                auth=None, timeout=None, allow_redirects=True, proxies=None, hooks=None, stream=None,
                verify=None, cert=None, json=None):
        params = dict(params or {})
        self.calls.append(Call(method, url, params, timeout))
        for fragment, reply in self.override.items():
            if fragment in url:
                return self._answer(url, reply)
        return self._answer(url, self._route(url, params))

    def _route(self, url: str, params: dict) -> Reply:
        parts = urlsplit(url)
        if parts.hostname == "fc.yahoo.com":
            return 404, "<html>not found</html>"
        if parts.path.endswith("/v1/test/getcrumb"):
            return 200, "fixtureCrumb1"
        if "/v8/finance/chart/" in parts.path:
            return 200, self.probe if "range" in params else self._chart_between(params)
        if "/v10/finance/quoteSummary/" in parts.path:
            return 200, self.summary
        return 404, {"finance": {"result": None, "error": {"code": "Not Found"}}}

    def _chart_between(self, params: dict) -> dict:
        chart = json.loads(json.dumps(self.chart))
        result = chart["chart"]["result"][0]
        if "timestamp" not in result:
            return chart
        lo, hi = int(params["period1"]), int(params["period2"])
        keep = [i for i, t in enumerate(result["timestamp"]) if lo <= t < hi]
        if not keep:
            return fixture("chart_CIFR_empty.json")
        result["timestamp"] = [result["timestamp"][i] for i in keep]
        quote = result["indicators"]["quote"][0]
        for key in quote:
            quote[key] = [quote[key][i] for i in keep]
        adj = result["indicators"]["adjclose"][0]
        adj["adjclose"] = [adj["adjclose"][i] for i in keep]
        return chart

    @staticmethod
    def _answer(url: str, reply: Reply) -> requests.Response:
        if isinstance(reply, BaseException):
            raise reply
        status, body = reply
        response = requests.Response()
        response.status_code = status
        response.url = url
        response.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
        if isinstance(body, (dict, list)):
            response._content = json.dumps(body).encode()
            response.headers["Content-Type"] = "application/json;charset=utf-8"
        else:
            response._content = str(body).encode()
            response.headers["Content-Type"] = "text/plain;charset=utf-8"
        response.encoding = "utf-8"
        return response


@contextmanager
def fresh_yfinance(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with a fresh yfinance state: no on-disk caches, no shared crumb/session, no retries, no proxy."""
    import yfinance
    from yfinance import cache as yf_cache
    from yfinance.data import SingletonMeta, YfData

    monkeypatch.setattr(yf_cache, "get_tz_cache", yf_cache._TzCacheDummy)
    monkeypatch.setattr(yf_cache, "get_cookie_cache", yf_cache._CookieCacheDummy)
    monkeypatch.setitem(yfinance.config.network.data, "retries", 0)
    monkeypatch.setitem(yfinance.config.network.data, "proxy", None)
    previous = SingletonMeta._instances.pop(YfData, None)
    YfData.cache_get.cache_clear()
    try:
        yield
    finally:
        YfData.cache_get.cache_clear()
        SingletonMeta._instances.pop(YfData, None)
        if previous is not None:
            SingletonMeta._instances[YfData] = previous
