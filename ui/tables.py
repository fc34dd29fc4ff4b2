"""Tables shown on the pages, built from indicator frames and actions frames (plain pandas)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from analyst.picture import TechnicalPicture
from indicators.asof import INDICATOR_LABELS, LevelsSnapshot
from indicators.distance import close_vs_level_pct
from indicators.key_levels import major_line
from ui.labels import md_escape


def key_numbers(snap: LevelsSnapshot) -> pd.DataFrame:
    """Return the as-of key numbers: close and each EMA/SMA/band value with the close's distance to it (%,
    :func:`indicators.distance.close_vs_level_pct`: positive when the close is above the value)."""
    names = {**INDICATOR_LABELS, "bb_mid": "BB middle (SMA 20)"}
    rows = [{"Level": "Close", "Value": snap.close, "Close vs level (%)": None}]
    for key, label in names.items():
        value = snap.values[key]
        rows.append({
            "Level": label,
            "Value": value,
            "Close vs level (%)": None if value is None else close_vs_level_pct(snap.close, value),
        })
    return pd.DataFrame(rows)


def lines_and_levels(picture: TechnicalPicture) -> pd.DataFrame:
    """Return the listed trendlines and horizontal levels as display rows, highest level first.

    Columns: What, Level (price at the as-of bar), Zone, Touches, Since (first anchor or touch), Status, Major
    ("major" or empty; see indicators.levels and indicators.key_levels), vs close (%) — the close's distance
    above (+) or below (−) the level (:func:`indicators.distance.close_vs_level_pct`). A provisional last touch
    (not yet confirmed) is said in Status.
    """
    close = picture.snapshot.close
    rows: list[dict[str, object]] = []
    for line in (*picture.supports, *picture.resistance_lines):
        words = ["long-term" if line.long_term else "", line.direction, line.kind, "trendline"]
        status = line.status + ("" if line.confirmed else " (tentative)")
        rows.append({
            "What": " ".join(w for w in words if w).capitalize(),
            "Level": line.level_at_asof, "Zone": "",
            "Touches": line.n_touches, "Since": line.first_date.isoformat(),
            "Status": status + (", provisional touch" if line.provisional else ""),
            "Major": "major" if major_line(line) else "",
        })
    for level in (*picture.levels.supports, *picture.levels.resistances):
        what = level.source if level.source != "pivots" else f"{level.side.capitalize()} level"
        zone = f"{level.zone_low:,.2f} – {level.zone_high:,.2f}" if level.zone_high > level.zone_low else ""
        status = f"last touch {level.last_touch.isoformat()}" if level.last_touch else ""
        rows.append({
            "What": what, "Level": level.price, "Zone": zone, "Touches": level.touches,
            "Since": level.first_touch.isoformat() if level.first_touch else "",
            "Status": status + (" (provisional)" if level.provisional else ""),
            "Major": "major" if level.major else "",
        })
    table = pd.DataFrame(rows, columns=["What", "Level", "Zone", "Touches", "Since", "Status", "Major"])
    table["vs close (%)"] = pd.Series([close_vs_level_pct(close, float(v)) for v in table["Level"]],
                                      index=table.index, dtype="float64")
    return table.sort_values("Level", ascending=False, kind="stable").reset_index(drop=True)


def export_csv(frame: pd.DataFrame, preset: str) -> str:
    """Return the bars and indicators visible for range ``preset`` as CSV text (dates ISO, values unrounded)."""
    from indicators.windows import window

    return str(window(frame, preset).to_csv(index_label="date", date_format="%Y-%m-%d"))


def markdown_table(table: pd.DataFrame, formats: dict[str, str] | None = None, raw: Collection[str] = ()) -> str:
    """Return ``table`` as a GitHub-flavoured Markdown table for ``st.markdown``.

    Cells are written with the column's ``str.format`` pattern from ``formats`` (else ``str``), missing values
    as "—", then Markdown-escaped (``|`` included) with line breaks folded to spaces; numeric columns are
    right-aligned. The index is not written. A static Markdown table needs none of the Arrow code that
    ``st.table``/``st.dataframe`` load in the browser (~1 MB of JavaScript). Cells of the ``raw`` columns are
    Markdown already (e.g. ui.target_tables.source_markdown) and are written as they are.
    """
    formats = formats or {}

    def cell(value: object, pattern: str | None, column: str = "") -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—"
        text = pattern.format(value) if pattern else str(value)
        return text if column in raw else md_escape(" ".join(text.split()))

    columns = [str(c) for c in table.columns]
    header = "| " + " | ".join(md_escape(c) for c in columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(table[c]) else "---" for c in table.columns) + "|"
    rows = ["| " + " | ".join(cell(v, formats.get(c), c) for c, v in zip(columns, row, strict=True)) + " |"
            for row in table.itertuples(index=False, name=None)]
    return "\n".join([header, rule, *rows])
