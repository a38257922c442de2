#include "serve/feedback_export.h"

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/fs.h"
#include "serve/audit_log.h"
#include "core/sha256.h"

namespace guardian::serve {

namespace {

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

// The card for the exported file (format: data/card.h): one JSON Lines split "train" whose columns
// are the categories, each value a level index, mapped onto every policy named.
std::string card_toml(const std::string& name, const std::string& data_file,
                      const std::map<std::string, std::set<int>>& levels, const std::set<std::string>& policies,
                      size_t rows, const std::string& what) {
  std::ostringstream out;
  out << "# Moderators' corrections exported from a guardian audit log by `guardian feedback export`.\n";
  out << "name = " << quoted(name) << "\n";
  out << "description = " << quoted(std::to_string(rows) + " " + what) << "\n";
  out << "language = \"auto\"\nlicence = \"internal: your own moderation decisions\"\ntrainable = true\n";
  out << "format = \"jsonl\"\ntext = \"text\"\nid = \"id\"\n";
  out << "files = \"card\"  # beside this card: the folder can be moved\n\n";
  out << "[splits]\ntrain = " << quoted(data_file) << "\n";
  for (const auto& policy : policies) {
    for (const auto& [category, seen] : levels) {
      out << "\n[mapping." << quoted(policy) << "." << quoted(category) << "]\n";
      for (int level : seen) out << quoted(std::to_string(level)) << " = { " << quoted(category) << " = " << level << " }\n";
    }
  }
  return out.str();
}

}  // namespace

ExportReport export_feedback(const std::filesystem::path& db, const std::filesystem::path& out_dir,
                             const std::string& name, const std::vector<std::string>& extra_policies,
                             const std::string& reason) {
  if (!std::filesystem::exists(db)) throw InputError(db.string() + ": no such audit log");
  ExportReport report;
  auto rows = read_feedback(db.string(), &report.skipped);
  if (!reason.empty()) {
    const auto before = rows.size();
    std::erase_if(rows, [&](const nlohmann::json& row) { return row["review_reason"] != reason; });
    report.other_reason = before - rows.size();
  }
  // Later corrections of the same text replace earlier ones.
  std::map<std::string, size_t> latest;
  for (size_t i = 0; i < rows.size(); ++i) latest[core::sha256_hex(rows[i]["text"].get<std::string>())] = i;
  std::map<std::string, std::set<int>> levels;
  std::set<std::string> policies(extra_policies.begin(), extra_policies.end());
  std::string lines;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (latest[core::sha256_hex(row["text"].get<std::string>())] != i) continue;
    if (!row["labels"].is_object()) throw FormatError(db.string() + ": feedback " + row["id"].dump() + " has malformed labels");
    nlohmann::json line = {{"id", "feedback-" + row["id"].dump()}, {"text", row["text"]}};
    for (const auto& [category, level] : row["labels"].items()) {
      if (!level.is_number_integer()) throw FormatError(db.string() + ": feedback " + row["id"].dump() + ": level of '" + category + "' is not an index");
      line[category] = level;
      levels[category].insert(level.get<int>());
    }
    policies.insert(row["policy"].get<std::string>());
    lines += line.dump() + "\n";
    ++report.rows;
  }
  std::filesystem::create_directories(out_dir);
  report.data_file = out_dir / "feedback.jsonl";
  report.card_file = out_dir / "card.toml";
  core::write_file_atomic(report.data_file, lines);
  const std::string what = reason.empty() ? "messages with labels corrected by moderators"
                                          : "messages queued for review for '" + reason + "', labelled by moderators";
  core::write_file_atomic(report.card_file,
                          card_toml(name, report.data_file.filename().string(), levels, policies, report.rows, what));
  return report;
}

}  // namespace guardian::serve
