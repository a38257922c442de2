// Data set cards (TOML): where a data set's files are, their format, which column holds what, its
// language and licence, and how its labels map onto each policy's categories.
//
//   name = "beep"
//   language = "ko"                 # "ko", "en", or "auto" (per message, from its script)
//   licence = "CC BY-SA 4.0"
//   trainable = true                # false: evaluation only (no-derivatives licences, test sets)
//   scored = ["dev"]                # splits a benchmark scores: never trained or selected on
//   format = "tsv"                  # tsv, csv, jsonl, json (an array of objects), paired, lines
//   header = true                   # tsv/csv: the first row names the columns
//   text = "comments"               # the text column (or JSON key)
//   id = "id"                       # optional id column
//   files = "data"                  # split files are relative to: "data" (the data root, default)
//                                   #   or "card" (this card's own folder: a movable data set)
//   [splits]
//   train = "korean-hate-speech-beep/labeled/train.tsv"     # relative to the data root
//   pools = ["a.csv", "b.csv"]                              # several files, read in order
//   val = { text = "val_text.txt", labels = "val_labels.txt" }  # format "paired"
//   [mapping.default.hate]          # mapping.<policy>.<source column> ("label" for paired files)
//   hate = { hate = 2 }             # source value -> { category = level (index or level name;
//                                   #   a number is always an index, e.g. General's 4 = score 1) }
//   offensive = { hate = 0, insult = 1 }
//   none = { hate = 0, insult = 0 }
//
//   [mapping.default."hate+bias"]   # a joint mapping: several columns read together, their
//   "hate+none" = { insult = 2 }    #   values joined by '+' (every combination met must be listed)
//
// A category no column assigns for a row is unknown (masked out of loss and metrics, never 0).
// When several columns assign the same category, the highest level wins. A value missing from a
// column's table is an error naming file, line, column and value (or skipped with --skip-bad).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace guardian::data {

// One split's files.
struct SplitFiles {
  std::vector<std::string> files;  // data files (or, for "paired", the text files)
  std::vector<std::string> labels; // "paired" only: the label files, aligned with files
};

// source value -> (category name -> level as written: an index or a level name)
using ValueMap = std::map<std::string, std::map<std::string, std::string>>;
// source column -> its value map
using ColumnMapping = std::map<std::string, ValueMap>;

struct Card {
  std::string name;                          // how specs refer to it
  std::string description;                   // one line for people
  std::string language = "auto";             // "ko", "en" or "auto"
  std::string licence;                       // as the source states it
  bool trainable = true;                     // may a shipped model train on it
  std::vector<std::string> scored;           // splits benchmarks score
  std::string format = "tsv";                // tsv, csv, jsonl, json, paired, lines
  bool header = true;                        // tsv/csv with a header row
  std::string text;                          // text column or key
  std::string id;                            // id column or key ("" = by position)
  std::string files = "data";                // split files relative to "data" (the data root) or "card"
  std::map<std::string, SplitFiles> splits;  // split name -> files
  std::map<std::string, ColumnMapping> mappings;  // policy name -> column mappings
  std::filesystem::path path;                // where the card was read from

  // The mapping for a policy; ConfigError listing the policies it has when there is none.
  const ColumnMapping& mapping_for(const std::string& policy) const;
  // The folder the split files are relative to: data_root, or the card's own folder.
  std::filesystem::path files_root(const std::filesystem::path& data_root) const;
};

// A bare name reads config_dir()/cards/<name>.toml; anything else is a path.
Card load_card(const std::string& name_or_path);
Card parse_card(const std::string& toml_text, const std::string& where);

}  // namespace guardian::data
