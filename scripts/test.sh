#!/usr/bin/env bash
# The whole test suite from a fresh clone: install what is missing, run the static checks (types, lint,
# format, circular imports), then every mocha suite (unit, embedded engine, integration, e2e with a real
# browser). The last line is "N passed, N failed": the checks count as one test.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --test || { echo "install failed"; echo "0 passed, 1 failed"; exit 1; }

check_failed=0
echo "== static checks (npm run check) =="
if ! npm run --silent check; then
  check_failed=1
  echo "static checks FAILED"
fi

echo "== mocha suites =="
log=$(mktemp)
npm run --silent test:mocha 2>&1 | tee "$log"
mocha_status=${PIPESTATUS[0]}

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
rm -f "$log"
passed=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"${summary:-0 passed, 0 failed}")
failed=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"${summary:-0 passed, 0 failed}")
if [ -z "$summary" ] && [ "$mocha_status" -ne 0 ]; then failed=1; fi
if [ "$check_failed" = 1 ]; then failed=$((failed + 1)); else passed=$((passed + 1)); fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$mocha_status" -eq 0 ]
