#!/usr/bin/env bash
# The main job: install what is missing, build guardian, train the default bilingual moderation
# model if there is none yet (or continue an unfinished one when --budget is given), then moderate
# a handful of Korean and English messages.
#   scripts/run.sh [--budget 12m] [--model models/default] [--config configs/recipes/default.toml]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="" model="models/default" config="configs/recipes/default.toml"
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

echo "== guardian: checking dependencies" >&2
scripts/setup.sh
echo "== guardian: building" >&2
scripts/build.sh --target guardian_cli
guardian=build/bin/guardian

# A model is unfinished when its training.json says so (an encoder, or an ensemble's encoder
# member, stopped by its budget keeps a checkpoint that the same command continues).
unfinished() { grep -Eq '"finished": *false' "$model/training.json" 2>/dev/null; }
if [ ! -f "$model/config.json" ] || [ ! -f "$model/training.json" ] || { [ -n "$budget" ] && unfinished; }; then
  echo "== guardian: training $model (budget ${budget:-12m}; a later run with --budget continues it)" >&2
  "$guardian" train --config "$config" --out "$model" --budget "${budget:-12m}"
  rm -f "$model/calibration.json"  # the thresholds were fitted to the model before this training
else
  echo "== guardian: using the trained model in $model (run with --budget to continue an unfinished one)" >&2
fi
# calibrate writes calibration.json last: a run stopped before that calibrates on the next one.
if [ ! -f "$model/calibration.json" ]; then
  # --offset: the scores served are probabilities that claim harm as often as it comes (class-balanced
  # training claims it far more often); the thresholds move with them, so the decisions stay the same.
  # Measured: docs/decisions.md, "Calibrated scores (--offset) in the main job".
  # One threshold per category for both languages: docs/decisions.md, "Per-language Bias threshold".
  echo "== guardian: calibrating scores and thresholds on the validation data (precision 0.8 per category)" >&2
  "$guardian" calibrate --model "$model" --recipe "$config" --target precision=0.8 --offset > "$model/calibration.txt"
fi

echo "== guardian: moderating sample messages" >&2
"$guardian" moderate --model "$model" --format text \
  "오늘 경기 진짜 재밌었어요 다음에도 꼭 보러 갈게요" \
  "이 새끼 진짜 머리에 뭐가 들었냐 ㅅㅂ" \
  "여자들은 운전하면 안 된다니까 집에나 있어라" \
  "Thanks for the help yesterday, the fix worked perfectly." \
  "You are a worthless idiot and everyone hates you." \
  "Go back to your own country, nobody wants your kind here."
