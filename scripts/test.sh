#!/usr/bin/env bash
# The test command: installs what is missing (Debian packages and the pinned npm reference), builds
# everything, runs every test with CTest, runs the torch-free modules' tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer (scripts/sanitize.sh), and ends with the count of
# tests run, skipped and failed, of those run under the sanitizers, and its wall time. A reference
# that cannot be installed fails the run; nothing skips for want of one. Tests labelled gpu run only
# where a GPU answers (nvidia-smi); elsewhere they are left out, and the run says so.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh
scripts/build.sh
scripts/npm-reference.sh

ctest_args=(--output-on-failure --timeout 900 -j "$(nproc)")
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  echo "test.sh: a GPU answers; the gpu-labelled tests run too" >&2
else
  echo "test.sh: no GPU here; running ctest -LE gpu (the gpu-labelled tests are left out)" >&2
  ctest_args+=(-LE gpu)
fi

log=build/ctest.log
set +e
(cd build && ctest "${ctest_args[@]}" "$@") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The torch-free modules' tests once more, built with AddressSanitizer and UndefinedBehaviorSanitizer.
scripts/sanitize.sh
sanitize_status=$?
set -e
[ "$status" -eq 0 ] && status=$sanitize_status

# CTest's summary: "N% tests passed, F tests failed out of T"; skipped tests are listed as
# "(Skipped)" under "The following tests did not run".
total=$(sed -nE 's/.*tests failed out of ([0-9]+).*/\1/p' "$log" | tail -1)
failed=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' "$log" | tail -1)
skipped=$(grep -c '(Skipped)' "$log" || true)
sanitized=$(sed -nE 's/.*tests failed out of ([0-9]+).*/\1/p' build-sanitize/ctest.log 2>/dev/null | tail -1)
sanitized_failed=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' build-sanitize/ctest.log 2>/dev/null | tail -1)
elapsed=$(( $(date +%s) - start ))
printf 'test.sh: %s tests run, %s skipped, %s failed; under ASan and UBSan %s run, %s failed; wall time %d min %02d s\n' \
  "${total:-0}" "$skipped" "${failed:-?}" "${sanitized:-0}" "${sanitized_failed:-?}" $((elapsed / 60)) $((elapsed % 60)) >&2
exit "$status"
