// guardian retrieve: the best chunks of an index for questions from the command line, or JSON
// Lines {"query": ...} (an "id" is echoed) on stdin; one JSON line per question with its ranked
// results (score, link, title, section, text).
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "core/error.h"
#include "core/json_lines.h"
#include "retrieve/searcher.h"

namespace guardian::app {

namespace {

struct RetrieveArgs {
  std::string index;
  std::size_t k = 5;
  std::vector<std::string> queries;
};

nlohmann::json results_json(const std::vector<retrieve::Hit>& hits) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    out.push_back({{"rank", i + 1}, {"score", h.score}, {"link", h.link}, {"title", h.title},
                   {"section", h.section}, {"text", h.text}, {"chunk", h.chunk}});
  }
  return out;
}

void run_retrieve(const RetrieveArgs& args) {
  if (args.k == 0) throw InputError("--k must be at least 1");
  const auto index = retrieve::SearchIndex::open_existing(args.index);
  auto answer = [&](const nlohmann::json& id, const std::string& query) {
    nlohmann::json line;
    if (!id.is_null()) line["id"] = id;
    line["query"] = query;
    line["results"] = results_json(retrieve::search(index, query, args.k));
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  };
  if (!args.queries.empty()) {
    for (const auto& q : args.queries) answer(nullptr, q);
    return;
  }
  core::JsonLinesReader reader(std::cin, "stdin");
  core::JsonLine line;
  while (reader.next(line)) {
    const auto& value = line.value;
    if (!value.is_object() || !value.contains("query") || !value["query"].is_string()) {
      throw InputError("stdin:" + std::to_string(line.line_number) + ": expected {\"query\": \"...\"}");
    }
    answer(value.contains("id") ? value["id"] : nlohmann::json(), value["query"].get<std::string>());
  }
}

}  // namespace

void add_retrieve_command(CLI::App& app) {
  auto args = std::make_shared<RetrieveArgs>();
  auto* cmd = app.add_subcommand("retrieve", "Rank an index's chunks for questions (BM25)");
  cmd->add_option("--index", args->index, "An index made by guardian index")->required();
  cmd->add_option("-k,--k", args->k, "Chunks per question")->capture_default_str();
  cmd->add_option("queries", args->queries, "Questions (none: JSON Lines {\"query\": ...} on stdin)");
  cmd->callback([args] { run_retrieve(*args); });
}

}  // namespace guardian::app
