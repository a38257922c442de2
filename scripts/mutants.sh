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
  'bench/peers/paired_bootstrap.py|s#drawn = rng.integers(0, seeds, size=(resamples, seeds))#drawn = np.tile(np.arange(seeds), (resamples, 1))#|$PY_BENCH_TESTS -p test_paired_bootstrap.py|bootstrap leaves the seeds out of the interval'
  'bench/peers/paired_bootstrap.py|s#isinstance(predictions\[0\], list)#False#|$PY_BENCH_TESTS -p test_paired_bootstrap.py|a peer'"'"'s seeds read as one run'
  'bench/summarize.py|s#return row.get("failed") or row.get("error")#return row.get("error")#|$PY_BENCH_TESTS -p test_summarize.py|a failed peer vanishes from the tables'
  'bench/peers/perturb.py|s/startswith(("@", /startswith((/|$PY_BENCH_TESTS -p test_perturb.py|mentions no longer untouched'
  'bench/peers/perturb.py|s#randrange(1, len(word))#randrange(0, len(word))#|$PY_BENCH_TESTS -p test_perturb.py|insertion may land before the word'
  'bench/peers/perturb.py|s#rng.random() >= 0\.3#rng.random() >= 0.5#|$PY_BENCH_TESTS -p test_perturb.py|split and noise play on half the words'
  'bench/peers/perturb.py|s#len(word) < 2#len(word) < 1#|$PY_BENCH_TESTS -p test_perturb.py|split and noise play on one-letter words'
  'bench/peers/perturb.py|s#0 <= code < 11172#0 < code < 11172#|$PY_BENCH_TESTS -p test_perturb.py|choseong skips the first syllable (가)'
  'bench/peers/perturb.py|s#ch.lower() in LEET#ch in LEET#|$PY_BENCH_TESTS -p test_perturb.py|leet skips capitals'
  'bench/peers/perturb.py|s#lambda r: r.choice(EMOJI if kind == "emoji" else ZERO_WIDTH)#lambda r: r.choice(EMOJI)#|$PY_BENCH_TESTS -p test_perturb.py|zerowidth inserts emoji'
  'bench/peers/perturb.py|s#word\[at\] \* rng.randint(2, 4)#word[at] * rng.randint(1, 4)#|$PY_BENCH_TESTS -p test_perturb.py|repeat writes a letter only once more'
  'bench/peers/perturb.py|s#is_hangul_syllable(ch) and is_hangul_syllable(prev)#is_hangul_syllable(ch)#|$PY_BENCH_TESTS -p test_perturb.py|spaced puts a mark after any character before a syllable'
  'bench/peers/perturb.py|s#ch.isascii() and ch.isalnum()#ch.isascii() and ch.isalpha()#|$PY_BENCH_TESTS -p test_perturb.py|fullwidth leaves digits'
  'bench/peers/perturb.py|s#("%d:%s" % (args.seed, row\["id"\]))#("%d" % args.seed)#|$PY_BENCH_TESTS -p test_perturb.py|every message drawn with one generator state'
  'bench/peers/classic_peers.py|s#min(int(p \* bins), bins - 1)#int(p * bins)#|$PY_BENCH_TESTS -p test_peer_metrics.py|calibration: a score of 1 outside the last bin'
  'bench/peers/classic_peers.py|s#sum((min(max(p, 0.0), 1.0) - t)#sum((p - t)#|$PY_BENCH_TESTS -p test_peer_metrics.py|Brier score without clipping'
  'bench/peers/classic_peers.py|s#ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)#ASCII_LOWER = {}#|$PY_BENCH_TESTS -p test_classic_peers.py|peers read the text without guardian'"'"'s case folding'
  'bench/peers/classic_peers.py|s#text.translate(GUARDIAN_SPACES).split(" ") if w\]#text.split() if w]#|$PY_BENCH_TESTS -p test_classic_peers.py|peers cut words at every Unicode space, not guardian'"'"'s'
  'bench/peers/classic_peers.py|s#if f1 > best + 1e-12:#if f1 >= best:#|$PY_BENCH_TESTS -p test_classic_peers.py|class offsets: a tie moves the offset away from zero'
  'bench/peers/classic_peers.py|s#if gain / 2 <= 0:#if False:#|$PY_BENCH_TESTS -p test_classic_peers.py|class offsets kept when they do not carry over'
  'bench/peers/classic_peers.py|s#if run.test_prob.shape\[1\] > 2:#if False:#|$PY_BENCH_TESTS -p test_classic_peers.py|three classes scored without the validation offsets'
  'bench/peers/classic_peers.py|s#row = failed_row(task, system, str(e), \*\*e.details)#raise#|$PY_BENCH_TESTS -p test_classic_peers.py|a failed peer prints no row'
  'bench/peers/classic_peers.py|s#prob\[i, int(fields\[j\]#prob[i, -1 + int(fields[j]#|$PY_BENCH_TESTS -p test_classic_peers.py|predict-prob labels read one class off'
  'bench/peers/transfer.py|s#return peer\["seeds"\] if "seeds" in peer else \[peer\]#return [peer]#|$PY_BENCH_TESTS -p test_peer_metrics.py|a peer'"'"'s transfer seeds read as one run'
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
  'src/models/decoders/lora_config.cpp|s#alpha / std::sqrt(rank) : alpha / rank#alpha / rank : alpha / rank#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraGolden.*rslora*|rsLoRA scaled by alpha / r'
  'src/models/decoders/transformer_decoder.cpp|s#l.weight += lora->scaling \* torch::mm#l.weight += torch::mm#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraGolden.Merged*|merged LoRA without its scaling'
  'src/models/decoders/decoder_layers.h|s#torch::linear(torch::linear(x, lora_a), lora_b) \* lora_scaling#torch::linear(torch::linear(x, lora_a), lora_b)#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraGolden.AdapterKeptApart*|unmerged LoRA without its scaling'
  'src/models/decoders/transformer_decoder.cpp|s#embed_tokens_.index_copy_(0, torch::tensor(indices, torch::kInt64), rows)#embed_tokens_.index_select(0, torch::tensor(indices, torch::kInt64))#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraGolden.*trainable_tokens|trainable-token rows not replaced'
  'src/models/decoders/lora.cpp|s#if (!taken_.count(name))#if (false)#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraErrors.*|an adapter tensor no module takes is ignored'
  'src/models/decoders/lora_config.cpp|s#module.ends_with("." + name)) return true#module.ends_with(name)) return true#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraConfigRules.*|a target name matches any suffix, not a dotted one'
  'src/models/decoders/lora_merge.cpp|s#tensor += lora->scaling \* torch::mm#tensor += torch::mm#|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraGolden.MergedCheckpoint*|guardian merge folds B A without its scaling'
  'src/models/decoders/lora.cpp|s#for (const auto\& \[key, rank\] : config.rank_pattern) rank_pattern\[key\] = rank;##|cmake --build build --target test_decoders >/dev/null && build/tests/test_decoders --gtest_filter=*LoraGolden.AnAdapterWritten*|a written adapter drops its rank_pattern'
  # A number no double holds (1e999) is nlohmann's out_of_range, not a parse_error: each reader catches json::exception.
  "src/api/api_request.cpp|s#catch (const nlohmann::json::exception\\& e) {#catch (const nlohmann::json::parse_error\\& e) {#|cmake --build build --target test_api && build/tests/test_api --gtest_filter=ApiRequest.ParseObject*|a request body with 1e999 escapes the 400 (the server answers 500)"
  "src/core/json_file.cpp|s#catch (const nlohmann::json::exception\\& e) {#catch (const nlohmann::json::parse_error\\& e) {#|cmake --build build --target test_core && build/tests/test_core --gtest_filter=JsonFile.*|a JSON file with 1e999 escapes the FormatError naming it"
  "src/data/rows.cpp|s#} catch (const nlohmann::json::exception\\&) {#} catch (const nlohmann::json::parse_error\\&) {#|cmake --build build --target test_data && build/tests/test_data --gtest_filter=Formats.ANumberPastTheRange*|a JSONL line with 1e999 stops the read instead of being a bad line"
  "src/text/hf_tokenizer.cpp|s#} catch (const hf::Json::exception\\& e) {#} catch (const hf::Json::parse_error\\& e) {#|cmake --build build --target test_text && build/tests/test_text --gtest_filter=HfTokenizer.MalformedFileNamesTheField|a tokenizer.json with 1e999 escapes the FormatError"
  "src/text/hf/models.cpp|s#add_token(token, id.get<int64_t>(), vocab)#add_token(token, id.get<int>(), vocab)#|cmake --build build --target test_text && build/tests/test_text --gtest_filter=HfTokenizer.MalformedFileNamesTheField|a vocabulary id past the range of int wraps onto another token"
  'src/generate/sampler.cpp|s#score < 0, score \* penalty, score / penalty#score < 0, score / penalty, score * penalty#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=Sampler.Repetition*|repetition penalty raises negative logits'
  'src/generate/sampler.cpp|s#cumulative <= (1.0 - top_p)#cumulative < (1.0 - top_p) * 0.5#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=Sampler.TopP*|top-p keeps too many tokens'
  'src/generate/sampler.cpp|s#probs < probs.max() \* min_p#probs < min_p#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=Sampler.MinP*|min-p as an absolute probability'
  'src/generate/sampler.cpp|s#createCPUGenerator(settings.seed)#createCPUGenerator(0)#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=Sampler.SameSeed*|the seed is ignored'
  'src/generate/engine.cpp|s#cache_.attention_mask.sum(-1, /\*keepdim=\*/true)#torch::full({rows, 1}, cache_.length(), torch::kInt64)#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=EngineTest.EachSequence*|decode positions count the left padding'
  'src/generate/engine.cpp|s#: concat(cache_, fresh)#: concat(fresh, cache_)#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=EngineTest.ASlotJoining*|a joining slot'"'"'s cache rows land on another slot'
  'src/generate/engine.cpp|s#const auto logprobs = raw.log_softmax(0);#const auto logprobs = process_logits(raw, slot.seen, request.sampler).log_softmax(0);#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=EngineTest.Logprobs*|logprobs of the processed logits'
  'src/generate/engine.cpp|s#prompt + request.max_new_tokens > config.max_position_embeddings#prompt > config.max_position_embeddings#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=EngineTest.PromptPlus*|max_new_tokens left out of the context check'
  'src/generate/text_stream.cpp|s#^        end -= n;#        (void)n;#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=TextStream*|the start of a stop string is streamed'
  'src/generate/text_stream.cpp|s#while (end >= kReplacement.size() \&\&#while (false \&\&#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=TextStream*|a partial character is streamed'
  'src/generate/generation_config.cpp|s#} else if (eos->is_array()) {#} else if (false) {#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=GenerationConfig.*|a list of eos ids refused'
  'src/text/tokenizer_config.cpp|s#if (value.is_object() \&\& value.contains#if (false \&\& value.contains#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=TokenizerConfig.*|a special token written as an object refused'
  'src/text/hf_added_vocab.cpp|s#if (!token.special) (token.normalized#if (true) (token.normalized#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=HfTokenizerSpecialText.*:ChatPrompt.*|special tokens matched in message text'
  'src/text/chat_prompt.cpp|s#message_part, false, /\*match_special_tokens=\*/false#message_part, false, /*match_special_tokens=*/true#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=ChatPrompt.*|message text encoded with special-token matching'
  'src/text/chat_prompt.cpp|s#^    erase_all(s, kClose);#    (void)0;#|cmake --build build --target test_text >/dev/null && build/tests/test_text --gtest_filter=ChatPrompt.*|a typed fence character kept in the message'
  'bench/peers/retrieval.py|s#r is not None and r <= k#r is not None and r < k#|$PY_BENCH_TESTS -p test_retrieval.py|retrieval recall@k counts only ranks below k'
  'bench/peers/retrieval.py|s#links = distinct(links)\[:max(KS)\]#links = links[:max(KS)]#|$PY_BENCH_TESTS -p test_retrieval.py|retrieval ranks count each chunk, not each paragraph'
  'bench/peers/retrieval.py|s#range(len(w) - 2)#range(len(w) - 3)#|$PY_BENCH_TESTS -p test_retrieval.py|trigram peer drops each word'"'"'s last trigram'
  # retrieval: each command rebuilds test_retrieve (torch-free) and runs the tests that should notice.
  'src/retrieve/search_tokenizer.cpp|s#if (k + 1 < j) {#if (false) {#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=SearchTokenizer.*:IndexTest.Korean*|Hangul runs give no bigrams'
  'src/retrieve/search_tokenizer.cpp|s#const bool lone = j - i == 1;#const bool lone = false;#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=SearchTokenizer.*|a one-syllable word gives no token'
  'src/retrieve/search_tokenizer.cpp|s#utf8proc_tolower(static_cast<utf8proc_int32_t>(chars\[k\].code))#static_cast<utf8proc_int32_t>(chars[k].code)#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=SearchTokenizer.*:IndexTest.English*|words keep their case'
  "src/retrieve/match_query.cpp|s#out += \" OR \";#out += \" AND \";#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=MatchQuery.*:IndexTest.Ranking*|a question's tokens must all match"
  'src/retrieve/searcher.cpp|s#ORDER BY bm25(chunks_fts) LIMIT#ORDER BY c.id LIMIT#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.Ranking*|chunks in index order, not by BM25'
  'src/retrieve/searcher.cpp|s#hits.push_back({-query.real(0)#hits.push_back({query.real(0)#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.Ranking*|scores lower-is-better as FTS5 gives them'
  'src/retrieve/indexer.cpp|s#old->second.fingerprint == print#false#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.ReindexingIsIncremental|unchanged documents indexed again'
  'src/retrieve/indexer.cpp|s#if (seen.count(key)) continue;#continue;#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.ReindexingIsIncremental|vanished documents keep their chunks'
  'src/retrieve/indexer.cpp|s#options.chunks.fingerprint()#std::string()#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.ChangingChunkSettings*|new chunk settings leave the old chunks'
  'src/retrieve/indexer.cpp|s#      fs::remove(index_path, ec);##|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.AFailedFirstRun*|a failed first run leaves an empty index'
  'src/retrieve/search_index.cpp|s#if (version != std::to_string(kIndexFormatVersion))#if (false)#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=IndexTest.AnIndexFromAnotherVersion*|an index of another format version is read'
  'src/retrieve/chunker.cpp|s#current = tail(current, options.overlap_chars);#current.clear();#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=Chunker.*|chunks do not overlap'
  'src/retrieve/chunker.cpp|s#options.max_chars - options.overlap_chars - 2;#options.max_chars;#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=Chunker.*|an overlap plus a full segment overflows the limit'
  'src/retrieve/source_markdown.cpp|s#headings_.resize(static_cast<std::size_t>(level - 1));#headings_.clear();#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=Sources.Markdown*|sections lose their parent headings'
  'src/retrieve/source_html.cpp|s#if (kSkipped.count(name)) {#if (false) {#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=Sources.Html*|HTML scripts and styles indexed as text'
  'src/retrieve/source_rows.cpp|s#column(row, card.link, false, card)#column(row, card.title, false, card)#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=Sources.Csv*|rows link to their title column'
  "src/retrieve/source_rows.cpp|s#throw InputError(file + \":\" + std::to_string(line) + \": \" + message);#throw InputError(file + \": \" + message);#|cmake --build build --target test_retrieve >/dev/null && build/tests/test_retrieve --gtest_filter=Sources.BadCsv*:IndexTest.ABadDocument*|a bad row's error leaves out its line"
  'apps/guardian/cmd_retrieve.cpp|s#if (!id.is_null()) line\["id"\] = id;##|cmake --build build --target test_e2e && build/tests/test_e2e --gtest_filter=RetrieveCliTest.*|guardian retrieve drops the ids of stdin questions'
  'src/generate/text_stream.cpp|s#prefix_offset_ = read_offset_;#prefix_offset_ = ids_.size();#|cmake --build build --target test_generate >/dev/null && build/tests/test_generate --gtest_filter=TextStreamWindow.*|the stream decodes new tokens without the ones before them'
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
