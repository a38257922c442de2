#include "core/json_lines.h"

#include "core/error.h"

namespace guardian::core {

JsonLinesReader::JsonLinesReader(std::istream& in, std::string where, std::size_t max_line_bytes)
    : in_(in), where_(std::move(where)), max_line_bytes_(max_line_bytes) {}

bool JsonLinesReader::next(JsonLine& out) {
  while (true) {
    line_.clear();
    // Read by hand so an over-long line is refused before it fills memory.
    bool got_any = false;
    std::streambuf* buf = in_.rdbuf();
    while (true) {
      const int c = buf->sbumpc();
      if (c == std::char_traits<char>::eof()) break;
      got_any = true;
      if (c == '\n') break;
      if (line_.size() >= max_line_bytes_)
        throw InputError(where_ + ":" + std::to_string(line_number_ + 1) + ": line longer than " +
                         std::to_string(max_line_bytes_) + " bytes");
      line_.push_back(static_cast<char>(c));
    }
    if (!got_any) return false;
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_number_ == 1 && line_.rfind("\xEF\xBB\xBF", 0) == 0) line_.erase(0, 3);  // BOM
    if (line_.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      out.value = nlohmann::json::parse(line_);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(where_ + ":" + std::to_string(line_number_) + ": " + e.what());
    }
    out.line_number = line_number_;
    return true;
  }
}

}  // namespace guardian::core
