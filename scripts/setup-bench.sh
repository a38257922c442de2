#!/usr/bin/env bash
# Installs what the benchmarks' peers and load generators need (Debian packages only): fastText,
# scikit-learn and PyTorch for Debian's /usr/bin/python3, wrk. Not needed to build or test.
set -euo pipefail
packages=(fasttext python3-sklearn python3-torch wrk bc curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
