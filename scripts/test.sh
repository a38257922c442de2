#!/usr/bin/env bash
# The test command: installs what is missing, builds everything, runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd build && ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
