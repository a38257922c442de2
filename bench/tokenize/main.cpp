// bench/tokenize: encodes JSON Lines texts with guardian's HfTokenizer, compares the ids with the
// JavaScript reference's (tests/reference/encode.mjs) message by message, and prints one JSON line:
// {"tokenizer","messages","match_rate","divergences",
//  "guardian_first_pass_messages_per_second","guardian_steady_messages_per_second",
//  "reference_first_pass_messages_per_second","reference_steady_messages_per_second",
//  "speedup_first_pass","speedup_steady"}.
// Both sides are timed the same way: the first pass over the messages with the tokenizer just
// loaded (its word cache empty), and steady state, the fastest of the next three passes (cache
// full). The reference's times come from encode.mjs --passes 4.
// Usage: tokenize_bench --tokenizer FILE --name NAME --texts T.jsonl [--reference IDS.jsonl
//        --reference-seconds FIRST [--reference-steady-seconds STEADY]] [--dump OUT.jsonl]
//        [--mismatches N] [--no-special]
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/hf_tokenizer.h"

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Characters where the JavaScript port is known to differ from Hugging Face's Rust library
// (tests/fixtures/tokenizers/DIVERGENCES.md): a mismatch on a text holding one is a reviewed divergence.
bool has_reviewed_divergence(const std::string& text) {
  static const char* kChars[] = {
      "\xC2\x85",      // U+0085 NEL: \s in Oniguruma, not in JavaScript (D1)
      "\xEF\xBB\xBF",  // U+FEFF BOM: \s in JavaScript, not in Oniguruma (D1)
  };
  for (const char* c : kChars)
    if (text.find(c) != std::string::npos) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string tokenizer, name, texts_path, reference, dump;
  double reference_seconds = 0, reference_steady_seconds = 0;
  int show = 0;
  bool special = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--tokenizer") tokenizer = next();
    else if (a == "--name") name = next();
    else if (a == "--texts") texts_path = next();
    else if (a == "--reference") reference = next();
    else if (a == "--reference-seconds") reference_seconds = std::stod(next());
    else if (a == "--reference-steady-seconds") reference_steady_seconds = std::stod(next());
    else if (a == "--dump") dump = next();
    else if (a == "--mismatches") show = std::stoi(next());
    else if (a == "--no-special") special = false;
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  try {
    auto tok = guardian::text::HfTokenizer::load(tokenizer);
    std::vector<std::string> texts;
    for (const auto& l : read_lines(texts_path)) {
      auto j = nlohmann::json::parse(l);
      texts.push_back(j.is_string() ? j.get<std::string>() : j.at("text").get<std::string>());
    }
    // Timed as the reference is: the first pass with the word cache empty, then the fastest of
    // three more passes with it full.
    constexpr int kSteadyPasses = 3;
    std::vector<std::vector<int>> ids(texts.size());
    auto encode_all = [&] {
      auto t0 = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < texts.size(); ++i) ids[i] = tok->encode(texts[i], special).ids;
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const double first_pass = encode_all();
    double steady = 1e30;
    for (int pass = 0; pass < kSteadyPasses; ++pass) steady = std::min(steady, encode_all());
    if (!dump.empty()) {
      std::ofstream out(dump);
      for (const auto& v : ids) out << nlohmann::json(v).dump() << "\n";
    }
    nlohmann::json r;
    r["tokenizer"] = name;
    r["messages"] = texts.size();
    const auto rate = [&](double seconds) { return static_cast<double>(texts.size()) / seconds; };
    r["guardian_first_pass_messages_per_second"] = rate(first_pass);
    r["guardian_steady_messages_per_second"] = rate(steady);
    if (!reference.empty()) {
      auto ref = read_lines(reference);
      if (ref.size() != texts.size()) throw std::runtime_error("reference has " + std::to_string(ref.size()) + " lines");
      std::size_t match = 0, divergences = 0;
      for (std::size_t i = 0; i < texts.size(); ++i) {
        auto want = nlohmann::json::parse(ref[i]).get<std::vector<int>>();
        if (want == ids[i]) {
          ++match;
        } else if (has_reviewed_divergence(texts[i])) {
          ++divergences;
        } else if (show-- > 0) {
          std::cerr << "MISMATCH " << i << " " << nlohmann::json(texts[i]).dump() << "\n  want " << ref[i]
                    << "\n  got  " << nlohmann::json(ids[i]).dump() << "\n";
        }
      }
      r["match_rate"] = texts.size() == divergences ? 1.0 : static_cast<double>(match) / static_cast<double>(texts.size() - divergences);
      r["divergences"] = divergences;
      if (reference_seconds > 0) {
        r["reference_first_pass_messages_per_second"] = rate(reference_seconds);
        r["speedup_first_pass"] = reference_seconds / first_pass;
      }
      if (reference_steady_seconds > 0) {
        r["reference_steady_messages_per_second"] = rate(reference_steady_seconds);
        r["speedup_steady"] = reference_steady_seconds / steady;
      }
    }
    std::cout << r.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "tokenize_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
