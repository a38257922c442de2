#!/usr/bin/env bash
# The torch-free modules (core, text, policy, data, eval, api) and every one of their unit tests,
# fuzz tests included, built into build-sanitize/ with AddressSanitizer and UndefinedBehaviorSanitizer
# (GUARDIAN_SANITIZE=ON) and run with CTest. Any report fails the run. scripts/test.sh runs it.
#
# What it leaves out, and why: the torch half (models, decoders, infer, train, serve) and the
# end-to-end tests. libtorch is not built with the sanitizers, and its own allocator and static
# initialisers report through ASan, so those reports would be about libtorch, not guardian; the
# end-to-end tests drive the torch binary. Oniguruma, utf8proc, SQLite and SentencePiece are
# Debian's uninstrumented builds: calls into them are checked at the boundary only (ASan's
# interceptors of memcpy, strlen, malloc and free), not inside.
#
# The SentencePiece tests run too: the plugin is opened without RTLD_DEEPBIND in a sanitized build
# (src/text/spm_backend.cpp says why that is safe there).
#
# The tokenizer and chat-template golden tests read the reference scripts/npm-reference.sh installs
# (scripts/test.sh installs it before running this).
#
# Leaks are reported (detect_leaks=1): the server and the trainer run for days, so a parser that
# loses memory on a refused input is a bug. Memory held by statics until exit is reachable, and
# LeakSanitizer does not report it.
#   scripts/sanitize.sh [CTEST_ARGS...]   e.g. -R HfFuzz
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

# Build-time test discovery runs the test binaries too, so the options hold for the build as well.
# check_initialization_order: a static that reads another translation unit's static before it is
# built; detect_stack_use_after_return: a reference to a returned function's local.
export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:strict_string_checks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

log=build-sanitize/ctest.log
rm -f "$log"  # a failed build leaves no stale count behind for scripts/test.sh to read
generator=()
command -v ninja >/dev/null && [ ! -f build-sanitize/Makefile ] && generator=(-G Ninja)
cmake -S . -B build-sanitize "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGUARDIAN_SANITIZE=ON >/dev/null
cmake --build build-sanitize --parallel "$(nproc)"

set +e
(cd build-sanitize && ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
total=$(sed -nE 's/.*tests failed out of ([0-9]+).*/\1/p' "$log" | tail -1)
failed=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' "$log" | tail -1)
elapsed=$(( $(date +%s) - start ))
printf 'sanitize.sh: %s tests run under ASan and UBSan, %s failed; wall time %d min %02d s\n' \
  "${total:-0}" "${failed:-?}" $((elapsed / 60)) $((elapsed % 60)) >&2
exit "$status"
