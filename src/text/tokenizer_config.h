// A Hugging Face tokenizer_config.json: the special tokens by name, whether a BOS is added, and the
// chat template. Errors name the file and the key.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace guardian::text {

struct TokenizerConfig {
  std::optional<std::string> bos_token;  // text of the BOS token (a string or an AddedToken object on disk)
  std::optional<std::string> eos_token;  // text of the EOS token
  std::optional<std::string> pad_token;  // text of the padding token
  std::optional<std::string> unk_token;  // text of the unknown token
  std::optional<bool> add_bos_token;     // unset: the tokenizer.json post-processor decides
  std::string chat_template;             // "" when the file has none; a named list gives its "default"
};

// Reads tokenizer_config.json; ConfigError "<file>: '<key>' must be ..." on a value of the wrong
// type, FormatError when it is not JSON, InputError when missing.
TokenizerConfig load_tokenizer_config(const std::filesystem::path& file);
// The same from parsed JSON; `origin` names the file in errors.
TokenizerConfig parse_tokenizer_config(const nlohmann::json& json, const std::string& origin);

}  // namespace guardian::text
