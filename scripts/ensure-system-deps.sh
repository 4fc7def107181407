#!/usr/bin/env bash
# Installs the system packages Omnihub needs when they are missing: redis-server always, chromium when
# asked for (`--browser`, used by the test suite's browser tests). Debian-like systems as root only;
# elsewhere it explains what to install and exits non-zero.
set -euo pipefail

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
  esac
done

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
  echo "Omnihub needs: ${missing[*]}." >&2
  echo "Install them with your system's package manager (Debian/Ubuntu: apt-get install ${missing[*]})," >&2
  echo "or point REDIS_URL at an existing Redis server." >&2
  exit 1
fi

echo "Installing ${missing[*]} from the system's package repository…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's package starts a system-wide redis on 6379; Omnihub runs its own private one instead.
if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
echo "Installed ${missing[*]}."
