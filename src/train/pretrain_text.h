// The text a pretraining run reads: the recipe's [pretrain] text specs, then its data.train specs
// (the licence and scored-split rules of training apply), less every text that is, once
// normalised, exactly a text of a split some named card scores, so no benchmark's scored message
// is ever trained on. No torch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/train_config.h"

namespace guardian::train {

struct PretrainText {
  std::vector<std::string> texts;       // in the order read (callers shuffle)
  int64_t scored_duplicates = 0;        // texts dropped for equalling a scored text
  std::vector<std::string> scored_specs;  // the scored splits compared against ("card:split")
};

// Every card named in [pretrain] text, data.train, data.valid and data.eval has its scored splits
// read in full. At most pretrain.max_texts texts are kept.
PretrainText gather_pretrain_text(const TrainConfig& config);

}  // namespace guardian::train
