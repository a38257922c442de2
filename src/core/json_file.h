// Small JSON documents on disk (a model's config.json and training.json, calibration.json, a
// checkpoint's state): read with the file named in every error, written crash-safe.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace guardian::core {

// Reads a JSON file; FormatError naming the file on a parse error, InputError when missing.
nlohmann::json read_json_file(const std::filesystem::path& path);
// Writes JSON atomically (temp file + fsync + rename), pretty-printed.
void write_json_file(const std::filesystem::path& path, const nlohmann::json& json);

}  // namespace guardian::core
