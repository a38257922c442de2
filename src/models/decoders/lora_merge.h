// `guardian merge`: a PEFT LoRA adapter folded into its base checkpoint, W + scaling * B A in
// float32 (PEFT's merge_and_unload), written as a new Hugging Face checkpoint directory that loads
// without the adapter, with the largest logit difference from the unmerged model reported.
#pragma once

#include <filesystem>

namespace guardian::models::decoders {

struct MergeReport {
  int64_t merged_linears = 0;      // Linear weights the adapter changed
  int64_t replaced_rows = 0;       // embedding rows replaced (trainable tokens)
  double max_logit_diff = 0.0;     // merged against base + adapter kept apart, on a probe batch
};

// Writes out (which must not exist yet) as a whole or not at all: model.safetensors (float32, the
// base's tensor names) and the base's other files (config, tokenizer, generation config) copied.
// Errors name the file: an adapter that does not fit the base leaves nothing behind.
MergeReport merge_adapter(const std::filesystem::path& base, const std::filesystem::path& adapter,
                          const std::filesystem::path& out);

}  // namespace guardian::models::decoders
