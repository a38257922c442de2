#!/usr/bin/env bash
# Do the tests catch a broken line? Each mutant breaks one line of the code under test (a sed
# expression on one file), runs the test command that should notice, and puts the file back:
# "killed" when the command fails, "SURVIVED" when it passes. Ends non-zero when a mutant survives,
# when a sed expression no longer changes its file (the code moved on: update the mutant), or when
# a test command fails on the unmutated tree.
#   scripts/mutants.sh [FILTER]     only the mutants whose table line contains FILTER
# One mutant per line of MUTANTS: "FILE|SED_EXPR|TEST_COMMAND|DESCRIPTION". SED_EXPR must not contain
# "|" (write s#old#new#); TEST_COMMAND runs with bash -c from the repository root and may use the
# variables exported below. A C++ mutant has the same shape, its command building what it runs, e.g.
#   "src/eval/meter.cpp|s#2 \* tp#tp#|cmake --build build --target test_eval && build/tests/test_eval|F1 without 2"
# The file is copied aside first and copied back by a trap (on exit, Ctrl-C or TERM), so the tree is
# never left mutated; the restored file gets a fresh mtime, so a build after the run recompiles it.
# A file that someone else changed while its mutant was in place is left as it is (their edit is
# kept, the mutant line may be in it): the run says so and stops.
# MUTANT_TIMEOUT (seconds, default 900): a test command still running then counts as killed.
set -euo pipefail
cd "$(dirname "$0")/.."

# the bench's Python tests (tests/bench) under Debian's python3; -p picks one test file
export PY_BENCH_TESTS="/usr/bin/python3 -B -m unittest discover -s tests/bench -t tests/bench"

MUTANTS=(
  'bench/summarize.py|s#return max(peers#return min(peers#|$PY_BENCH_TESTS -p test_summarize.py|best_peer picks the worst peer'
  'bench/summarize.py|s#return not system.startswith#return system.startswith#|$PY_BENCH_TESTS -p test_summarize.py|is_peer inverted: guardian systems taken for peers'
  "bench/summarize.py|s#get('seeds', 1) > 1#get('seeds', 1) >= 1#|\$PY_BENCH_TESTS -p test_summarize.py|headline shows ± for a single seed"
  'bench/summarize.py|s#key=lambda r: r\["ece"\])#key=lambda r: -r["ece"])#|$PY_BENCH_TESTS -p test_summarize.py|calibration table: worst-calibrated peer shown as best'
  'bench/summarize.py|s#key=lambda r: change\[r\["system"\]\]#key=lambda r: -change[r["system"]]#|$PY_BENCH_TESTS -p test_summarize.py|robustness: the peer that dropped most shown as dropped least'
  'bench/peers/paired_bootstrap.py|s#2\.0 \* tp#1.0 * tp#|$PY_BENCH_TESTS -p test_paired_bootstrap.py|macro_f1 without the factor 2'
  'bench/peers/paired_bootstrap.py|s#for c in range(classes)#for c in range(1, classes)#|$PY_BENCH_TESTS -p test_paired_bootstrap.py|macro_f1 leaves class 0 out'
  'bench/peers/paired_bootstrap.py|s#default_rng(args\.seed)#default_rng()#|$PY_BENCH_TESTS -p test_paired_bootstrap.py|bootstrap resamples unseeded'
  'bench/peers/paired_bootstrap.py|s#(diff <= 0)#(diff < 0)#|$PY_BENCH_TESTS -p test_paired_bootstrap.py|p_not_better counts a tie as better'
  'bench/peers/perturb.py|s/startswith(("@", /startswith((/|$PY_BENCH_TESTS -p test_perturb.py|mentions no longer untouched'
  'bench/peers/perturb.py|s#randrange(1, len(word))#randrange(0, len(word))#|$PY_BENCH_TESTS -p test_perturb.py|insertion may land before the word'
  'bench/peers/perturb.py|s#rng.random() >= 0\.3#rng.random() >= 0.5#|$PY_BENCH_TESTS -p test_perturb.py|split and noise play on half the words'
  'bench/peers/perturb.py|s#len(word) < 2#len(word) < 1#|$PY_BENCH_TESTS -p test_perturb.py|split and noise play on one-letter words'
  'bench/peers/perturb.py|s#0 <= code < 11172#0 < code < 11172#|$PY_BENCH_TESTS -p test_perturb.py|choseong skips the first syllable (가)'
  'bench/peers/perturb.py|s#ch.lower() in LEET#ch in LEET#|$PY_BENCH_TESTS -p test_perturb.py|leet skips capitals'
  'bench/peers/classic_peers.py|s#min(int(p \* bins), bins - 1)#int(p * bins)#|$PY_BENCH_TESTS -p test_peer_metrics.py|calibration: a score of 1 outside the last bin'
  'bench/peers/classic_peers.py|s#sum((min(max(p, 0.0), 1.0) - t)#sum((p - t)#|$PY_BENCH_TESTS -p test_peer_metrics.py|Brier score without clipping'
  'bench/peers/default_check.py|s#2 \* tp / (2 \* tp + fp + fn)#tp / (tp + fp + fn)#|$PY_BENCH_TESTS -p test_peer_metrics.py|flag macro-F1 as Jaccard'
  'bench/peers/default_check.py|s#s == 1\.0#s == 0.0#|$PY_BENCH_TESTS -p test_peer_metrics.py|ece drops scores of 1'
  'bench/peers/transfer.py|s# - 1e-12 and# + 1e-12 and#|$PY_BENCH_TESTS -p test_peer_metrics.py|share_threshold takes the larger share on a tie'
  'bench/peers/transfer.py|s#np\.argmax#np.argmin#|$PY_BENCH_TESTS -p test_peer_metrics.py|threshold_on picks the worst threshold'
  'bench/peers/transfer.py|s#default_rng(seed + 1)#default_rng()#|$PY_BENCH_TESTS -p test_peer_metrics.py|adapt slice unseeded'
  'src/models/fast_encoder.cpp|s#auto\& state = \*context.state_;#static Context::State shared; auto\& state = shared;#|cmake --build build --target test_models >/dev/null && build/tests/test_models --gtest_filter=FastEncoderContexts.*|forwards of every context share one workspace'
  'src/infer/score.cpp|s#begin += kScoreChunk)#begin += kScoreChunk / 2)#|cmake --build build --target test_infer >/dev/null && build/tests/test_infer --gtest_filter=Score*|chunks overlap'
  'src/core/toml_table.cpp|s#if (!used_.count(k) \&\& !sections.count(k))#if (false)#|cmake --build build --target test_core >/dev/null && build/tests/test_core --gtest_filter=TomlTable.*|unknown keys accepted'
  'src/data/sets.cpp|s#  data.get("valid", c.valid);##|cmake --build build --target test_data >/dev/null && build/tests/test_data --gtest_filter=RecipeData.*|a recipe'"'"'s data.valid left unread'
  # C++: each command builds its test binary (test_e2e builds the guardian binary it drives too) and runs the tests that should notice.
  "src/train/ensemble_trainer.cpp|s#best > 0) {#best > 0 \\&\\& false) {#|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=EnsembleCliTest.ServeBest*|serve = \"best\" always serves the stack"
  "src/train/ensemble_trainer.cpp|s#stack.bias\\[l\\] += stack.decision.offsets\\[l\\];#stack.bias[l] += 0.0f;#|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=EnsembleCliTest.F1Offsets*|F1 offsets reported but not served"
  "src/train/ensemble_trainer.cpp|s#std::vector<double> w(members, 1.0 / std::max<size_t>(1, members)), b(levels, 0.0);#std::vector<double> w(members, 0.0), b(levels, 0.0);#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=EnsembleFitTest.NoExamplesGivesEqualWeights|no examples: every member switched off"
  "src/serve/service.cpp|s#engine_->set_deployment(std::move(deployment));##|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=ServeFiles.AReloadServesTheModelNowInTheDirectory|a reload loads the new model but keeps serving the old"
  "src/data/reader.cpp|s#return static_cast<int>(h % 100);#return static_cast<int>((h >> 1) % 100);#|cmake --build build --target test_data && build/tests/test_data --gtest_filter=Slice.*|slice buckets from another hash (rows move between train and validation)"
  "src/eval/calibration.cpp|s#if (eq != std::string::npos) return fail(metric + \" is maximised#if (false) return fail(metric + \" is maximised#|cmake --build build --target test_eval && build/tests/test_eval --gtest_filter=Target.RejectsMalformedText|a target of f1 takes a value"
  "src/text/utf8.cpp|s#if (b0 == 0xED) hi = 0x9F;  // surrogates##|cmake --build build --target test_text && build/tests/test_text --gtest_filter=HfFuzz.Encoder*|surrogates pass as UTF-8"
  "src/text/hf_tokenizer.cpp|s#throw FormatError(origin + \": not valid JSON#throw InputError(origin + \": not valid JSON#|cmake --build build --target test_text && build/tests/test_text --gtest_filter=HfFuzz.Loader*|tokenizer.json that is not JSON refused as the wrong error type"
  "src/core/safetensors.cpp|s#if (cursor != data_size)#if (cursor > data_size)#|cmake --build build --target test_core && build/tests/test_core --gtest_filter=Safetensors.Mutations*|safetensors bytes after the last tensor accepted"
  "src/train/causal_lm.cpp|s#auto targets = rows.slice(1, 1, seq)#auto targets = rows.slice(1, 0, seq - 1)#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=CausalLoss.*|causal loss predicts each token from itself"
  "src/train/decoder_export.cpp|s#{\"tie_word_embeddings\", c.tie_word_embeddings}#{\"tie_word_embeddings\", false}#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=DecoderExport.*|config.json says untied for a tied decoder"
  "src/infer/perplexity.cpp|s#auto scored = mask.slice(1, 1, seq)#auto scored = mask.slice(1, 0, seq - 1)#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=Perplexity.*|perplexity scores the padding after a short text"
  "src/train/decoder_pretrainer.cpp|s#    state = \*saved;#    state.step = saved->step;#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=CausalPretrain.Resumed*|resume forgets its place in the epoch"
  "src/text/sentencepiece_export.cpp|s#{\"byte_fallback\", true}#{\"byte_fallback\", false}#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=SentencePieceExport.*|tokenizer.json without byte fallback"
  "src/train/pretrain_text.cpp|s#for (const auto& split : card.scored)#for (const auto\\& split : std::vector<std::string>{})#|cmake --build build --target test_train && build/tests/test_train --gtest_filter=CausalPretrain.WritesAHuggingFaceCheckpoint|the scored splits of the named cards left unread (nothing removed)"
  "apps/guardian/cmd_data.cpp|s#{\"label\", e.labels\\[c\\]}#{\"label\", 1 - e.labels[c]}#|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=DataCliTest.Export*|data export flips the labels"
  "apps/guardian/cmd_data.cpp|s#slot = slot.is_null() ? 1 :#slot = slot.is_null() ? 0 :#|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=DataCliTest.Stats*|data stats miss each level's first example"
  "apps/guardian/cmd_tokenize.cpp|s#encode(text, !args.no_special)#encode(text, true)#|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=TokenizeCliTest.*|tokenize ignores --no-special"
  "apps/guardian/cmd_tokenize.cpp|s#if (line.empty()) continue;##|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=TokenizeCliTest.*|tokenize takes blank stdin lines for messages"
  'src/text/jinja_statements.cpp|s#k == n - 1#k == n#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=Jinja*|chat template: loop.last never true'
  'src/text/jinja_filters.cpp|s#return Value::string(js_trim(s));#return Value::string(s);#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=Jinja*|chat template: trim filter does not trim'
  'src/text/jinja_lexer.cpp|s#^      skip_leading();$#      (void)0;#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=Jinja*|chat template: -}} and -%} keep the whitespace after them'
  'src/text/jinja_lexer.cpp|s#^      i += 2;$#      i += 1;#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=Jinja*|chat template: trim_blocks keeps the newline after a block tag'
  'src/text/jinja_value.cpp|s#std::string item_sep = ", "#std::string item_sep = ","#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=Jinja*|chat template: tojson without the space after commas'
  'src/core/toml_table.h|s#if (std::is_unsigned_v<T> \&\& value < 0) fail#if (false) fail#|cmake --build build --target test_core >/dev/null && build/tests/test_core --gtest_filter=TomlTable.*|a negative count read into an unsigned setting'
  'src/models/decoders/rope.cpp|s#base_inv_freq(rope.rope_theta, dim)#base_inv_freq(rope.rope_theta * 2, dim)#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=Transformers/DecoderGolden.PaddedBatch*|RoPE base doubled'
  'src/models/decoders/decoder_layers.cpp|s#if (w.q_norm.defined()) {#if (false) {#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=Transformers/DecoderGolden.PaddedBatch*/qwen3*|q/k norms skipped'
  'src/models/decoders/decoder_layers.cpp|s#query - key < window#query - key <= window#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=Transformers/DecoderGolden.*/mistral*|sliding window one key wider'
  'src/models/decoders/decoder_layers.cpp|s#normed \* (1.0 + weight)#normed * weight#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=Transformers/DecoderGolden.*/gemma3*|Gemma norms scale by w, not 1 + w'
  'src/generate/greedy.cpp|s#cache.attention_mask.sum(-1, /\*keepdim=\*/true)#torch::full({batch, 1}, cache.length(), torch::kInt64)#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=Transformers/DecoderGolden.GreedyGenerationOfPaddedBatch/llama|generated positions count the padding'
)

filter=${1:-}
timeout_s=${MUTANT_TIMEOUT:-900}
scratch=$(mktemp -d /tmp/guardian-mutants.XXXXXX)
mutated=""  # the file now holding $scratch/mutant, restored from $scratch/original

restore() {
  local file=$mutated
  [ -n "$file" ] || return 0
  mutated=""
  if cmp -s "$file" "$scratch/mutant"; then
    cp "$scratch/original" "$file"
  else
    echo "mutants.sh: $file changed while its mutant was in place; left as it is: check it for the mutant" >&2
    return 1
  fi
}
trap 'restore || true; rm -rf "$scratch"' EXIT
trap 'restore || true; exit 130' INT
trap 'restore || true; exit 143' TERM

# The lines of a test's output that say what failed (unittest, GoogleTest), else its last line.
failure_lines() {
  grep -m2 -E '^(FAIL|ERROR): |^[[:alnum:]_.]*(Error|Exception)\b|\[  FAILED  \]' "$1" || tail -n 1 "$1"
}

selected=()
for entry in "${MUTANTS[@]}"; do
  if [[ -z "$filter" || "$entry" == *"$filter"* ]]; then
    selected+=("$entry")
  fi
done
[ ${#selected[@]} -gt 0 ] || { echo "mutants.sh: no mutant matches '$filter'" >&2; exit 2; }

# Each test command must pass on the unmutated tree, or a failure says nothing about a mutant.
declare -A baseline=()
for entry in "${selected[@]}"; do
  IFS='|' read -r _ _ command _ <<< "$entry"
  if [ -n "${baseline[$command]:-}" ]; then
    continue
  fi
  if timeout "$timeout_s" bash -c "$command" > "$scratch/log" 2>&1; then
    baseline[$command]=ok
  else
    echo "mutants.sh: the test command fails without a mutant: $command" >&2
    failure_lines "$scratch/log" >&2
    exit 1
  fi
done

killed=0 survived=0 stale=0
for entry in "${selected[@]}"; do
  IFS='|' read -r file expr command description <<< "$entry"
  cp -p "$file" "$scratch/original"
  sed -e "$expr" "$scratch/original" > "$scratch/mutant"
  if cmp -s "$scratch/mutant" "$scratch/original"; then
    echo "NOT APPLIED  $file: $description (sed '$expr' changes nothing)"
    stale=$((stale + 1))
    continue
  fi
  mutated=$file
  cp "$scratch/mutant" "$file"
  status=0
  timeout "$timeout_s" bash -c "$command" > "$scratch/log" 2>&1 || status=$?
  restore || exit 3
  if [ "$status" -eq 0 ]; then
    echo "SURVIVED     $file: $description"
    survived=$((survived + 1))
  else
    [ "$status" -eq 124 ] && description+=" (timed out)"
    echo "killed       $file: $description"
    failure_lines "$scratch/log" | sed 's/^/               /' | cut -c1-200
    killed=$((killed + 1))
  fi
done

echo "mutants.sh: ${#selected[@]} mutants, $killed killed, $survived survived, $stale not applied"
if [ "$survived" -gt 0 ] || [ "$stale" -gt 0 ]; then
  exit 1
fi
