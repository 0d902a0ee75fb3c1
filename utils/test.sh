#!/usr/bin/env bash
# Runs the whole lit suite (dialect, conversions, pipelines, bertc phases and
# errors, golden tests against transformers) and prints a summary line.
# BUILD_DIR selects the build (default build/; utils/sanitize.sh: build-san/).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
ninja -C "${BUILD_DIR:-build}" check-bertc 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(sed -n 's/^ *Passed *: *\([0-9]*\).*/\1/p' "$log" | tail -1)
failed=$(sed -n 's/^ *Failed *: *\([0-9]*\).*/\1/p' "$log" | tail -1)
skipped=$(sed -n 's/^ *\(Unsupported\|Skipped\) *: *\([0-9]*\).*/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "lit: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] || [ "${passed:-0}" -eq 0 ]; then
  exit 1
fi
