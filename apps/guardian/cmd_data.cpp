// guardian data: look at and export data sets through their cards (counts per level; one
// category's labels as JSON Lines, e.g. for running a peer system on exactly guardian's splits).
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/fs.h"
#include "data/sets.h"

namespace guardian::app {

namespace {

struct DataArgs {
  std::vector<std::string> data;
  std::string policy = "default";
  std::string category;
  std::string out;
  bool skip_bad = false;
};

void run_stats(const DataArgs& args) {
  const auto policy = policy::resolve_policy(args.policy);
  for (const auto& spec : args.data) {
    auto set = data::load_sets({spec}, policy, core::data_root(), data::Purpose::kEval, args.skip_bad);
    nlohmann::json counts = nlohmann::json::object();
    std::map<std::string, int> languages;
    for (const auto& e : set.examples) {
      ++languages[data::language_code(e.language)];
      for (size_t c = 0; c < e.labels.size(); ++c) {
        if (e.labels[c] < 0) continue;
        const auto& category = policy.categories[c];
        auto& slot = counts[category.name][category.levels[e.labels[c]]];
        slot = slot.is_null() ? 1 : slot.get<int>() + 1;
      }
    }
    std::cout << nlohmann::json({{"data", spec}, {"policy", policy.name}, {"examples", set.examples.size()},
                                 {"languages", languages}, {"labels", counts}, {"provenance", set.provenance}})
                     .dump()
              << std::endl;
  }
}

void run_export(const DataArgs& args) {
  const auto policy = policy::resolve_policy(args.policy);
  const int c = args.category.empty() && policy.categories.size() == 1 ? 0 : policy.index_of(args.category);
  if (c < 0) throw ConfigError("--category must name one of policy '" + policy.name + "''s categories");
  auto set = data::load_sets(args.data, policy, core::data_root(), data::Purpose::kEval, args.skip_bad);
  core::AtomicFile out(args.out);
  size_t written = 0;
  for (const auto& e : set.examples) {
    if (e.labels[c] < 0) continue;
    out.write(nlohmann::json({{"id", e.id}, {"text", e.text}, {"label", e.labels[c]}}).dump() + "\n");
    ++written;
  }
  out.commit();
  std::cerr << "guardian: wrote " << written << " examples of '" << policy.categories[c].name << "' to " << args.out
            << "\n";
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto args = std::make_shared<DataArgs>();
  auto* cmd = app.add_subcommand("data", "Inspect and export data sets through their cards");
  cmd->require_subcommand(1);
  auto* stats = cmd->add_subcommand("stats", "Count examples, languages and labels per level (one JSON line per spec)");
  stats->add_option("-d,--data", args->data, "card:split[slice] (repeatable)")->required();
  stats->add_option("--policy", args->policy, "Policy whose categories the labels map onto");
  stats->add_flag("--skip-bad", args->skip_bad, "Skip malformed rows (counted) instead of failing");
  stats->callback([args] { run_stats(*args); });
  auto* exp = cmd->add_subcommand("export", "Write one category's labels as JSON Lines {id, text, label}");
  exp->add_option("-d,--data", args->data, "card:split[slice] (repeatable)")->required();
  exp->add_option("--policy", args->policy, "Policy whose categories the labels map onto");
  exp->add_option("--category", args->category, "The category to export (default: the policy's only one)");
  exp->add_option("-o,--out", args->out, "Output file (written atomically)")->required();
  exp->add_flag("--skip-bad", args->skip_bad, "Skip malformed rows (counted) instead of failing");
  exp->callback([args] { run_export(*args); });
}

}  // namespace guardian::app
