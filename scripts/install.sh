#!/usr/bin/env bash
# Installs what Omnihub needs and is missing: system packages (redis-server; chromium with --browser),
# npm dependencies exactly as locked (only when node_modules is missing or older than the lock file),
# and the agent UI build (only when its sources changed). Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh "$@"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm dependencies…"
  # `npm install` honours package-lock.json. Not `npm ci`: some registries (this project's build machines
  # among them) lack optional packages for other platforms (msgpackr-extract's darwin/win32 builds), which
  # npm then cannot record in the lock file, and `npm ci` refuses the lock as out of sync.
  npm install --no-audit --no-fund --loglevel=error
fi

if [ -f agent-ui/vite.config.ts ]; then
  stamp=agent-ui/dist/.build-stamp
  if [ ! -f "$stamp" ] || [ -n "$(find agent-ui/src agent-ui/index.html agent-ui/vite.config.ts server/realtime/socket-events.ts -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    echo "Building the agent UI…"
    npm run --silent build:ui >/dev/null
    touch "$stamp"
  fi
fi
