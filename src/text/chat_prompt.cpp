#include "text/chat_prompt.h"

#include <functional>

#include "core/error.h"

namespace guardian::text {

namespace {

constexpr std::string_view kOpen = "\xEF\xB7\x90";   // U+FDD0, before a message's text
constexpr std::string_view kClose = "\xEF\xB7\x91";  // U+FDD1, after it

void erase_all(std::string& s, std::string_view what) {
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at)) s.erase(at, what.size());
}

// Calls f on every message text: a string content, or the "text" of each item of a list content.
void for_each_text(nlohmann::ordered_json& messages, const std::function<void(std::string&)>& f) {
  if (!messages.is_array()) throw InputError("chat: messages must be a list of {\"role\": ..., \"content\": ...}");
  for (auto& message : messages) {
    if (!message.is_object() || !message.contains("content")) continue;
    auto& content = message["content"];
    if (content.is_string()) {
      f(content.get_ref<std::string&>());
    } else if (content.is_array()) {
      for (auto& item : content) {
        if (item.is_object() && item.contains("text") && item["text"].is_string()) f(item["text"].get_ref<std::string&>());
      }
    }
  }
}

nlohmann::ordered_json context_of(const TokenizerConfig& config, const nlohmann::ordered_json& messages,
                                  bool add_generation_prompt) {
  nlohmann::ordered_json context{{"messages", messages}, {"add_generation_prompt", add_generation_prompt}};
  // What transformers passes beside the messages: its special tokens by name ("" when absent).
  context["bos_token"] = config.bos_token.value_or("");
  context["eos_token"] = config.eos_token.value_or("");
  context["pad_token"] = config.pad_token.value_or("");
  context["unk_token"] = config.unk_token.value_or("");
  return context;
}

nlohmann::ordered_json without_fences(nlohmann::ordered_json messages) {
  for_each_text(messages, [](std::string& s) {
    erase_all(s, kOpen);
    erase_all(s, kClose);
  });
  return messages;
}

void append(std::vector<int>& ids, const Encoding& encoding) { ids.insert(ids.end(), encoding.ids.begin(), encoding.ids.end()); }

}  // namespace

std::string render_chat(const ChatTemplate& chat_template, const TokenizerConfig& config,
                        const nlohmann::ordered_json& messages, bool add_generation_prompt) {
  return chat_template.render(context_of(config, without_fences(messages), add_generation_prompt));
}

std::vector<int> encode_chat(const HfTokenizer& tokenizer, const ChatTemplate& chat_template,
                             const TokenizerConfig& config, const nlohmann::ordered_json& messages,
                             bool add_generation_prompt) {
  auto clean = without_fences(messages);
  const auto plain = chat_template.render(context_of(config, clean, add_generation_prompt));
  bool holds_special_text = false;
  for_each_text(clean, [&](std::string& s) {
    for (const auto& token : tokenizer.added_tokens()) {
      if (token.special && !token.content.empty() && s.find(token.content) != std::string::npos) holds_special_text = true;
    }
  });
  if (!holds_special_text) return tokenizer.encode(plain, /*add_special_tokens=*/false).ids;

  auto fenced_messages = clean;
  for_each_text(fenced_messages, [](std::string& s) { s = std::string(kOpen) + s + std::string(kClose); });
  const auto fenced = chat_template.render(context_of(config, fenced_messages, add_generation_prompt));
  auto unfenced = fenced;
  erase_all(unfenced, kOpen);
  erase_all(unfenced, kClose);
  if (unfenced != plain) {
    throw InputError("chat: a message holds a special token's text and the chat template rewrites message text, "
                     "so it cannot be kept as plain text; remove the special token's text from the message");
  }
  std::vector<int> ids;
  size_t at = 0;
  while (at < fenced.size()) {
    const size_t open = fenced.find(kOpen, at);
    const auto template_part = std::string_view(fenced).substr(at, open == std::string::npos ? std::string::npos : open - at);
    if (!template_part.empty()) append(ids, tokenizer.encode(template_part, false, /*match_special_tokens=*/true));
    if (open == std::string::npos) break;
    const size_t begin = open + kOpen.size(), close = fenced.find(kClose, begin);
    if (close == std::string::npos) throw InputError("chat: the chat template cut a message's text apart");
    const auto message_part = std::string_view(fenced).substr(begin, close - begin);
    if (!message_part.empty()) append(ids, tokenizer.encode(message_part, false, /*match_special_tokens=*/false));
    at = close + kClose.size();
  }
  return ids;
}

}  // namespace guardian::text
