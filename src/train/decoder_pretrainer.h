// Causal pretraining of a Llama-layout decoder (`guardian pretrain` with [pretrain] objective =
// "causal" and [model] kind = "decoder"): the recipe's [pretrain] text plus its training texts,
// less every exact duplicate of a text the named cards score (counted); a SentencePiece tokenizer
// trained on them; next-token cross-entropy on packed max_length-token rows under AdamW with a
// warm-up and cosine schedule, for a fixed number of tokens (a --budget only caps the run, which
// then resumes from checkpoint/). Writes the Hugging Face layout (train/decoder_export.h) and
//   pretrain.json: tokens, seconds, tokens/s, held-out perplexity on a fixed, seeded slice,
//   pretrain_log.jsonl: loss and learning rate every 50 steps, held-out perplexity every 500.
#pragma once

#include "train/pretrainer.h"

namespace guardian::train {

PretrainResult pretrain_causal(const TrainConfig& config, const PretrainOptions& options);

}  // namespace guardian::train
