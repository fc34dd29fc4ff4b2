#!/usr/bin/env bash
# One Streamlit replica of the dashboard in team mode (see README, "Serving it to a team"). Started by the Procfile
# (or your process manager) from the project folder with deploy/levels.env in the environment and PORT set.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PORT:?PORT: the port of this replica}"
: "${LEVELS_DATABASE_URL:?LEVELS_DATABASE_URL: the postgresql:// URL every replica and the worker share}"
: "${LEVELS_PUBLIC_HOST:?LEVELS_PUBLIC_HOST: the host name users open, e.g. levels.example.com}"
: "${LEVELS_PUBLIC_ORIGIN:?LEVELS_PUBLIC_ORIGIN: the origin users open, e.g. https://levels.example.com}"
: "${STREAMLIT_SERVER_COOKIE_SECRET:?STREAMLIT_SERVER_COOKIE_SECRET: one secret, the same on every replica}"
export LEVELS_REFRESH="${LEVELS_REFRESH:-worker}"
# browser.serverAddress = the public name: Streamlit accepts the public origin by it at once. Without it, an Origin
# whose host:port differs from Host (a proxy on another port) makes Streamlit look up this machine's external IP,
# a blocking web request on its event loop (seconds for every session when the replica has no internet access).
exec "${LEVELS_PYTHON:-.venv/bin/python}" -m streamlit run dashboard.py \
  --server.address "${LEVELS_WEB_ADDRESS:-127.0.0.1}" --server.port "$PORT" --server.headless true \
  --server.fileWatcherType none --server.runOnSave false \
  --server.allowedHosts "$LEVELS_PUBLIC_HOST" --server.corsAllowedOrigins "$LEVELS_PUBLIC_ORIGIN" \
  --browser.serverAddress "$LEVELS_PUBLIC_HOST"
