// guardian feedback export: the moderators' corrections in a server's audit log, written as a data
// set (JSON Lines + a card) that `guardian train` and every later training command accept.
#include <iostream>

#include "apps/guardian/commands.h"
#include "serve/audit_log.h"
#include "serve/feedback_export.h"

namespace guardian::app {

namespace {

struct ExportArgs {
  std::string db;
  std::string out;
  std::string name = "feedback";
  std::vector<std::string> policies;
  std::string reason;
};

}  // namespace

void add_feedback_command(CLI::App& app) {
  auto* feedback = app.add_subcommand("feedback", "Work with the corrections moderators sent to `guardian serve`");
  feedback->require_subcommand(1);
  auto args = std::make_shared<ExportArgs>();
  auto* cmd = feedback->add_subcommand("export", "Write the corrections as a JSON Lines data set with its card");
  cmd->add_option("--db", args->db, "The server's audit log (SQLite, [audit] path)")->required();
  cmd->add_option("-o,--out", args->out, "Folder to write feedback.jsonl and card.toml into")->required();
  cmd->add_option("--name", args->name, "Card name (the data set's name in data specs)");
  cmd->add_option("--policy", args->policies, "Also map the labels onto these policy names (same categories)");
  cmd->add_option("--reason", args->reason,
                  "Only corrections of decisions queued for review for this reason; \"drift\": the random sample "
                  "of drifted windows, labels `guardian calibrate` can set thresholds on; \"random\": the steady sample "
                  "of all traffic ([audit] review_random), which shows what the model misses")
      ->check(CLI::IsMember(serve::kReviewReasons));
  cmd->callback([args] {
    const auto report = serve::export_feedback(args->db, args->out, args->name, args->policies, args->reason);
    std::cerr << "guardian: wrote " << report.rows << " corrections to " << report.data_file.string() << " and "
              << report.card_file.string();
    if (report.skipped) std::cerr << " (" << report.skipped << " skipped: their texts were not kept)";
    if (report.other_reason) std::cerr << " (" << report.other_reason << " left out: queued for another reason)";
    std::cerr << "\n  train on it with the data spec \"" << report.card_file.string() << ":train\"\n";
  });
}

}  // namespace guardian::app
