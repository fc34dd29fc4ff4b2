#!/usr/bin/env bash
# Install what the tests need (first time) and run lint + the whole test suite: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "No /usr/bin/chromium and no apt-get: browser tests will be skipped (they fail under CI=true)."
  fi
fi

.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -p no:cacheprovider --durations=5 "$@"
