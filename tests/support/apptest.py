"""Helpers for AppTest-based page tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")


#: The ticker page's folded tables (lazy expanders, drawn only when open), by their keys.
TICKER_TABLES = ("levels_table", "analysts_table")


def open_page(page: str, tables_open: bool = True, **params: str | list[str]) -> AppTest:
    """Run the app on ``pages/<page>.py`` with the given query parameters; return the finished AppTest.

    On the ticker page the folded tables are opened first (as a reader would), unless ``tables_open`` is False.
    """
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    if page == "ticker" and tables_open:
        for key in TICKER_TABLES:
            at.session_state[key] = True
    return at.run()


def figure(at: AppTest, index: int = 0) -> dict[str, Any]:
    """Return the plotly figure spec (data + layout) of the ``index``-th chart on the page."""
    charts = at.get("plotly_chart")
    assert charts, "no plotly chart on the page"
    return json.loads(charts[index].proto.spec)


def trace_names(fig: dict[str, Any]) -> list[str]:
    return [t.get("name", "") for t in fig["data"]]


def texts(elements: Any) -> list[str]:
    """Return element texts with Markdown escapes removed."""
    return [str(e.value).replace("\\", "") for e in elements]


def param(at: AppTest, key: str) -> list[str]:
    """Return the values of query parameter ``key`` after the run, always as a list."""
    value = at.query_params.get(key, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def cells(line: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [re.sub(r"\\(.)", r"\1", p.strip()) for p in parts]


def markdown_tables(at: AppTest) -> list[pd.DataFrame]:
    """Return the Markdown tables written with st.markdown on the page, cells unescaped (all strings)."""
    tables: list[pd.DataFrame] = []
    for element in at.markdown:
        lines = str(element.value).splitlines()
        for i in range(len(lines) - 1):
            if lines[i].startswith("|") and re.fullmatch(r"\|(?:-+:?\|)+", lines[i + 1].strip()):
                header = cells(lines[i])
                body = [cells(line) for line in lines[i + 2:] if line.startswith("|")]
                tables.append(pd.DataFrame(body, columns=header))
    return tables


def markdown_table_with(at: AppTest, column: str) -> pd.DataFrame:
    """Return the first Markdown table on the page that has ``column``."""
    for table in markdown_tables(at):
        if column in table.columns:
            return table
    raise AssertionError(f"no Markdown table with column {column!r}")
