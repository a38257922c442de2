// A tokenizer.json made for tests: byte-level BPE with one token per byte (ids 0-255, so every
// multi-byte character is split across tokens) and no merges, plus ChatML's special tokens
// (256 <|im_start|>, 257 <|im_end|>, 258 <|endoftext|>), and a matching ChatML tokenizer_config.json.
// Header-only: the unit and end-to-end tests both write it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace guardian::testing {

// GPT-2's byte -> printable character map (bytes_to_unicode), as UTF-8.
inline std::string byte_level_char(int byte) {
  const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
  int code = byte;
  if (!printable) {
    int n = 0;
    for (int b = 0; b < byte; ++b) {
      if (!((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))) ++n;
    }
    code = 256 + n;
  }
  std::string out;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return out;
}

inline std::string byte_tokenizer_json() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level_char(b)] = b;
  nlohmann::json added = nlohmann::json::array();
  const char* specials[] = {"<|im_start|>", "<|im_end|>", "<|endoftext|>"};
  for (int i = 0; i < 3; ++i) {
    added.push_back({{"id", 256 + i}, {"content", specials[i]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  nlohmann::json byte_level{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  nlohmann::json tokenizer{{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added},
                           {"normalizer", nullptr}, {"pre_tokenizer", byte_level}, {"post_processor", nullptr},
                           {"decoder", byte_level},
                           {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
                                      {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                                      {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
                                      {"merges", nlohmann::json::array()}}}};
  return tokenizer.dump();
}

// ChatML, as Qwen's templates write it.
inline std::string chatml_template() {
  return "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
         "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}

inline std::string byte_tokenizer_config_json() {
  return nlohmann::json{{"bos_token", nullptr}, {"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"},
                        {"add_bos_token", false}, {"chat_template", chatml_template()}}
      .dump();
}

}  // namespace guardian::testing
