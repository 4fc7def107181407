#!/usr/bin/env bash
# The whole test suite from a fresh clone: install what is missing, then the static checks (types, lint,
# format, circular imports) alongside the mocha suites — mocha spends most of its time waiting on
# processes and sockets, the checks on the CPU. Unit, engine and integration files run in parallel mocha
# workers (`npm run test:mocha`; each worker starts its own engine and redis-server per file); the e2e
# files, which start whole hub processes and browsers, run one after the other (`npm run test:e2e`); then
# the fault suite at its CI size (`npm run test:faults`: SIGKILLs, Redis loss, provider and network faults
# against real processes, one row per fault). The checks' output is printed at the end. The last line is
# "N passed, N failed" over the three runs, the checks counting as one test; the exit status is non-zero
# when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --test || { echo "install failed"; echo "0 passed, 1 failed"; exit 1; }

check_log=$(mktemp)
npm run --silent check >"$check_log" 2>&1 &
check_pid=$!

passed=0
failed=0
mocha_failed=0
for suite in test:mocha test:e2e test:faults; do
  echo "== npm run ${suite} (static checks running alongside) =="
  log=$(mktemp)
  npm run --silent "$suite" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  rm -f "$log"
  suite_passed=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"${summary:-0 passed, 0 failed}")
  suite_failed=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"${summary:-0 passed, 0 failed}")
  # a run failed without a failing test (a crashed worker, a hook outside any test): still a failure
  if [ "$status" -ne 0 ] && [ "$suite_failed" -eq 0 ]; then suite_failed=1; fi
  if [ "$status" -ne 0 ]; then mocha_failed=1; fi
  passed=$((passed + suite_passed))
  failed=$((failed + suite_failed))
done

wait "$check_pid"
check_status=$?
echo "== static checks (npm run check) =="
cat "$check_log"
rm -f "$check_log"
if [ "$check_status" -ne 0 ]; then
  echo "static checks FAILED"
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$mocha_failed" -eq 0 ]
