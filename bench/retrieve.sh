#!/usr/bin/env bash
# Retrieval on KorQuAD v1 dev (Korean Wikipedia paragraphs, CC BY-ND 2.0 KR: read from the data
# shelf, evaluated, never copied): guardian's BM25 (FTS5 with its Hangul-bigram tokenizer) against,
# in the same run and on the same paragraphs and questions, FTS5's own unicode61 and trigram
# tokenizers and scikit-learn TF-IDF cosine (words; character bigrams). JSON lines: corpus, system,
# queries, recall_at_1, recall_at_5, recall_at_20, mrr (to rank 20), queries_per_s, index_s.
# A result is a paragraph: several chunks of one paragraph count once.
#
#   bench/retrieve.sh [validation|scored]     (default scored)
#
# The corpus is all 140 articles' 964 paragraphs; the questions are those of 120 articles
# (scored) or of the other 20 (validation), fixed by hash of the article title. On validation the
# script also runs the variants a choice is made between (docs/decisions.md, "Hangul grams and
# chunk size of the retrieval index"); scored runs the shipped defaults only.
# guardian's queries/s: one process answers all questions from stdin, and the time of a run with no
# questions (starting the binary, opening the index: startup_s) is taken off; the peers' are
# in-process query loops.
# GUARDIAN_BIN: the binary (default build/bin/guardian). Needs python3-sklearn for the TF-IDF rows
# (scripts/setup-bench.sh); without it those rows say so.
set -euo pipefail
cd "$(dirname "$0")/.."
split="${1:-scored}"
case "$split" in validation|scored) ;; *) echo "usage: bench/retrieve.sh [validation|scored]" >&2; exit 2 ;; esac
bin="${GUARDIAN_BIN:-build/bin/guardian}"
data="${GUARDIAN_DATA:-../shared/data}"
korquad="$data/korquad-v1/dataset/KorQuAD_v1.0_dev.json"
[ -x "$bin" ] || { echo "bench/retrieve.sh: no guardian binary at $bin (build it, or set GUARDIAN_BIN)" >&2; exit 1; }
[ -f "$korquad" ] || { echo "bench/retrieve.sh: $korquad not found (set GUARDIAN_DATA)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
helper=(/usr/bin/python3 -B bench/peers/retrieval.py)
"${helper[@]}" prepare --korquad "$korquad" --split "$split" --out "$work"

now() { date +%s.%N; }
# guardian over one setting: HANGUL CHUNK_CHARS (overlap a tenth of the chunk)
run_guardian() {
  local hangul="$1" chunk="$2" index="$work/index-$1-$2.sqlite"
  local t0 t1 t2 t3
  t0=$(now)
  "$bin" index --docs "$work/corpus.jsonl" --card "$work/card.toml" --out "$index" \
    --hangul "$hangul" --chunk-chars "$chunk" --overlap-chars $((chunk / 10)) >/dev/null
  t1=$(now)
  "$bin" retrieve --index "$index" --k 60 </dev/null >/dev/null  # start-up alone, taken off the queries' time
  t2=$(now)
  "$bin" retrieve --index "$index" --k 60 <"$work/questions.jsonl" >"$work/guardian.jsonl"
  t3=$(now)
  "${helper[@]}" score --questions "$work/questions.jsonl" --results "$work/guardian.jsonl" --system guardian-bm25 \
    --settings "hangul=$hangul chunk_chars=$chunk" --startup-seconds "$(echo "$t2 - $t1" | bc -l)" \
    --seconds "$(echo "($t3 - $t2) - ($t2 - $t1)" | bc -l)" --index-seconds "$(echo "$t1 - $t0" | bc -l)"
}

if [ "$split" = validation ]; then
  for hangul in bigrams unigrams+bigrams; do
    for chunk in 500 1000 2000; do run_guardian "$hangul" "$chunk"; done
  done
else
  run_guardian unigrams+bigrams 2000  # docs/decisions.md, "Hangul grams and chunk size of the retrieval index"
fi
"${helper[@]}" peers --work "$work"
