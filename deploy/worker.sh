#!/usr/bin/env bash
# The refresh worker (team mode): fetches new bars and analyst actions for every followed symbol, and the symbols
# the replicas queued, every LEVELS_REFRESH_EVERY seconds. Run exactly one. Stops cleanly on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LEVELS_DATABASE_URL:?LEVELS_DATABASE_URL: the postgresql:// URL every replica and the worker share}"
exec "${LEVELS_PYTHON:-.venv/bin/python}" -m analyst refresh --loop "${LEVELS_REFRESH_EVERY:-300}"
