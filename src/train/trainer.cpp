#include "train/trainer.h"

#include "core/error.h"
#include "train/encoder_trainer.h"
#include "train/ensemble_trainer.h"
#include "train/ngram_trainer.h"

namespace guardian::train {

TrainResult train_model(const TrainConfig& config, const TrainOptions& options) {
  if (config.model.kind == "encoder") return train_encoder(config, options);
  if (config.model.kind == "ngram") return train_ngram(config, options);
  if (config.model.kind == "ensemble") return train_ensemble(config, options);
  // parse_train_config refuses other kinds; a config built in code may still carry one.
  throw ConfigError("model.kind: no trainer for '" + config.model.kind + "'");
}

}  // namespace guardian::train
