#!/usr/bin/env bash
# The quick start: install what is missing, then run the hub on its embedded default (embedded MongoDB
# engine, a private redis-server, demo data, the customer simulator). Ctrl-C stops everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec npm start --silent
