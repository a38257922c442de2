#!/usr/bin/env bash
# Installs guardian's build, run and test dependencies from Debian's packages (only what is missing).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-pthread   # tensors and autograd; OpenBLAS so matmuls are not the reference BLAS
  libopenblas-dev                     # cblas.h and libopenblas.so for the torch-free inference forward
  libsentencepiece-dev libutf8proc-dev libonig-dev
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libspdlog-dev
  libcpp-httplib-dev libsqlite3-dev
  libxml2-dev                         # the retrieval index reads HTML documents with libxml2
  libgtest-dev
  python3 python3-numpy               # the bench's Python helpers' tests (tests/bench) run under Debian's python3 with numpy
)
# The golden tests' reference implementations are npm packages (scripts/npm-reference.sh): Debian's
# Node.js and npm, unless a Node.js with its own npm is already installed.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "guardian setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
