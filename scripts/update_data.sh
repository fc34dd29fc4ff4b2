#!/usr/bin/env bash
# Copy the project's shared reference data into the bundled snapshot (data/): the price files with their
# SOURCES.md and the analyst actions. The app reads only these copies, never ../shared at run time.
# Usage: bash scripts/update_data.sh [SHARED_DATA_DIR]   (default: ../shared/data beside the project)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-../shared/data}
[ -f "$SRC/analyst_actions.csv" ] || { echo "no $SRC/analyst_actions.csv"; exit 1; }
mkdir -p data/prices
cp "$SRC"/prices/*.csv data/prices/
[ -f "$SRC/prices/SOURCES.md" ] && cp "$SRC/prices/SOURCES.md" data/prices/
cp "$SRC/analyst_actions.csv" data/analyst_actions.csv
echo "copied $(ls "$SRC"/prices/*.csv | wc -l) price files and $(($(wc -l < "$SRC/analyst_actions.csv") - 1)) analyst actions into data/"
