"""Cached data access for the pages (Streamlit caches keyed by plain arguments, never by DataFrames)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analyst.picture import TechnicalPicture, build_picture
from indicators.asof import indicator_frame
from marketdata.repository import LoadResult, Repository, default_repository


@st.cache_resource(show_spinner=False)
def repository() -> Repository:
    """Return the process-wide repository (settings from the environment, yfinance as live source)."""
    return default_repository()


@st.cache_data(show_spinner=False, max_entries=64)
def _load(symbol: str, version: str) -> LoadResult:
    return repository().load(symbol, refresh=False)


def load(symbol: str, refresh: bool = True) -> LoadResult:
    """Return the bars for ``symbol``, after a live refresh when one is due (see Repository.refresh)."""
    repo = repository()
    outcome = repo.refresh(symbol) if refresh else None
    result = _load(symbol, repo.data_version(symbol))
    return repo.with_refresh(result, outcome) if outcome is not None else result


@st.cache_data(show_spinner=False, max_entries=256)
def indicators(symbol: str, version: str, asof: date | None) -> pd.DataFrame:
    """Return the indicator frame for ``symbol`` cut at ``asof`` (cached per data version and as-of date)."""
    return indicator_frame(_load(symbol, version).bars, asof)


def version(symbol: str) -> str:
    """Return the data version of ``symbol`` (cache key)."""
    return repository().data_version(symbol)


@st.cache_data(show_spinner=False, ttl=60)
def actions() -> pd.DataFrame:
    """Return all analyst actions (bundled + stored), newest first; re-read at most once a minute."""
    return repository().actions()


def universe() -> list[str]:
    """Return the default symbols followed by the ones the user added."""
    return repository().universe()



@st.cache_data(show_spinner=False, max_entries=256)
def picture(symbol: str, version: str, asof: date | None) -> TechnicalPicture:
    """Return the technical picture (indicators, trendlines, levels, latest action) of ``symbol`` as of ``asof``."""
    return build_picture(symbol, _load(symbol, version).bars, actions(), asof)
