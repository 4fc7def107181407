#!/usr/bin/env bash
# Runs every bench/*.bench.ts one after another (each writes bench/results/<name>.json and .md), reports
# which failed and exits non-zero if any did. Size knobs (BENCH_SCALE, BENCH_*) pass through the
# environment; see bench/README.md.
set -uo pipefail

cd "$(dirname "$0")/.."
mkdir -p bench/results
# Full output of each run, for a failure post-mortem (outside the committed results).
log_dir="${BENCH_LOG_DIR:-${TMPDIR:-/tmp}/omnihub-bench-logs}"
mkdir -p "$log_dir"

shopt -s nullglob
benches=(bench/*.bench.ts)
if [ "${#benches[@]}" -eq 0 ]; then
  echo "bench: no bench/*.bench.ts found" >&2
  exit 1
fi

failed=()
passed=()
for file in "${benches[@]}"; do
  name="$(basename "$file" .bench.ts)"
  echo
  echo "=== bench: $name ($file) — $(date -u +%H:%M:%SZ), load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
  start=$SECONDS
  npx tsx "$file" 2>&1 | tee "$log_dir/$name.log"
  status=${PIPESTATUS[0]}
  if [ "$status" -eq 0 ]; then
    passed+=("$name")
    echo "=== bench: $name done in $((SECONDS - start)) s"
  else
    failed+=("$name")
    echo "=== bench: $name FAILED (exit $status) after $((SECONDS - start)) s; output in $log_dir/$name.log" >&2
  fi
done

echo
echo "bench: ${#passed[@]} passed (${passed[*]:-none}), ${#failed[@]} failed (${failed[*]:-none})"
echo "results: bench/results/"
[ "${#failed[@]}" -eq 0 ]
