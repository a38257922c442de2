#!/usr/bin/env bash
# The throughput bench for the model kinds that train in seconds, beside fastText's CLI on
# the same messages (bench_throughput's: TweetEval offensive test and BEEP! dev, alternating).
# Trains, on TweetEval offensive train + BEEP! train[:90%] under the binary policy:
#   guardian-ngram     kind ngram, linear over TF-IDF n-grams (bench/recipes/ngram.toml)
#   guardian-ngram-bag kind ngram, dim = 64 embedding bag (bench/recipes/ngram-bag.toml)
#   guardian-cascade   ensemble of both plus an encoder, cascade on (bench/recipes/cascade.toml),
#                      under --budget (the encoder gets what the n-gram members leave)
#   fastText           supervised -wordNgrams 2 -epoch 5, and with -minn 2 -maxn 4
# then runs build/bin/bench_throughput --model on the three and the cascade's encoder member (in
# process; the cascade also off; the encoder and the cascade also at bf16) and bench/peers/fasttext_predict.py (the CLI). Every line printed is JSON, bench_throughput's
# format; training times come as {"system", "model", "train_seconds"} lines, and the bf16 quality
# cost as `guardian eval` macro-F1 at f32 and bf16; guardian-cli-load rows time the CLI's start and
# model load beside fasttext-cli-load's.
#   bench/throughput.sh [--messages 2000] [--rounds 3] [--budget 90s] [--reference 0|1] [--build build] [--keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=2000 rounds=3 budget=90s reference=0 build=build keep=
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --reference) reference=$2; shift 2 ;;  # 1: also the reference encoder vs PyTorch (minutes)
    --build) build=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;  # a directory to keep the models and files in (else a temporary one)
    *) echo "throughput.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
guardian=$build/bin/guardian bench=$build/bin/bench_throughput
for tool in "$guardian" "$bench"; do
  [ -x "$tool" ] || { echo "throughput.sh: $tool is not built (scripts/build.sh)" >&2; exit 1; }
done
command -v fasttext >/dev/null || { echo "throughput.sh: no fasttext CLI (apt-get install fasttext)" >&2; exit 1; }
if [ -n "$keep" ]; then
  mkdir -p "$keep" && work=$(cd "$keep" && pwd)
else
  work=$(mktemp -d /tmp/guardian-throughput.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi

train='"tweeteval-offensive:train", "beep:train[:90%]"'
valid='"tweeteval-offensive:val", "beep:train[90%:]"'
write_recipe() {  # bench/recipes file -> recipe path
  {
    echo 'name = "throughput"'
    echo 'policy = "binary"'
    echo '[data]'
    echo "train = [$train]"
    echo "valid = [$valid]"
    echo 'skip_bad = true'
    echo '[model]'
    echo "kind = \"$2\""
    cat "bench/recipes/$1.toml"
  } > "$work/$1.toml"
  echo "$work/$1.toml"
}

train_one() {  # name recipe kind [budget args...] -> model in $work/name
  local name=$1 recipe start; recipe=$(write_recipe "$2" "$3"); shift 3
  start=$(date +%s.%N)
  "$guardian" train --config "$recipe" --out "$work/$name" -q "$@" > "$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
  printf '{"system": "guardian-train", "model": "%s", "train_seconds": %.1f}\n' "$name" \
    "$(echo "$(date +%s.%N) - $start" | bc -l)"
}

train_one ngram ngram ngram
train_one ngram-bag ngram-bag ngram
train_one cascade cascade ensemble --budget "$budget"

"$bench" --write-messages "$work/messages.txt" --messages "$messages"
"$bench" --reference "$reference" --messages "$messages" --rounds "$rounds" \
  --model "$work/ngram" --model "$work/ngram-bag" --model "$work/cascade" --model "$work/cascade/members/encoder"

"$guardian" data export --data tweeteval-offensive:train --data 'beep:train[:90%]' --policy binary \
  --out "$work/train.jsonl" --skip-bad 2>/dev/null
/usr/bin/python3 bench/peers/fasttext_predict.py --train "$work/train.jsonl" --messages "$work/messages.txt" \
  --work "$work" --threads "$(nproc)"

# The CLI's start and model load, beside fasttext-cli-load's: `guardian moderate` over a 1-message
# file, wall time, median of 3 (the process start with libtorch's, and the model opened).
head -n 1 "$work/messages.txt" | /usr/bin/python3 -c 'import json, sys; print(json.dumps({"text": sys.stdin.read().strip()}))' \
  > "$work/one.jsonl"
for model in ngram ngram-bag cascade; do
  /usr/bin/python3 - "$guardian" "$work/$model" "$work/one.jsonl" "$model" <<'PY'
import json, statistics, subprocess, sys, time
guardian, model, one, name = sys.argv[1:]
times = []
for _ in range(3):
    start = time.perf_counter()
    with open(one) as stdin:
        subprocess.run([guardian, "moderate", "--model", model], stdin=stdin, stdout=subprocess.DEVNULL, check=True)
    times.append(time.perf_counter() - start)
print(json.dumps({"system": "guardian-cli-load", "model": name, "batch": 1, "messages_per_second": None,
                  "p50_ms": None, "p99_ms": None, "gflops_per_second": None,
                  "load_ms": round(1000 * statistics.median(times), 1),
                  "note": "guardian moderate over a 1-message file: start and model load"}), flush=True)
PY
done

# The quality cost of bf16 on the scored splits: macro-F1 at f32 and bf16, for the cascade ensemble
# and for its encoder member alone (under a short budget the ensemble may give the encoder no
# weight, and then bf16 cannot change its scores at all).
for model in cascade cascade/members/encoder; do
  for precision in f32 bf16; do
    GUARDIAN_PRECISION=$precision "$guardian" eval --model "$work/$model" --data tweeteval-offensive:test \
      --data beep:dev --json 2>/dev/null |
      /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    c = r["all"]["categories"][0]
    print(json.dumps({"system": "guardian-eval", "model": sys.argv[1], "precision": sys.argv[2],
                      "data": r["data"], "macro_f1": round(100 * c["macro_f1"], 2)}))' "$model" "$precision"
  done
done
