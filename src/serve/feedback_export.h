// `guardian feedback export`: moderators' corrections from the audit log to a training data set.
// Writes <out>/feedback.jsonl (one {"id","text",<category>: level index...} per correction; later
// corrections of the same text win) and <out>/card.toml describing it: its split "train" names the
// file relative to the card (files = "card"), so the folder can be moved, and its labels are mapped
// onto the policies the corrections were made under plus any extra names. "<out>/card.toml:train"
// is then a data spec `guardian train` accepts. Kept to one review reason ("drift": the random
// sample of drifted windows), it is a sample of the traffic `guardian calibrate` can set thresholds on.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace guardian::serve {

struct ExportReport {
  size_t rows = 0;                       // corrections written
  size_t skipped = 0;                    // corrections without a kept text
  size_t other_reason = 0;               // corrections left out for their review reason
  std::filesystem::path data_file;       // the JSON Lines file
  std::filesystem::path card_file;       // its card
};

// InputError when the database cannot be read; FormatError when it is not a guardian audit log.
// reason: only corrections of decisions queued for review for it ("" all).
ExportReport export_feedback(const std::filesystem::path& db, const std::filesystem::path& out_dir,
                             const std::string& name, const std::vector<std::string>& extra_policies = {},
                             const std::string& reason = "");

}  // namespace guardian::serve
