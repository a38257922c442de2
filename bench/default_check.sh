#!/usr/bin/env bash
# A paired check of a change to the default recipe's n-gram members, with the encoder held fixed.
#
# The main job's encoder trains to a wall-clock budget, so two runs of one recipe differ by their
# step counts, and a single-run comparison of two recipes mostly measures that (TweetEval hate's
# validation moved about a point between runs of the same recipe on 2026-12-04). This check
# copies one trained default model per variant, trains it from the variant's recipe with
# --stop-after-steps at the base encoder's step count (so the encoder is kept as it is and only the
# n-gram members whose settings changed train again; the stack is always fitted again), then
# calibrates each as the main job does (precision 0.8 per category, --offset) on one half of the
# recipe's validation data and scores it on the other half, both ways round.
#
# The halves are not held out from training: every variant's training has seen both (early
# stopping, the choice of L2 and epoch, the stack's weights and its F1 offsets are fitted on the
# whole validation set); only the calibration is fitted on one half and scored on the other. Its
# figures are validation figures, optimistic for every variant alike: they rank variants against
# each other, they are not what a model scores on messages it has not seen.
#
#   bench/default_check.sh --base models/default [--base other-default ...] NAME=RECIPE.toml
#                          [NAME=RECIPE.toml ...] [--calibrate NAME='FLAGS'] [--perturb] [--work DIR]
#   bench/default_check.sh --fresh STEPS [--budget 12m] [--seed N[,N...]] NAME=RECIPE.toml
#                          [NAME=RECIPE.toml ...] [--calibrate NAME='FLAGS'] [--perturb] [--work DIR]
#
# --fresh is for a change the encoder must see too (its labels, its data): every variant trains
# from scratch as the main job does (--budget, 12m by default, fits the encoder's schedule), each
# encoder stopped at the same STEPS (set it below what the budget reaches, so that no variant is
# cut short by the clock instead), and is calibrated and scored as above. --seed trains every
# variant with that seed instead of its recipe's; several seeds (--seed 1,2,3) train every variant
# once per seed and add a mean line, as several --base models do.
#
# --calibrate NAME='FLAGS' adds FLAGS to variant NAME's calibrate (e.g. '--per-language-for bias'),
# for a change to how the main job calibrates rather than to what it trains. Variants that name the
# same recipe train once per base (or seed) and share that model, so a calibration-only variant
# costs no training and is scored on exactly the model its comparison is.
#
# Every training runs with --no-eval: the recipes' eval specs (the default recipe's scored splits)
# are not scored while a check decides on validation data.
#
# One JSON line per base model and variant (bench/peers/default_check.py): the flag decision's
# macro-F1 per validation source, their English mean, the ECE of P(level >= 1) per deciding
# category, each language's ROC-AUC per category, and with --perturb the macro-F1 under the
# spelling games (split, noise, and choseong on Korean sources or leet on English ones) with their
# mean. With more than one --base (default models trained apart, so their encoders differ), a
# last line per variant holds the means over the bases (or the --fresh seeds): a rule over several
# encoders is what tells a change from the luck of one.
# Name the base models' own recipe as one variant (e.g. base=configs/recipes/default.toml): it is
# the comparison the others are read against.
set -euo pipefail
cd "$(dirname "$0")/.."
bases=() work="" perturb=0 variants=() fresh="" budget="12m" seeds=()
declare -A calibrate_flags=()  # variant name -> extra calibrate flags
while [ $# -gt 0 ]; do
  case "$1" in
    --base) bases+=("$2"); shift 2 ;;
    --fresh) fresh="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    --seed) IFS=, read -ra seeds <<< "$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --perturb) perturb=1; shift ;;
    --calibrate)
      [[ "${2:-}" == *=* ]] || { echo "default_check.sh: --calibrate takes NAME='FLAGS', not '${2:-}'" >&2; exit 2; }
      calibrate_flags[${2%%=*}]=${2#*=}; shift 2 ;;
    -h|--help) sed -n '2,47p' "$0"; exit 0 ;;
    *=*) variants+=("$1"); shift ;;
    *) echo "default_check.sh: unknown argument $1 (variants are NAME=RECIPE.toml)" >&2; exit 2 ;;
  esac
done
if [ -n "$fresh" ]; then
  [[ "$fresh" =~ ^[1-9][0-9]*$ ]] || { echo "default_check.sh: --fresh takes the encoder's step count, not '$fresh'" >&2; exit 2; }
  [ ${#bases[@]} -eq 0 ] || { echo "default_check.sh: --fresh trains every variant from scratch; it takes no --base" >&2; exit 2; }
fi
if [ ${#seeds[@]} -gt 0 ]; then
  for seed in "${seeds[@]}"; do
    [[ "$seed" =~ ^[0-9]+$ ]] || { echo "default_check.sh: --seed takes numbers separated by commas, not '$seed'" >&2; exit 2; }
  done
  # With --base the encoder is the base's, trained with the base's seed.
  [ -n "$fresh" ] || { echo "default_check.sh: --seed goes with --fresh (a --base model keeps its own seed)" >&2; exit 2; }
fi
[ ${#bases[@]} -gt 0 ] || [ -n "$fresh" ] || {
  echo "default_check.sh: name a trained default model with --base (scripts/run.sh trains one), or --fresh STEPS" >&2; exit 2; }
for base in "${bases[@]}"; do
  [ -f "$base/members/encoder/training.json" ] || {
    echo "default_check.sh: $base is not a trained default model (an ensemble with an encoder member)" >&2; exit 2; }
done
[ ${#variants[@]} -gt 0 ] || { echo "default_check.sh: name at least one NAME=RECIPE.toml" >&2; exit 2; }
names=()
for variant in "${variants[@]}"; do
  recipe=${variant#*=}
  [ -f "$recipe" ] || { echo "default_check.sh: no recipe $recipe for ${variant%%=*}" >&2; exit 2; }
  names+=("${variant%%=*}")
done
for name in "${!calibrate_flags[@]}"; do
  [[ " ${names[*]} " == *" $name "* ]] || { echo "default_check.sh: --calibrate names $name, which is not a variant (${names[*]})" >&2; exit 2; }
done
guardian=${GUARDIAN_BIN:-build/bin/guardian}
[ -x "$guardian" ] || scripts/build.sh --target guardian_cli >&2
work=${work:-$(mktemp -d /tmp/guardian-default-check.XXXXXX)}
mkdir -p "$work"

# The step count in a trained model's encoder member.
encoder_steps() {
  /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["steps"])' "$1/members/encoder/training.json"
}

# One variant's model in $3: a copy of base $1 trained from recipe $2 with the encoder kept, or with
# base "" (--fresh) trained from scratch; the encoder stopped at $4 steps, with seed $5 if given.
train_variant() {
  local base=$1 recipe=$2 model=$3 steps=$4 seed=$5 log="$6/train.log"
  if [ -n "$base" ]; then
    cp -r "$base" "$model"
    rm -f "$model/calibration.json"
  fi
  # --stop-after-steps reaches each member: the encoder resumes at its own count and stops at once
  # (the n-gram trainers count epochs and do not read it).
  local extra=()
  [ -n "$base" ] || extra=(--budget "$budget")
  [ -z "$seed" ] || extra+=(--seed "$seed")
  "$guardian" train --config "$recipe" --out "$model" --stop-after-steps "$steps" "${extra[@]}" --no-eval -q > "$log" 2>&1 \
    || { echo "default_check.sh: training $recipe failed (see $log)" >&2; exit 1; }
  if [ -n "$base" ]; then
    cmp -s "$base/members/encoder/model.safetensors" "$model/members/encoder/model.safetensors" \
      || { echo "default_check.sh: $model's encoder changed; is $recipe's [model] the base's?" >&2; exit 1; }
  else
    local reached
    reached=$(encoder_steps "$model")
    [ "$reached" = "$steps" ] || echo "default_check.sh: $model's encoder stopped at $reached steps, not $steps (the budget ran out first): the variants are not paired" >&2
  fi
}

# Each variant of one base model in $2/<name>: trained with the encoder kept, calibrated and scored.
# With base "" (--fresh), each variant trains from scratch to $fresh encoder steps, with seed $3
# when it is given.
check_base() {
  local base=$1 dir=$2 seed=${3:-}
  local steps=$fresh
  local -A trained=()  # recipe -> the model this base (or seed) trained from it
  if [ -n "$base" ]; then
    steps=$(encoder_steps "$base")
    echo "default_check.sh: $base's encoder held at $steps steps; work in $dir" >&2
  else
    echo "default_check.sh: every variant trained from scratch, its encoder stopped at $steps steps; work in $dir" >&2
  fi
  for variant in "${variants[@]}"; do
    local name=${variant%%=*} recipe=${variant#*=}
    local model="$dir/$name/model"
    rm -rf "${dir:?}/$name"; mkdir -p "$dir/$name"
    if [ -n "${trained[$recipe]:-}" ]; then
      # The same recipe as an earlier variant: its model, linked (nothing below writes into it).
      cp -rs "$(realpath "${trained[$recipe]}")" "$model"
      echo "default_check.sh: $name shares ${trained[$recipe]} (the same recipe)" >&2
    else
      train_variant "$base" "$recipe" "$model" "$steps" "$seed" "$dir/$name"
      trained[$recipe]=$model
    fi
    local extra_calibrate=()
    read -ra extra_calibrate <<< "${calibrate_flags[$name]:-}"
    # The two halves of each validation spec: SPEC[a%:b%] -> SPEC[a%:m%], SPEC[m%:b%].
    mapfile -t halves < <(/usr/bin/python3 bench/peers/default_check.py --halves "$recipe")
    for fold in A B; do
      fit=() scored=()  # the calibration's half, the half it is scored on
      for line in "${halves[@]}"; do
        read -r first second <<< "$line"
        if [ $fold = A ]; then fit+=(--data "$first"); scored+=("$second"); else fit+=(--data "$second"); scored+=("$first"); fi
      done
      copy="$dir/$name/$fold"
      cp -rs "$(realpath "$model")" "$copy"
      rm -f "$copy/policy.toml" "$copy/calibration.json"; cp "$model/policy.toml" "$copy/"
      "$guardian" calibrate --model "$copy" "${fit[@]}" --target precision=0.8 --offset "${extra_calibrate[@]}" --skip-bad \
        > "$copy.calibrate.txt" 2>&1 || { echo "default_check.sh: calibrating $name failed (see $copy.calibrate.txt)" >&2; exit 1; }
      for spec in "${scored[@]}"; do
        games=()
        if [ $perturb = 1 ]; then
          games=(--perturb split --perturb noise --perturb "$(/usr/bin/python3 bench/peers/default_check.py --game "$spec")")
        fi
        "$guardian" eval --model "$copy" --data "$spec" "${games[@]}" --skip-bad --predictions "$dir/$name/scored.$fold.$(echo "$spec" | tr -c 'a-zA-Z0-9\n' '_').jsonl" > /dev/null 2>&1
      done
    done
  done
}

lines="$work/lines.jsonl"
: > "$lines"
# --fresh without --seed is one run with the recipes' own seed ("").
[ -z "$fresh" ] || [ ${#seeds[@]} -gt 0 ] || seeds=("")
for seed in "${seeds[@]}"; do
  check_base "" "$work/fresh${seed:+-seed$seed}" "$seed"
  /usr/bin/python3 bench/peers/default_check.py --score "$work/fresh${seed:+-seed$seed}" "fresh:$fresh${seed:+:seed$seed}" "${names[@]}" | tee -a "$lines"
done
for k in "${!bases[@]}"; do
  check_base "${bases[$k]}" "$work/base$((k + 1))"
  /usr/bin/python3 bench/peers/default_check.py --score "$work/base$((k + 1))" "${bases[$k]}" "${names[@]}" | tee -a "$lines"
done
[ $((${#bases[@]} + ${#seeds[@]})) -lt 2 ] || /usr/bin/python3 bench/peers/default_check.py --mean "$lines"
