#!/usr/bin/env bash
# Install (first time) and run the dashboard: bash scripts/run.sh [extra streamlit args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
.venv/bin/python -m pip install --disable-pip-version-check -q --no-deps -e .  # the `levels` command
exec .venv/bin/python -m streamlit run dashboard.py "$@"
