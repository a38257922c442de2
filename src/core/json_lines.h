// JSON Lines input: one JSON value per line, read one line at a time in constant memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>

namespace guardian::core {

struct JsonLine {
  int64_t line_number = 0;  // 1-based line in the input
  nlohmann::json value;     // the parsed line
};

class JsonLinesReader {
 public:
  // where names the input in errors ("train.jsonl"); lines longer than max_line_bytes are an error.
  JsonLinesReader(std::istream& in, std::string where, std::size_t max_line_bytes = 64u << 20);

  // Reads the next non-blank line into out; false at the end. InputError("<where>:<line>: ...")
  // on malformed JSON or an over-long line.
  bool next(JsonLine& out);

 private:
  std::istream& in_;
  std::string where_;
  std::size_t max_line_bytes_;
  int64_t line_number_ = 0;
  std::string line_;
};

}  // namespace guardian::core
