#include "core/json_file.h"

#include "core/error.h"
#include "core/fs.h"

namespace guardian::core {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw FormatError(path.string() + ": not valid JSON: " + e.what());
  }
}

void write_json_file(const std::filesystem::path& path, const nlohmann::json& json) {
  write_file_atomic(path, json.dump(2) + "\n");
}

}  // namespace guardian::core
