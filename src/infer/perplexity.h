// Token-level perplexity of a decoder on texts (`guardian eval --perplexity`, and the held-out
// figure of causal pretraining). Convention: each text is "<s> pieces </s>" (at most
// max_position_embeddings tokens, cut at the end), and every token after <s> is predicted, </s>
// included: perplexity = exp(total negative log-likelihood / predicted tokens). No torch here.
#pragma once

#include <cstdint>
#include <vector>

namespace guardian::models::decoders {
class DecoderModel;
}

namespace guardian::infer {

struct Perplexity {
  int64_t texts = 0;        // texts scored (those with at least one piece)
  int64_t tokens = 0;       // tokens predicted
  double nll = 0.0;         // total negative log-likelihood, nats
  double mean_nll() const { return tokens > 0 ? nll / static_cast<double>(tokens) : 0.0; }
  double perplexity() const;
};

// texts: each text's pieces, without specials; bos and eos are added here. Batches of batch_size
// texts, right-padded with pad (padding is neither seen nor scored).
Perplexity decoder_perplexity(const models::decoders::DecoderModel& model, const std::vector<std::vector<int>>& texts,
                              int bos, int eos, int pad, int batch_size = 32);

}  // namespace guardian::infer
