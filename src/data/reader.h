// Reading a card's split as examples mapped onto a policy (streaming, constant memory), and its
// texts alone for tokenizer training and pretraining.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "data/card.h"
#include "data/example.h"
#include "policy/policy.h"

namespace guardian::data {

// "card:split" or "card:split[a%:b%]". A slice keeps the examples whose id hashes into buckets
// [a, b) of 100: the same examples whatever the row order, and [:90%] / [90%:] are disjoint and
// together complete. The card may be a path ("my/card.toml:train"): the last ':' splits.
struct SplitSpec {
  std::string card;        // card name or path
  std::string split;       // split name
  int begin_percent = 0;   // slice start, inclusive
  int end_percent = 100;   // slice end, exclusive

  static SplitSpec parse(const std::string& text);  // ConfigError on a malformed spec
  std::string to_string() const;
};

struct ReadOptions {
  bool skip_bad = false;   // skip (and count) malformed rows instead of throwing
  size_t limit = 0;        // stop after this many examples (0 = all)
  bool unlabelled = false; // read texts only: every label unknown, so the card needs no mapping
                           // for the policy (a share target's messages, data/calibrate)
};

struct ReadReport {
  size_t rows = 0;                    // rows read from the files
  size_t kept = 0;                    // examples passed to the sink (after slicing)
  size_t skipped = 0;                 // malformed rows skipped (skip_bad)
  std::vector<std::string> problems;  // the first few skipped rows' errors
};

void read_examples(const Card& card, const SplitSpec& spec, const policy::Policy& policy,
                   const std::filesystem::path& data_root, const std::function<void(Example&&)>& sink,
                   const ReadOptions& options = {}, ReadReport* report = nullptr);

std::vector<Example> load_examples(const Card& card, const SplitSpec& spec, const policy::Policy& policy,
                                   const std::filesystem::path& data_root, const ReadOptions& options = {},
                                   ReadReport* report = nullptr);

// Every non-empty text of a split (normalised; invalid UTF-8 replaced), any format, for tokenizer
// training and pretraining: labels are ignored, malformed rows skipped silently; a file without the
// card's text column is an InputError. limit > 0 stops after that many texts.
void read_texts(const Card& card, const std::string& split, const std::filesystem::path& data_root,
                const std::function<void(std::string&&)>& sink, size_t limit = 0);

// The bucket (0..99) an example id falls into for slicing.
int slice_bucket(const std::string& id);

}  // namespace guardian::data
