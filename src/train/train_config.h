// A training recipe (TOML): the policy, the data, the tokenizer, the model size and the optimiser
// schedule. Unknown keys and out-of-range values are ConfigErrors naming the key and the file.
//
//   name = "default"
//   policy = "default"                      # built-in name or path to a policy TOML
//   [data]
//   train = ["beep:train[:90%]", "jigsaw:train"]      # card:split[slice] specs
//   valid = ["beep:train[90%:]"]                      # model selection (early stopping)
//   eval = ["beep:dev"]                               # scored once, after training
//   tokenizer_text = ["beep-unlabeled:train"]         # extra text for the tokenizer
//   skip_bad = false
//   [tokenizer]   vocab_size = 8000, max_sentences = 300000
//   [model]       kind ("encoder", "ngram", "ensemble" or "decoder"), hidden_size, num_hidden_layers,
//                 num_attention_heads, num_key_value_heads, intermediate_size, tie_word_embeddings, dropout,
//                 max_length, pooling
//   [ngram]       buckets_log2, word_ngrams, char_min, char_max, despaced_max, choseong, norm_per_family, squeeze, leet, jamo, dim, embedding_dtype,
//                 pretrained, epochs, lr, l2, replicas
//   [ngram_<name>] the same keys, for the ensemble's n-gram member "ngram_<name>"; [ngram_bag] is
//                 the embedding-bag member (defaults TrainConfig::bag_defaults(), dim > 0)
//   [pretrain]    objective ("masked" or "causal"), text, max_texts, mask_prob, batch_size, lr, warmup, steps,
//                 tokens, heldout_texts (guardian pretrain)
//   [bag_pretrain] text, max_texts, epochs, window, negatives, min_count, subsample, lr
//                 (guardian pretrain --bag NAME: the embedding rows of [NAME]'s bag)
//   [ensemble]    members (of "ngram", "ngram_bag", "encoder", or an [ngram_<name>] table), fit ("nll" or "none"),
//                 f1_offsets, serve, cascade, cascade_recall
//   [train]       epochs, batch_size, lr, weight_decay, warmup, clip, class_weighting,
//                 patience, eval_every, seed, threads, augment
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "data/sets.h"
#include "models/ngram_features.h"

namespace guardian::train {

using data::DataConfig;  // the recipe's [data] table (data/sets.h)

struct TokenizerConfig {
  int vocab_size = 8000;                    // SentencePiece vocabulary
  int max_sentences = 300000;               // sentences sampled for tokenizer training
};

struct ModelConfig {
  std::string kind = "encoder";             // "encoder" (transformer), "ngram" (hashed n-grams), "ensemble", or
                                            // "decoder" (a Llama-layout language model, `guardian pretrain` only)
  int hidden_size = 256;                    // encoder width
  int num_hidden_layers = 2;                // transformer blocks
  int num_attention_heads = 4;              // attention heads
  int num_key_value_heads = 0;              // decoder: key/value heads (grouped-query attention); 0 = one per head
  int intermediate_size = 1024;             // feed-forward width (the decoder's SwiGLU width)
  bool tie_word_embeddings = true;          // decoder: the LM head is the embedding table
  double dropout = 0.1;                     // hidden, attention and head dropout
  int max_length = 64;                      // tokens per message, specials included (decoder: its positions)
  std::string pooling = "mean";             // "mean" or "cls"
  // A directory written by `guardian pretrain` (its tokenizer and backbone weights start the
  // encoder); relative paths are relative to the working directory; "" = from scratch.
  std::string pretrained;
};

// Masked-language-model pretraining of the encoder on unlabelled text (`guardian pretrain`).
struct PretrainConfig {
  // "masked": the encoder's masked LM; "causal": next-token prediction of a [model] kind = "decoder"
  // on packed max_length-token rows, written in the Hugging Face layout (train/decoder_pretrainer.h).
  std::string objective = "masked";
  std::vector<std::string> text;            // unlabelled specs; the recipe's training texts are added
  int max_texts = 300000;                   // texts sampled at most (stable order)
  double mask_prob = 0.15;                  // tokens chosen per text (80% [MASK], 10% random, 10% kept)
  int batch_size = 64;                      // texts per step
  double lr = 5e-4;                         // peak learning rate (AdamW)
  double warmup = 0.05;                     // fraction of the steps warming up
  int64_t steps = 20000;                    // schedule length without a budget (a budget refits it)
  // causal: the fixed amount of work, in input tokens (steps = tokens / (batch_size * max_length),
  // rounded up); a --budget only caps it. 0 = `steps` decides.
  int64_t tokens = 0;
  int heldout_texts = 512;                  // causal: texts held out (seeded) for the perplexity
};

// Skip-gram pretraining of an embedding bag's rows on unlabelled text (`guardian pretrain --bag`):
// fastText's unsupervised model over the bag's own hashed features. Each word is the sum of the
// rows of its features (the word, its character n-grams, its initials) and is trained to predict
// the words around it against sampled negatives.
struct BagPretrainConfig {
  std::vector<std::string> text;            // unlabelled specs; the recipe's training texts are added
  int max_texts = 500000;                   // texts read at most
  int epochs = 5;                           // passes over the text
  int window = 5;                           // context words each side, at most (sampled 1..window)
  int negatives = 5;                        // negative words sampled per context word
  int min_count = 5;                        // words seen fewer times are not predicted (still inputs)
  double subsample = 1e-4;                  // frequent-word discarding threshold (fastText's -t)
  double lr = 0.05;                         // initial SGD step, decayed linearly to 0
};

// The n-gram model kind: features and its own SGD schedule ([ngram] in the recipe).
struct NgramConfig {
  int buckets_log2 = 20;                    // 2^n hashed feature slots
  int word_ngrams = 2;                      // word n-grams 1..n
  int char_min = 2;                         // character n-grams inside words, shortest
  int char_max = 5;                         // ... and longest
  int despaced_max = 4;                     // character n-grams across spaces (0 = off)
  bool choseong = true;                     // Hangul initial-consonant features
  bool norm_per_family = false;             // L2 per feature family, not over the whole vector (linear only)
  bool squeeze = false;                     // words also without their inserted ASCII symbols and digits
  bool leet = false;                        // words also with look-alikes read as letters ("1d10t" as "idiot")
  bool jamo = false;                        // Hangul words also as letter (jamo) n-grams ("ㅅ발" near "시발")
  // NB-LR (Wang and Manning 2012; linear only): each feature scaled, per output level, by its
  // naive-Bayes log-count ratio in the training data (how much more often messages of that level
  // have it than the others, smoothed by nb_alpha), so the L2 penalty falls less on features that
  // already tell the levels apart. Folded into the saved weights: serving is unchanged.
  bool nb_scale = false;
  double nb_alpha = 1.0;
  int dim = 0;                              // embedding-bag width (fastText's -dim); 0 = linear on TF-IDF
  // The saved bag's embedding: "bf16" (half the size; measured on the bench: the same validation
  // macro-F1 on all five bench tasks and test within 0.05 points of "f32") or "f32".
  std::string embedding_dtype = "bf16";
  // A bag's starting embedding: a directory written by `guardian pretrain --bag` (its buckets and
  // dim must match); "" = fastText's random initialisation.
  std::string pretrained;
  int epochs = 12;                          // passes (the best epoch on validation is kept)
  double lr = 0.5;                          // initial SGD step, decayed linearly to 0
  std::vector<double> l2 = {1e-6, 4e-6, 1.6e-5};  // L2 strengths tried; the best on validation wins
  // As an ensemble member: copies trained with different seeds (members/<name>, <name>.2, ...)
  // whose log-probabilities are averaged under one fitted weight, to cut the seed variance.
  int replicas = 1;

  // What the featurizer hashes: the feature fields above, by name (one place to add a new one).
  models::NgramFeatureOptions feature_options() const;
};

// An ensemble: members trained one after the other into members/<name>, their per-category
// log-probabilities combined with weights and level biases fitted on the validation data.
struct EnsembleConfig {
  std::vector<std::string> members = {"ngram", "ngram_bag"};  // "ngram", "ngram_bag", "encoder", or an [ngram_<name>] table
  std::string fit = "nll";                  // "nll": class-balanced NLL on validation; "none": equal weights
  // Offsets to each category's fitted bias that maximise the validation macro-F1 of the argmax
  // (train/decision_bias.h): "off", "on", or "checked" (kept only when cross-fitting on two halves
  // of the validation data gains). They trade calibration for that decision.
  std::string f1_offsets = "off";
  // What each category serves: "stack" (the fitted combination) or "best" (the stack or one
  // member alone, whichever has the higher validation macro-F1, the stack's out of fold:
  // train/ensemble_trainer.h; the stack on a tie).
  std::string serve = "stack";
  // The two-stage cascade: the first member (an n-gram model) scores every message and lets the
  // clearly clean ones skip the others. Its threshold keeps cascade_recall of the validation
  // messages the full ensemble flags going on to the full ensemble.
  bool cascade = false;
  double cascade_recall = 0.99;
};

struct OptimConfig {
  int epochs = 6;                           // passes over the training data (upper bound)
  int batch_size = 32;                      // messages per step
  double lr = 5e-4;                         // peak learning rate (AdamW)
  double weight_decay = 0.01;               // AdamW decoupled weight decay
  double warmup = 0.06;                     // fraction of steps spent warming up linearly
  double clip = 1.0;                        // gradient-norm clipping (0 = off)
  std::string class_weighting = "balanced"; // "balanced" (inverse frequency, square-rooted) or "none"
  int patience = 4;                         // evaluations without improvement before stopping
  int eval_every = 0;                       // steps between evaluations (0 = twice per epoch)
  int seed = 1;                             // initialisation and shuffling
  int threads = 0;                          // intra-op threads (0 = one per core)
  // Spelling games (data/perturb.h: "split", "noise", "choseong", "leet") each training message is
  // also trained on, once per game, where the game changes it; the validation data stays as it is.
  std::vector<std::string> augment;
};

struct TrainConfig {
  std::string name = "model";               // shown in reports
  std::string policy = "default";           // built-in policy name or a path
  DataConfig data;
  TokenizerConfig tokenizer;
  ModelConfig model;
  NgramConfig ngram;
  // The ensemble's n-gram members other than [ngram], by table name ("ngram_words" for
  // [ngram_words]): "ngram_bag" always, from bag_defaults(); any other from [ngram]'s defaults
  // (linear unless it sets dim).
  std::map<std::string, NgramConfig> ngram_members = {{"ngram_bag", bag_defaults()}};
  EnsembleConfig ensemble;
  PretrainConfig pretrain;
  BagPretrainConfig bag_pretrain;
  OptimConfig optim;

  static NgramConfig bag_defaults();
  // "ngram" -> [ngram], "ngram_<name>" -> that member table; throws ConfigError naming the choices.
  const NgramConfig& ngram_table(const std::string& name) const;

  static TrainConfig load(const std::filesystem::path& path);
  static TrainConfig parse(const std::string& toml_text, const std::string& where);
  void validate(const std::string& where) const;
};

}  // namespace guardian::train
