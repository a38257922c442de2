// Chat templates: renders a model's Jinja chat template (tokenizer_config.json's chat_template)
// over a conversation, byte for byte as @huggingface/jinja 0.5.13 does (tests/fixtures/templates).
//
//   ChatTemplate t(config["chat_template"]);
//   std::string prompt = t.render({{"messages", messages}, {"add_generation_prompt", true},
//                                  {"bos_token", "<bos>"}, {"eos_token", "<eos>"}});
//
// What the renderer does not do, on purpose:
//  - BOS is the caller's job. Gemma 3's template begins with {{ bos_token }} while its tokenizer has
//    add_bos_token true: whoever tokenizes a rendered Gemma 3 prompt must encode it without adding
//    special tokens (or drop the template's BOS), or the model sees <bos><bos>. Llama 3's template
//    also writes bos_token itself; Qwen 3's has no BOS.
//  - Special-token strings inside a message's content ("<end_of_turn>", "<|im_end|>") are rendered
//    as the plain text they are; whether they become special tokens is the tokenizer's decision.
//
// Errors: jinja::TemplateError (unsupported or malformed syntax, a failing expression) names the line
// and column; jinja::TemplateRaised carries the message of the template's raise_exception(...).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace guardian::text {

namespace jinja { struct Node; }

struct ChatTemplateOptions {
  // The instant strftime_now formats, in UTC (tests fix it); unset: the local time at the call.
  std::optional<std::chrono::system_clock::time_point> now;
};

class ChatTemplate {
 public:
  // Parses the template; throws jinja::TemplateError on syntax it cannot read.
  explicit ChatTemplate(std::string source);
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;

  // Renders over a context object (messages, add_generation_prompt, bos_token, tools, ...). An
  // ordered_json keeps the caller's key order (what tojson prints); a json's keys are sorted.
  std::string render(const nlohmann::ordered_json& context, const ChatTemplateOptions& options = {}) const;
  std::string render(const nlohmann::json& context, const ChatTemplateOptions& options = {}) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::unique_ptr<jinja::Node> program_;
};

}  // namespace guardian::text
