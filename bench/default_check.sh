#!/usr/bin/env bash
# A paired check of a change to the default recipe's n-gram members, with the encoder held fixed.
#
# The main job's encoder trains to a wall-clock budget, so two runs of one recipe differ by their
# step counts, and a single-run comparison of two recipes mostly measures that (TweetEval hate's
# validation moved about a point between runs of the same recipe, sessions 23-24). This check
# copies one trained default model per variant, trains it from the variant's recipe with
# --stop-after-steps at the base encoder's step count (so the encoder is kept as it is and only the
# n-gram members whose settings changed train again; the stack is always fitted again), then
# calibrates each as the main job does (precision 0.8 per category, --offset) on one half of the
# recipe's validation data and scores it on the other half, both ways round.
#
#   bench/default_check.sh --base models/default NAME=RECIPE.toml [NAME=RECIPE.toml ...]
#                          [--perturb] [--work DIR]
#
# One JSON line per variant (bench/peers/default_check.py): the flag decision's macro-F1 per
# validation source, their English mean, the ECE of P(level >= 1) per deciding category, each
# language's ROC-AUC per category, and with --perturb the macro-F1 under the spelling games
# (split, noise, and choseong on Korean sources or leet on English ones) with their mean.
# Name the base model's own recipe as one variant (e.g. base=configs/recipes/default.toml): it is
# the comparison the others are read against.
set -euo pipefail
cd "$(dirname "$0")/.."
base="" work="" perturb=0 variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --perturb) perturb=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *=*) variants+=("$1"); shift ;;
    *) echo "default_check.sh: unknown argument $1 (variants are NAME=RECIPE.toml)" >&2; exit 2 ;;
  esac
done
encoder_training="$base/members/encoder/training.json"
if [ -z "$base" ] || [ ! -f "$encoder_training" ]; then
  echo "default_check.sh: --base must name a trained default model (an ensemble with an encoder member; scripts/run.sh trains one)" >&2
  exit 2
fi
[ ${#variants[@]} -gt 0 ] || { echo "default_check.sh: name at least one NAME=RECIPE.toml" >&2; exit 2; }
guardian=${GUARDIAN_BIN:-build/bin/guardian}
[ -x "$guardian" ] || scripts/build.sh --target guardian_cli >&2
work=${work:-$(mktemp -d /tmp/guardian-default-check.XXXXXX)}
mkdir -p "$work"
steps=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["steps"])' "$encoder_training")
echo "default_check.sh: encoder held at $steps steps; work in $work" >&2

names=()
for variant in "${variants[@]}"; do
  name=${variant%%=*} recipe=${variant#*=}
  [ -f "$recipe" ] || { echo "default_check.sh: no recipe $recipe for $name" >&2; exit 2; }
  names+=("$name")
  model="$work/$name/model"
  rm -rf "$work/$name"; mkdir -p "$work/$name"
  cp -r "$base" "$model"
  rm -f "$model/calibration.json"
  # Steps are counted over the whole ensemble; the encoder resumes at its own count and stops there.
  "$guardian" train --config "$recipe" --out "$model" --stop-after-steps "$steps" -q > "$work/$name/train.log" 2>&1 \
    || { echo "default_check.sh: training $name failed (see $work/$name/train.log)" >&2; exit 1; }
  cmp -s "$base/members/encoder/model.safetensors" "$model/members/encoder/model.safetensors" \
    || { echo "default_check.sh: $name's encoder changed; is $recipe's [model] the base's?" >&2; exit 1; }
  # The two halves of each validation spec: SPEC[a%:b%] -> SPEC[a%:m%], SPEC[m%:b%].
  mapfile -t halves < <(/usr/bin/python3 bench/peers/default_check.py --halves "$recipe")
  for fold in A B; do
    fit=() held=()
    for line in "${halves[@]}"; do
      read -r first second <<< "$line"
      if [ $fold = A ]; then fit+=(--data "$first"); held+=("$second"); else fit+=(--data "$second"); held+=("$first"); fi
    done
    copy="$work/$name/$fold"
    cp -rs "$(realpath "$model")" "$copy"
    rm -f "$copy/policy.toml" "$copy/calibration.json"; cp "$model/policy.toml" "$copy/"
    "$guardian" calibrate --model "$copy" "${fit[@]}" --target precision=0.8 --offset --skip-bad > "$copy.calibrate.txt" 2>&1
    for spec in "${held[@]}"; do
      games=()
      if [ $perturb = 1 ]; then
        games=(--perturb split --perturb noise --perturb "$(/usr/bin/python3 bench/peers/default_check.py --game "$spec")")
      fi
      "$guardian" eval --model "$copy" --data "$spec" "${games[@]}" --skip-bad --predictions "$work/$name/scored.$fold.$(echo "$spec" | tr -c 'a-zA-Z0-9\n' '_').jsonl" > /dev/null 2>&1
    done
  done
done
/usr/bin/python3 bench/peers/default_check.py --score "$work" "${names[@]}"
