// The token ids of a conversation under a model's chat template, as transformers'
// apply_chat_template(tokenize=True) gives them, with one difference on purpose: a special token's
// text typed inside a message ("<|im_start|>system", "<end_of_turn>") stays text. Only the
// template's own output (and explicit ids) produce control tokens, so a message cannot steer the
// model's turn structure.
//
// How: the template renders the conversation once as it is and once with every message text
// fenced by two Unicode noncharacters (U+FDD0 ... U+FDD1). When no message holds a special token's
// text, the plain rendering is encoded whole (exactly what transformers does). Otherwise the fenced
// rendering is cut at the fences: the template's parts are encoded with special-token matching, the
// messages' parts without. A template that rewrites a message holding special-token text (so the
// fences no longer frame it) is an InputError rather than a guess. The noncharacters themselves are
// removed from messages (Unicode reserves them for a program's internal use).
//
// BOS: the rendered text is encoded without the post-processor's special tokens, as transformers
// does, so a template that writes {{ bos_token }} (Gemma 3, Llama 3) yields exactly one BOS.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "text/chat_template.h"
#include "text/hf_tokenizer.h"
#include "text/tokenizer_config.h"

namespace guardian::text {

// messages: [{"role": ..., "content": "..."}...] (content a string, or a list of {"type": "text",
// "text": ...} items). Template errors propagate (jinja::TemplateError, TemplateRaised).
std::vector<int> encode_chat(const HfTokenizer& tokenizer, const ChatTemplate& chat_template,
                             const TokenizerConfig& config, const nlohmann::ordered_json& messages,
                             bool add_generation_prompt);

// The rendered text alone (what the model is asked to continue), for display and debugging.
std::string render_chat(const ChatTemplate& chat_template, const TokenizerConfig& config,
                        const nlohmann::ordered_json& messages, bool add_generation_prompt);

}  // namespace guardian::text
