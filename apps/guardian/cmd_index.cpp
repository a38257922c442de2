// guardian index: documents (text, Markdown, HTML, CSV rows, JSON Lines) into a retrieval index,
// incrementally; prints one JSON line saying what changed.
#include <iostream>

#include <nlohmann/json.hpp>

#include "apps/guardian/commands.h"
#include "retrieve/indexer.h"

namespace guardian::app {

namespace {

struct IndexArgs {
  std::vector<std::string> docs;
  std::string out;
  std::string card;
  std::size_t chunk_chars = retrieve::ChunkOptions{}.max_chars;
  std::size_t overlap_chars = retrieve::ChunkOptions{}.overlap_chars;
  std::string hangul = "bigrams";
  bool skip_bad = false;
};

void run_index(const IndexArgs& args) {
  retrieve::IndexOptions options;
  options.chunks.max_chars = args.chunk_chars;
  options.chunks.overlap_chars = args.overlap_chars;
  options.grams = retrieve::parse_hangul_grams(args.hangul);
  if (!args.card.empty()) options.card = retrieve::load_source_card(args.card);
  options.skip_bad = args.skip_bad;
  const std::vector<std::filesystem::path> paths(args.docs.begin(), args.docs.end());
  const auto report = retrieve::update_index(args.out, paths, options);
  std::cout << nlohmann::json({{"index", args.out},
                               {"documents", report.documents},
                               {"added", report.added},
                               {"changed", report.changed},
                               {"unchanged", report.unchanged},
                               {"removed", report.removed},
                               {"skipped", report.skipped},
                               {"ignored", report.ignored},
                               {"chunks", report.chunks},
                               {"problems", report.problems}})
                   .dump()
            << "\n";
}

}  // namespace

void add_index_command(CLI::App& app) {
  auto args = std::make_shared<IndexArgs>();
  auto* cmd = app.add_subcommand(
      "index", "Index documents for retrieval; re-running updates only what changed and drops what is gone");
  cmd->add_option("--docs", args->docs, "Document files or folders (.txt .md .html .jsonl .csv)")->required();
  cmd->add_option("--out", args->out, "The index file (SQLite), created or updated")->required();
  cmd->add_option("--card", args->card, "TOML naming the text, title, link and section columns of CSV/JSON Lines");
  cmd->add_option("--chunk-chars", args->chunk_chars, "Most characters in a chunk")->capture_default_str();
  cmd->add_option("--overlap-chars", args->overlap_chars, "Characters repeated between neighbouring chunks")
      ->capture_default_str();
  cmd->add_option("--hangul", args->hangul, "Hangul tokens of a new index: bigrams or unigrams+bigrams")
      ->capture_default_str();
  cmd->add_flag("--skip-bad", args->skip_bad, "Report a bad document and keep going (its old chunks stay)");
  cmd->callback([args] { run_index(*args); });
}

}  // namespace guardian::app
