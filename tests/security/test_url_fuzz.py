"""Hostile and broken input, checked with AppTest: generated links, the add-symbol form, analyst rows.

Every generated link (script and HTML payloads, path traversal, huge and negative numbers, bad, reversed and
out-of-range dates, unicode and control characters, very long values, repeated and unknown keys) is opened on
the ticker page (``symbol``, ``asof``, ``range``, ``scale``, ``show``, ``legend``) or the analysts page (``tickers``,
``firms``). Each run must give

* a clear message as ``st.warning`` for every rejected value, and none otherwise (an expectation computed
  from the URL scheme in README.md, not from the app's code);
* a sane view: no exception element, no ``st.error``, the fallback symbol/date/options in the widgets, the
  chart and the address bar;
* no injected markup: no HTML/iframe/component element, no ``allow_html`` Markdown, no unescaped tag, link or
  URL in any Markdown-rendered text, no payload verbatim anywhere in the page, no script/handler in the chart;
* no file opened outside the project (sources, ``data/``, ``.streamlit/``, ``.venv/``), the Python
  installation, the data directory or the temp directory; no process started; no socket connected.
  File access is recorded with an audit hook (``sys.addaudithook``: ``open``, ``os.listdir``,
  ``sqlite3.connect``, ...), which sees ``open``, ``io.open``, ``os.open`` and ``Path.open`` alike.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from indicators.windows import RANGE_PRESETS
from tests.support.apptest import figure, open_page, param, texts
from tests.support.bars import read_bars
from tests.support.project import ROOT, SYMBOLS
from ui.viewstate import DEFAULT_OVERLAYS, OVERLAYS, SCALES

DEFAULT_SYMBOL = "CIFR"
DEFAULT_RANGE = "1Y"
SYMBOL_SPEC = re.compile(r"[A-Z0-9.^=-]{1,15}")  # README: ^[A-Z0-9.^=-]{1,15}$, case-insensitive
DATE_SPEC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # README: ISO date YYYY-MM-DD

# --- generated cases ---------------------------------------------------------------------------------------

MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=window.__pwned=1>",
    '"><svg onload=alert(1)>',
    "'><iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "<details open ontoggle=alert(1)>",
    "javascript:alert(document.cookie)",
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
TRAVERSAL = [
    "../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "file:///etc/passwd", "..",
]
NUMBERS = ["-1", "99999999999999999999999", "-1e308"]
UNICODE = ["CLSK\x00", "\u202eKSLC", "CL\u200bSK", "ＣＬＳＫ", "😀", "line\r\nbreak\x1b[31m"]
LONG = ["Z" * 5000, "<script>" * 600]
GENERIC = {"markup": MARKUP, "traversal": TRAVERSAL, "number": NUMBERS, "unicode": UNICODE, "long": LONG}

SPECIFIC: dict[str, dict[str, list[str | list[str]]]] = {
    "symbol": {
        "unknown": ["ZZZZ", "AAPL", "BTC-USD", "^GSPC", "BRK.B", "A", "ABCDEFGHIJKLMNO", "CLSK=1", ".", "ß"],
        "case-space": ["clsk", "  mara  ", "RiOt"],
        "malformed": ["", "   ", "CL SK", "CLSK;", "C_L", "$CLSK", "CLSK'--", "A" * 16],
    },
    "asof": {
        "malformed": ["", "yesterday", "2025-13-01", "2025-02-30", "2025-1-5", "20251124", "2025-W47-1",
                      "２０２５-１１-２４", "2025-11-24T10:00", "0000-00-00", "99999-01-01", "-2025-01-01"],
        "reversed": ["24-11-2025", "11/24/2025", "2025/11/24", "24.11.2025"],
        "out-of-range": ["0001-01-01", "1900-01-01", "2021-12-31", "2099-01-01", "9999-12-31"],
        "in-range": ["2025-11-24", "2025-11-23", " 2024-02-29 "],
    },
    "range": {"near-miss": ["1y", "1Y ", "ALL", "5Y", "-1M", "0M", "1M,3M", "１Y", ""], "valid": ["6M"]},
    "scale": {"near-miss": ["LOG", "Log", "logarithmic", "", "linear ", "-1"], "valid": ["log"]},
    "show": {
        "near-miss": ["ema20", "EMA20,BB", "EMA 20", "", ["EMA20", "<b>x</b>"], ["EMA20"] * 50,
                      [f"X{i}" for i in range(12)]],
        "valid": [["BB", "Volume"]],
    },
    "legend": {"near-miss": ["yes", "1", "on", "true ", "", ["true", "maybe"]], "valid": ["false", "TRUE"]},
}

REPEATED: list[dict[str, str | list[str]]] = [
    {"symbol": ["CLSK", "<script>alert(1)</script>"]}, {"symbol": ["<script>alert(1)</script>", "CLSK"]},
    {"asof": ["2025-11-24", "bogus"]}, {"asof": ["bogus", "2025-11-24"]},
    {"range": ["1M", "<x>"]}, {"range": ["<x>", "1M"]}, {"scale": ["log", "<x>"]}, {"scale": ["<x>", "log"]},
    {"show": ["BB", "BB", "BB"]}, {"symbol": ["MARA"] * 30},
]
UNKNOWN_KEYS: list[dict[str, str | list[str]]] = [
    {"foo": "<script>alert(1)</script>"}, {"__proto__": "x"}, {"constructor": "<img src=x onerror=alert(1)>"},
    {"SYMBOL": "CLSK"}, {"symbol ": "CLSK"}, {"<img src=x onerror=window.__pwned=1>": "1"},
    {"asof[]": "2025-01-01"}, {"utm_source": "x" * 3000},
]
COMBINED: list[dict[str, str | list[str]]] = [
    {"symbol": "<script>alert(1)</script>", "asof": "../../etc/passwd", "range": "<img src=x onerror=alert(1)>",
     "scale": "javascript:alert(1)", "show": ["<svg onload=alert(1)>", "EMA20"]},
    {"symbol": "clsk", "asof": "2025-11-24", "range": "6M", "scale": "log", "show": ["EMA20", "BB"]},
    {"symbol": "ZZZZ", "asof": "2099-01-01", "range": "", "scale": "", "show": ""},
]
ANALYSTS_SPECIFIC: list[dict[str, str | list[str]]] = [
    {"tickers": "MARA"}, {"tickers": ["MARA", "CLSK"]}, {"tickers": "mara"}, {"tickers": "ZZZZ"},
    {"tickers": ["MARA", "MARA"]}, {"tickers": ""}, {"firms": "JPMorgan"}, {"firms": "JP Morgan"},
    {"firms": "jpmorgan"}, {"tickers": ["MARA", "<script>alert(1)</script>"], "firms": ["JPMorgan", "../x"]},
    {"tickers": [f"T{i}" for i in range(9)]}, {"foo": "<script>alert(1)</script>"},
    {"<img src=x onerror=window.__pwned=1>": "1", "tickers": "RIOT"},
    {"actions": "upgrade"}, {"actions": ["upgrade", "downgrade"]}, {"actions": "Upgrade"}, {"actions": "raise target"},
    {"from": "2025-01-01"}, {"to": "2025-06-30"}, {"from": "2025-01-01", "to": "2025-06-30"},
    {"from": "2025-06-30", "to": "2025-01-01"}, {"from": "1899-12-31"}, {"to": "2101-01-01"}, {"from": " 2025-01-01"},
    {"from": "2025-02-30"}, {"from": "01/02/2025"}, {"from": ["2025-01-01", "2025-02-01"]},
    {"from": ["2025-01-01", "2025-01-01"]}, {"to": "2025-11-24T10:00"},
    {"tickers": "RIOT", "actions": ["downgrade", "<script>alert(1)</script>"], "from": "javascript:alert(1)",
     "to": "2025-12-31"},
]


@dataclass(frozen=True)
class Case:
    page: str
    category: str
    params: dict[str, str | list[str]]


def _generate() -> list[Case]:
    cases: list[Case] = []
    for key in ("symbol", "asof", "range", "scale", "show", "legend"):
        for category, values in GENERIC.items():
            cases += [Case("ticker", f"{key}:{category}", {key: v}) for v in values]
        for category, values in SPECIFIC[key].items():
            cases += [Case("ticker", f"{key}:{category}", {key: v}) for v in values]
    cases += [Case("ticker", "repeated-keys", p) for p in REPEATED]
    cases += [Case("ticker", "unknown-keys", p) for p in UNKNOWN_KEYS]
    cases += [Case("ticker", "combined", p) for p in COMBINED]
    for key in ("tickers", "firms", "actions", "from", "to"):
        for category, values in GENERIC.items():
            cases += [Case("analysts", f"{key}:{category}", {key: v}) for v in values]
    cases += [Case("analysts", "filters:specific", p) for p in ANALYSTS_SPECIFIC]
    return cases


CASES = _generate()


def _case_id(case: Case) -> str:
    return f"{CASES.index(case):03d}-{case.page}-{case.category}"


def test_at_least_200_generated_cases_cover_every_parameter() -> None:
    assert len(CASES) >= 200, len(CASES)
    keys = {k for c in CASES for k in c.params}
    assert {"symbol", "asof", "range", "scale", "show", "legend", "tickers", "firms", "actions", "from", "to"} <= keys
    categories = {c.category.split(":")[-1] for c in CASES}
    assert {"markup", "traversal", "number", "unicode", "long", "repeated-keys", "unknown-keys",
            "out-of-range", "reversed", "malformed"} <= categories


# --- file, process and network access recorded with an audit hook ------------------------------------------


class _AccessLog:
    """Paths opened (and processes/sockets started) while ``active``; process-wide, all threads."""

    PATH_EVENTS = frozenset({
        "open", "os.listdir", "os.scandir", "os.chdir", "os.remove", "os.rename", "os.mkdir", "os.rmdir",
        "os.symlink", "os.link", "os.truncate", "os.chmod", "shutil.copyfile", "shutil.rmtree", "glob.glob",
        "sqlite3.connect", "pathlib.Path.glob",
    })
    OTHER_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "socket.connect"})

    def __init__(self) -> None:
        self.active = False
        self.lock = threading.Lock()
        self.paths: list[tuple[str, str]] = []
        self.other: list[tuple[str, str]] = []

    def hook(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event in self.PATH_EVENTS and args and isinstance(args[0], str | bytes | os.PathLike):
            with self.lock:
                self.paths.append((event, os.fsdecode(args[0])))
        elif event in self.OTHER_EVENTS:
            with self.lock:
                self.other.append((event, repr(args)[:200]))

    @contextmanager
    def recording(self) -> Iterator[_AccessLog]:
        """Record while the block runs; read ``paths`` and ``other`` afterwards."""
        with self.lock:
            self.paths, self.other = [], []
        self.active = True
        try:
            yield self
        finally:
            self.active = False


def _access_log() -> _AccessLog:
    # Audit hooks cannot be removed: install one per process, reused by every test.
    log = getattr(sys, "_levels_security_access_log", None)
    if log is None:
        log = _AccessLog()
        sys.addaudithook(log.hook)
        sys._levels_security_access_log = log
    return log


def _allowed_roots() -> list[Path]:
    roots = [ROOT, Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(tempfile.gettempdir())]
    if os.environ.get("LEVELS_DATA_DIR"):
        roots.append(Path(os.environ["LEVELS_DATA_DIR"]))
    return [r.resolve() for r in roots]


# Read once per process by libraries, whatever the input: mimetypes' table, the CPU quota (os.cpu_count users).
SYSTEM_FILES = re.compile(r"^(/etc/mime\.types|/etc/localtime|/sys/fs/cgroup/.*|/usr/share/zoneinfo/.*)$")


# Streamlit's own secrets file, read by st.user to learn whether login is configured (analysts page: who owns an
# entry); the project's .streamlit/secrets.toml is inside the project already.
STREAMLIT_SECRETS = Path(os.path.realpath(Path.home() / ".streamlit" / "secrets.toml"))


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def assert_no_outside_access(paths: list[tuple[str, str]], other: list[tuple[str, str]]) -> None:
    assert not other, f"process or network access during the run: {other[:5]}"
    roots = _allowed_roots()
    project_ok = [(ROOT / p).resolve() for p in ("data", ".streamlit", ".venv")]
    bad = []
    for event, raw in paths:
        path = Path(os.path.realpath(raw))
        if SYSTEM_FILES.match(str(path)) or path == STREAMLIT_SECRETS:
            continue
        if not any(_within(path, r) for r in roots):
            bad.append((event, raw))
        elif (_within(path, ROOT.resolve()) and not any(_within(path, r) for r in project_ok)
              and path.suffix not in (".py", ".pyc") and not path.is_dir()):
            bad.append((event, raw))  # inside the project only sources, data/, .streamlit/ and .venv/
        if re.search(r"passwd|shadow|win\.ini", raw):
            bad.append((event, raw))
    assert not bad, f"files opened outside the project, data, python and temp directories: {bad[:5]}"


# --- injected markup ---------------------------------------------------------------------------------------

FORBIDDEN_ELEMENTS = {"Html", "IFrame", "ComponentInstance", "BidiComponent", "Exception"}
UNESCAPED_TAG = re.compile(r"(?<!\\)<\s*/?\s*[A-Za-z!?]")
MARKDOWN_LINK = re.compile(r"(?<!\\)\]\(")
URL_SCHEME = re.compile(r"\b(?:javascript|vbscript|file|https?):", re.IGNORECASE)
LINK = re.compile(r"\[(?:[^\]\\]|\\.)*\]\(([^()\s]*)\)")


@cache
def data_links() -> frozenset[str]:
    """The http(s) sources of the bundled analyst actions as the tables link them (the only links allowed)."""
    from urllib.parse import quote

    with (ROOT / "data" / "analyst_actions.csv").open(newline="") as fh:
        sources = {r["source"] for r in csv.DictReader(fh)}
    return frozenset(quote(s, safe=":/?#@!$&'*+,;=%~-._") for s in sources if s.startswith(("http://", "https://")))


def without_data_links(text: str) -> str:
    """``text`` without the Markdown links whose address is a bundled action's http(s) source."""
    return LINK.sub(lambda m: "" if m.group(1) in data_links() else m.group(0), text)
ACTIVE_CONTENT = re.compile(
    r"<\s*(?:script|img|svg|iframe|object|embed|style|details|math|link|meta|a\s)|\bon[a-z]+\s*=|javascript:",
    re.IGNORECASE,
)


def _strings(message) -> Iterator[tuple[str, str]]:
    """Every string field of a protobuf message, recursively, as (field name, value)."""
    for fd, value in message.ListFields():
        repeated = fd.is_repeated
        if fd.type == fd.TYPE_MESSAGE:
            if fd.message_type.GetOptions().map_entry:
                for k, v in value.items():
                    yield fd.name, str(k)
                    if isinstance(v, str):
                        yield fd.name, v
                    elif hasattr(v, "ListFields"):
                        yield from _strings(v)
                continue
            for item in value if repeated else [value]:
                yield from _strings(item)
        elif fd.type == fd.TYPE_STRING:
            for item in value if repeated else [value]:
                yield fd.name, item


def _json_strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def _markers(params: dict[str, str | list[str]]) -> set[str]:
    """The hostile strings of a case (keys and values with markup) that must not reach the page verbatim."""
    found = set()
    for key, value in params.items():
        for text in [key, *(value if isinstance(value, list) else [value])]:
            if "<" in text or "javascript:" in text.lower():
                found.add(text[:200])
    return found


def assert_no_injected_markup(at: AppTest, params: dict[str, str | list[str]]) -> None:
    markers = _markers(params)
    problems = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        name = proto.DESCRIPTOR.name
        if name in FORBIDDEN_ELEMENTS:
            problems.append(f"{name} element on the page")
        if name == "Markdown" and proto.allow_html:
            problems.append(f"Markdown with allow_html: {proto.body[:80]!r}")
        for fname, text in _strings(proto):
            problems += [f"{name}.{fname} holds payload {m[:40]!r}" for m in markers if m in text]
            if name == "PlotlyChart" and fname == "spec":
                problems += [f"chart string {s[:80]!r}" for s in _json_strings(json.loads(text))
                             if ACTIVE_CONTENT.search(s)]
            elif name == "Code" or isinstance(node, Block):
                if ACTIVE_CONTENT.search(text):
                    problems.append(f"{name}.{fname}: {text[:80]!r}")
            else:
                rest = without_data_links(text) if name == "Markdown" else text
                if UNESCAPED_TAG.search(rest) or MARKDOWN_LINK.search(rest) or URL_SCHEME.search(rest):
                    problems.append(f"{name}.{fname} renders markup: {text[:120]!r}")
    assert not problems, "\n".join(problems[:10])


def test_the_checks_catch_what_they_look_for() -> None:
    """The audit hook sees every way of opening a file, and the markup check flags unsafe output."""
    with _access_log().recording() as access:
        open(os.devnull).close()
        Path(os.devnull).open().close()
        os.close(os.open(os.devnull, os.O_RDONLY))
    assert [p for _, p in access.paths].count(os.devnull) == 3
    with pytest.raises(AssertionError, match="outside the project"):
        assert_no_outside_access(access.paths, access.other)

    unsafe = AppTest.from_string(
        "import streamlit as st\n"
        "st.markdown('<b>x</b>', unsafe_allow_html=True)\n"
        "st.warning('<img src=x onerror=alert(1)>')\n"
        "st.caption('[x](javascript:alert(1))')\n"
    ).run()
    with pytest.raises(AssertionError) as info:
        assert_no_injected_markup(unsafe, {"symbol": "<img src=x onerror=alert(1)>"})
    report = str(info.value)
    assert "allow_html" in report and "holds payload" in report and "renders markup: '[x](javascript" in report


# --- expectations from the URL scheme (README) -------------------------------------------------------------


@cache
def _bars_dates(symbol: str) -> tuple[date, ...]:
    return tuple(d.date() for d in read_bars(symbol).index)


def _values(params: dict[str, str | list[str]], key: str) -> list[str] | None:
    value = params.get(key)
    return None if value is None else list(value) if isinstance(value, list) else [value]


def _iso_date(text: str) -> date | None:
    if not DATE_SPEC.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class TickerExpectation:
    symbol: str
    asof: date | None
    range: str | None
    scale: str | None
    show: set[str]
    legend: bool
    messages: list[str]


def expect_ticker(params: dict[str, str | list[str]]) -> TickerExpectation:
    messages: list[str] = []
    symbol = DEFAULT_SYMBOL
    if (values := _values(params, "symbol")) is not None:  # single-valued, read by the page: last one wins
        text = values[-1].strip().upper()
        if not SYMBOL_SPEC.fullmatch(text):
            messages.append(rf"is not a ticker symbol; showing {DEFAULT_SYMBOL}\.")
        elif text in SYMBOLS:
            symbol = text
        else:
            messages.append(rf"^No data for {re.escape(text)}: .* Showing {DEFAULT_SYMBOL}\.$")
    asof = None
    if (values := _values(params, "asof")) is not None and values[-1].strip():
        requested = _iso_date(values[-1].strip())
        dates = _bars_dates(symbol)
        if requested is None:
            messages.append(r"^As-of date .* is not a date \(use YYYY-MM-DD\); showing the latest bar\.$")
        elif requested < dates[0]:
            messages.append(rf"^As-of date {requested} is before the first bar of {symbol} \({dates[0]}\)")
        elif requested > dates[-1]:
            messages.append(rf"^As-of date {requested} is after the last bar of {symbol} \({dates[-1]}\)")
        else:
            asof = requested
    chosen: dict[str, str | None] = {}
    for key, options, default, label in (("range", RANGE_PRESETS, DEFAULT_RANGE, "Range"),
                                         ("scale", SCALES, "linear", "Scale")):
        chosen[key] = default
        if (values := _values(params, key)) is not None:  # bound segmented control: the first value counts
            if values[0] in options:
                chosen[key] = values[0]
            else:
                messages.append(rf"^{label} .* is unknown \(use .*\); showing {default}\.$")
                chosen[key] = None if values[0] == "" else default  # "range=" leaves the control unselected
    show = set(DEFAULT_OVERLAYS)
    if (values := _values(params, "show")) is not None:
        tokens = [v for v in values if v != ""]
        unknown = [t for t in tokens if t not in OVERLAYS]
        if unknown:
            messages.append(r"^Unknown overlay\(s\) .* ignored \(known: ")
        if len(unknown) < len(tokens) or not tokens:
            show = set(tokens) & set(OVERLAYS)
    legend = True  # AppTest sends no User-Agent: the desktop default, legend shown
    if (values := _values(params, "legend")) is not None and values[-1] != "":  # a bound toggle: the last counts
        if values[-1].lower() in ("true", "false"):
            legend = values[-1].lower() == "true"
        else:
            messages.append(r"^Legend .* is unknown \(use true or false\); showing the default\.$")
    return TickerExpectation(symbol, asof, chosen["range"], chosen["scale"], show, legend, messages)


def _warnings(at: AppTest) -> list[str]:
    return texts(at.warning)


def assert_messages(at: AppTest, expected: list[str]) -> None:
    shown = _warnings(at)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, texts(at.error)
    for pattern in expected:
        assert any(re.search(pattern, w) for w in shown), f"no warning matching {pattern!r} in {shown}"
    assert len(shown) == len(expected), f"expected {len(expected)} warning(s), got {shown}"


def _widget(at: AppTest, kind: str, label: str):
    found = [w for w in at.get(kind) if getattr(w, "label", None) == label]
    assert len(found) == 1, f"expected one {kind} labelled {label!r}"
    return found[0]


def assert_sane_ticker_view(at: AppTest, exp: TickerExpectation) -> None:
    assert [t.value for t in at.title] == [f"{exp.symbol} technical levels"]
    assert _widget(at, "button_group", "Ticker").value == exp.symbol
    assert _widget(at, "date_input", "As of (close)").value == exp.asof
    assert _widget(at, "button_group", "Range").value == exp.range
    assert _widget(at, "button_group", "Scale").value == exp.scale
    assert set(_widget(at, "button_group", "Overlays").value) == exp.show
    assert _widget(at, "toggle", "Legend").value is exp.legend

    assert len(at.get("plotly_chart")) == 1
    fig = figure(at)
    price = [t for t in fig["data"] if t.get("name") == "Price"]
    assert len(price) == 1 and price[0]["type"] == "candlestick" and len(price[0]["x"]) > 0
    dates = _bars_dates(exp.symbol)
    last = max(d for d in dates if d <= exp.asof) if exp.asof else dates[-1]
    assert price[0]["x"][-1] == last.isoformat()
    assert fig["layout"]["yaxis"].get("type", "linear") == (exp.scale or "linear")
    assert exp.symbol in fig["layout"]["title"]["text"]

    assert param(at, "symbol") == [exp.symbol]
    assert param(at, "asof") == ([exp.asof.isoformat()] if exp.asof else [])
    assert set(param(at, "range")) <= {*RANGE_PRESETS, ""}
    assert set(param(at, "scale")) <= {*SCALES, ""}
    assert set(param(at, "show")) <= {*OVERLAYS, ""}
    assert param(at, "legend") in ([], ["false"])  # the desktop default (true) is left out of the address


ANALYST_ACTIONS = ("upgrade", "downgrade", "initiate", "raise_target", "lower_target", "maintain")  # README


def _expected_day(params: dict[str, str | list[str]], key: str, label: str, expected: list[str]) -> date | None:
    """The date the README's scheme accepts for ``from``/``to`` (None if absent or rejected, with the message)."""
    values = [v for v in _values(params, key) or [] if v != ""]
    if len(set(values)) > 1:
        expected.append(rf"^{label} date given \d+ different times; ignored\.$")
        return None
    if not values:
        return None
    day = _iso_date(values[0]) if DATE_SPEC.fullmatch(values[0]) else None
    if day is None:
        expected.append(rf"^{label} date .* is not a date \(use YYYY-MM-DD\); ignored\.$")
    elif not date(1900, 1, 1) <= day <= date(2100, 12, 31):
        expected.append(rf"^{label} date .* is out of range .*; ignored\.$")
        day = None
    return day


def assert_sane_analysts_view(at: AppTest, params: dict[str, str | list[str]]) -> None:
    expected: list[str] = []
    chosen: dict[str, set[str]] = {}
    for key, label in (("tickers", "Ticker"), ("firms", "Firm"), ("actions", "Action")):
        widget = _widget(at, "multiselect", label)
        options = set(widget.options)
        assert options, f"no {label} options"
        if key == "actions":
            assert options == set(ANALYST_ACTIONS)
        requested = [v for v in _values(params, key) or [] if v != ""]
        if any(v not in options for v in requested):
            where = "not one of .*" if key == "actions" else f"not among the {label.lower()}s with analyst actions"
            expected.append(rf"^{label} filter .* ignored: {where}\.$")
        chosen[key] = {v for v in requested if v in options}
        assert set(widget.value) == chosen[key]
        assert set(param(at, key)) <= options | {""}
    start = _expected_day(params, "from", "From", expected)
    end = _expected_day(params, "to", "To", expected)
    if start is not None and end is not None and start > end:
        expected.append(r"^From date .* is after To date .*; both ignored\.$")
        start = end = None
    assert_messages(at, expected)
    table = at.dataframe[0].value
    assert {"Ticker", "Firm", "Action", "Date", "Status", "Source"} <= set(table.columns)
    if chosen["tickers"]:
        assert set(table["Ticker"]) <= chosen["tickers"]
    if chosen["firms"]:
        assert set(table["Firm"]) <= chosen["firms"]
    if chosen["actions"]:
        assert set(table["Action"]) <= {a.replace("_", " ") for a in chosen["actions"]}
    if start is not None:
        assert (table["Date"] >= start.isoformat()).all()
    if end is not None:
        assert (table["Date"] <= end.isoformat()).all()
    assert any(t.startswith(f"{len(table)} action(s)") for t in texts(at.caption))
    assert all(pd.isna(link) or link.startswith(("https://", "http://")) for link in table["Source"])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_hostile_link_gives_a_message_and_a_sane_view(case: Case) -> None:
    with _access_log().recording() as access:
        at = open_page(case.page, **case.params)
    assert not at.exception, [e.value for e in at.exception]
    assert_no_injected_markup(at, case.params)
    assert_no_outside_access(access.paths, access.other)
    if case.page == "ticker":
        expected = expect_ticker(case.params)
        assert_messages(at, expected.messages)
        assert_sane_ticker_view(at, expected)
    else:
        assert_sane_analysts_view(at, case.params)


# --- symbols a user adds (overview form) -------------------------------------------------------------------

FORM_INPUTS = [
    ("<script>alert(1)</script>", "symbol: "), ("<img src=x onerror=window.__pwned=1>", "symbol: "),
    ("../../etc/passwd", "symbol: "), ("CL SK", "symbol: "), ("   ", "symbol: empty"),
    ("A" * 16, "AAAAAAAAAAAAAAA was not added: "),  # the text field keeps the first 15 characters
    ("ＣＬＳＫ", "symbol: "), ("CLSK\x00", "symbol: "), ("'; DROP TABLE watchlist;--", "symbol: "),
    ("[x](javascript:alert(1))", "symbol: "), ("😀", "symbol: "), ("ZZZZ", "ZZZZ was not added: "),
]


@pytest.fixture
def fresh_repository() -> Iterator[Path]:
    """Make the app's cached repository use this test's private data directory; return its SQLite path."""
    from marketdata.config import load_settings
    from ui import data

    data.repository.clear()
    yield load_settings().db_path
    data.repository.clear()


def _stored(db_path: Path) -> tuple[list[str], int, int]:
    from marketdata.store import Store

    store = Store(db_path)
    return store.watchlist(), store.bar_count(), len(store.fetch_log())


def _add_symbol(at: AppTest, text: str) -> AppTest:
    field = [t for t in at.text_input if t.label == "Add a symbol"]
    assert len(field) == 1
    field[0].set_value(text)
    next(b for b in at.button if b.label == "Add").click()
    return at.run()


@pytest.mark.parametrize(("text", "error"), FORM_INPUTS, ids=[f"form-{i:02d}" for i in range(len(FORM_INPUTS))])
def test_rejected_symbol_names_the_field_and_writes_nothing(text: str, error: str, fresh_repository: Path) -> None:
    at = open_page("overview")
    before = _stored(fresh_repository)
    universe = _universe()
    with _access_log().recording() as access:
        at = _add_symbol(at, text)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.success, texts(at.success)
    errors = texts(at.error)
    assert len(errors) == 1 and errors[0].startswith(error), errors
    assert_no_injected_markup(at, {"symbol": text})
    assert_no_outside_access(access.paths, access.other)
    assert _stored(fresh_repository) == before == ([], 0, 0), "a rejected symbol left something in the store"
    assert _universe() == universe


def test_known_symbol_is_not_added_twice(fresh_repository: Path) -> None:
    at = _add_symbol(open_page("overview"), " clsk ")
    assert not at.exception and not at.error
    assert texts(at.success) == ["CLSK is already in the list."]
    assert _stored(fresh_repository) == ([], 0, 0)


def _universe() -> list[str]:
    from ui import data

    return data.repository().universe()


# --- analyst rows ------------------------------------------------------------------------------------------

GOOD_ROW = {"date": "2025-11-24", "ticker": "MARA", "firm": "JPMorgan", "action": "maintain",
            "rating_to": "Neutral", "target_from": "12", "target_to": "14"}
BAD_ROWS = [
    ("date", "<script>alert(1)</script>"), ("date", "2025-13-45"), ("date", ""), ("ticker", ""),
    ("ticker", "   "), ("firm", ""), ("action", "<img src=x onerror=alert(1)>"), ("action", "UPGRADE!"),
    ("target_to", "-5"), ("target_from", "abc"), ("target_to", "<b>1</b>"), ("target_from", "-1e308"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ROWS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_ROWS)])
def test_bad_analyst_row_is_rejected_naming_the_field(field: str, value: str) -> None:
    from marketdata.actions import InvalidActionRow, normalize_actions

    rows = [GOOD_ROW, {**GOOD_ROW, "ticker": "CLSK", field: value}, {**GOOD_ROW, "ticker": "RIOT"}]
    with pytest.raises(InvalidActionRow, match=rf"^analyst row 2: field '{field}' "):
        normalize_actions(pd.DataFrame(rows))


class _HostileAnalystSource:
    """A live source with good bars and a yfinance-shaped analyst frame holding one bad row among good ones."""

    name = "fake"

    def history(self, symbol: str, start: date | None, timeout: float) -> pd.DataFrame:
        index = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"], name="Date")
        return pd.DataFrame({"open": [10.0, 11, 12], "high": [11.0, 12, 13], "low": [9.0, 10, 11],
                             "close": [10.5, 11.5, 12.5], "volume": [1e6, 1e6, 1e6]}, index=index)

    def analyst_actions(self, symbol: str, timeout: float) -> pd.DataFrame:
        from marketdata.yahoo import normalize_upgrades_downgrades

        raw = pd.DataFrame(
            {"Firm": ["Good Firm", "<img src=x onerror=alert(1)>", "Other"], "ToGrade": ["Buy", "Buy", "Hold"],
             "FromGrade": ["", "", ""], "Action": ["main", "main", "main"], "priceTargetAction": ["", "", ""],
             "currentPriceTarget": [20.0, -7.0, 15.0], "priorPriceTarget": [0.0, 0.0, 0.0]},
            index=pd.DatetimeIndex(["2024-01-03", "2024-01-04", "2024-01-04"], name="GradeDate"),
        )
        return normalize_upgrades_downgrades(raw, symbol)


def test_bad_live_analyst_row_leaves_the_stored_actions_unchanged(tmp_path: Path) -> None:
    from marketdata.config import Settings
    from marketdata.repository import Repository

    settings = Settings(data_dir=tmp_path, offline=False, refresh_timeout=1.0, refresh_interval=900.0,
                        failure_cooldown=300.0)
    repo = Repository(settings, _HostileAnalystSource())
    outcome = repo.refresh("ZZZZ", force=True)
    assert outcome.outcome == "ok", outcome
    assert repo.store.actions().empty, "part of a rejected analyst batch was stored"
    log = [r for r in repo.store.fetch_log() if r.kind == "actions"]
    assert len(log) == 1 and log[0].outcome == "skipped"
    assert "field 'target_to' is negative" in log[0].message, log[0].message
