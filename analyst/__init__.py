"""The technical picture of one ticker as of a date, its written brief, and the command-line entry.

``python -m analyst levels CLSK --asof 2025-11-24 [--json]`` prints the brief, the EMA/band values, the
trendlines and the horizontal levels, offline, from the bundled snapshot and the local store.
"""
