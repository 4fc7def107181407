#!/usr/bin/env bash
# Installs the system packages Omnihub needs when they are missing: redis-server always; with `--test`
# (the test suite) also chromium for the browser tests, a CJK font for screenshots with Chinese text and
# dovecot-imapd for the IMAP tests. Debian-like systems as root only; elsewhere it explains what to
# install and exits non-zero.
set -euo pipefail

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --test | --browser) want_browser=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "$want_browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
  [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
fi
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
# Debian's packages start system-wide services (redis on 6379, dovecot on 143); Omnihub and its tests
# run their own private ones instead.
if command -v systemctl >/dev/null 2>&1; then
  for service in redis-server dovecot; do
    if [[ " ${missing[*]} " == *" ${service%-server}"* ]]; then systemctl disable --now "$service" >/dev/null 2>&1 || true; fi
  done
  true
fi
echo "Installed ${missing[*]}."
