#!/usr/bin/env bash
# Install what the tests need (first time) and run lint + the whole test suite: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
# The project itself, editable (its `levels` command; the tests run it): dependencies are installed above.
.venv/bin/python -m pip install --disable-pip-version-check -q --no-deps -e .

# Debian packages the tests start themselves: Chromium (browser tests; Playwright cannot download browsers here),
# PostgreSQL (store contract suite, team mode) and nginx + openssl (the team deployment test).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if command -v apt-get >/dev/null; then
    echo "Installing Debian's ${missing[*]} for the tests..."
    $SUDO apt-get update -qq
    # The tests do not use the packages' own services: they start private servers on free loopback ports.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing ${missing[*]} and no apt-get: those tests will be skipped (they fail under CI=true)."
  fi
fi

.venv/bin/ruff check .
.venv/bin/mypy  # the settings (strict on indicators/, marketdata/, analyst/) are in pyproject.toml
exec .venv/bin/python -m pytest -q -p no:cacheprovider --durations=5 "$@"
