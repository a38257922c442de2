#include "text/hf_tokenizer.h"

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "text/hf/decoders.h"
#include "text/hf/models.h"
#include "text/hf/normalizers.h"
#include "text/hf/post_processors.h"
#include "text/hf/pre_tokenizers.h"
#include "text/utf8.h"

namespace guardian::text {

using hf::JsonAt;
using hf::Piece;
using hf::Span;

HfTokenizer::HfTokenizer() = default;
HfTokenizer::~HfTokenizer() = default;

std::unique_ptr<HfTokenizer> HfTokenizer::load(const std::filesystem::path& path, HfTokenizerOptions options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open tokenizer file " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return from_json_string(buf.str(), options, path.string());
}

std::unique_ptr<HfTokenizer> HfTokenizer::from_json_string(std::string_view text, HfTokenizerOptions options,
                                                           const std::string& origin) {
  hf::Json json;
  try {
    json = hf::Json::parse(text.begin(), text.end());
  } catch (const hf::Json::parse_error& e) {
    throw FormatError(origin + ": not valid JSON (byte " + std::to_string(e.byte) + "): " + e.what());
  } catch (const hf::Json::exception& e) {  // out_of_range: a number like 1e999 that no double holds
    throw FormatError(origin + ": not valid JSON: " + e.what());
  }
  std::unique_ptr<HfTokenizer> t(new HfTokenizer());
  t->options_ = options;
  try {
    JsonAt root(json, "$");
    if (!json.is_object()) root.fail("expected an object");
    static const hf::Json kNull;
    auto part = [&](const char* key) { return root.has(key) ? root.at(key) : JsonAt(kNull, std::string("$.") + key); };
    t->normalizer_ = hf::make_normalizer(part("normalizer"));
    t->pre_tokenizer_ = hf::make_pre_tokenizer(part("pre_tokenizer"));
    t->model_ = hf::make_model(root.at("model"));
    t->post_processor_ = hf::make_post_processor(part("post_processor"));
    t->decoder_ = hf::make_decoder(part("decoder"));
    if (root.has("added_tokens")) {
      JsonAt list = root.at("added_tokens");
      if (!list.json().is_array()) list.fail("expected an array");
      for (std::size_t i = 0; i < list.json().size(); ++i) {
        JsonAt a = list.at(i);
        hf::AddedToken tok;
        tok.content = a.str("content");
        JsonAt id = a.at("id");
        if (!id.json().is_number_integer() || id.json().get<long long>() < 0 || id.json().get<long long>() > 50'000'000)
          id.fail("expected a non-negative integer id");
        tok.id = id.json().get<int>();
        tok.special = a.boolean_or("special", false);
        tok.lstrip = a.boolean_or("lstrip", false);
        tok.rstrip = a.boolean_or("rstrip", false);
        tok.single_word = a.boolean_or("single_word", false);
        tok.normalized = a.boolean_or("normalized", !tok.special);
        if (tok.content.empty()) a.at("content").fail("must not be empty");
        if (!hf::is_valid_utf8(tok.content)) a.at("content").fail("is not valid UTF-8");
        t->added_.add(tok);
      }
    }
  } catch (const FormatError& e) {
    throw FormatError(origin + ": " + e.what());
  } catch (const UnsupportedError& e) {
    throw UnsupportedError(origin + ": " + e.what());
  } catch (const hf::Json::exception& e) {
    throw FormatError(origin + ": " + e.what());
  }
  // Special tokens: what the post-processor adds, else the usual names.
  auto first_of = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (auto id = t->token_to_id(n)) return *id;
    return -1;
  };
  SpecialTokens& s = t->special_;
  s.bos = t->post_processor_ ? t->post_processor_->leading_special() : -1;
  s.eos = t->post_processor_ ? t->post_processor_->trailing_special() : -1;
  if (s.bos < 0) s.bos = first_of({"<s>", "<bos>", "[CLS]", "<|begin_of_text|>"});
  if (s.eos < 0) s.eos = first_of({"</s>", "<eos>", "[SEP]", "<|end_of_text|>", "<|endoftext|>"});
  s.pad = first_of({"<pad>", "[PAD]", "<|finetune_right_pad_id|>", "<|endoftext|>"});
  s.mask = first_of({"<mask>", "[MASK]"});
  s.unk = t->model_->unk_id() ? *t->model_->unk_id() : first_of({"<unk>", "[UNK]"});
  return t;
}

Encoding HfTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return encode(text, add_special_tokens, /*match_special_tokens=*/true);
}

Encoding HfTokenizer::encode(std::string_view text, bool add_special_tokens, bool match_special_tokens) const {
  if (text.size() > 0xFFFFFFF0u) throw InputError("text of " + std::to_string(text.size()) + " bytes is too long to tokenize");
  // Input -> one piece aligned to the input (invalid UTF-8 is an error, or U+FFFD).
  Piece input;
  if (hf::is_valid_utf8(text)) {
    input = hf::make_piece(text, 0);
  } else {
    if (!options_.replace_invalid_utf8) {
      std::size_t i = 0;
      while (i < text.size()) {
        Utf8Char c = decode_utf8(text, i);
        if (!c.valid) break;
        i += c.length;
      }
      throw InputError("text is not valid UTF-8 (byte " + std::to_string(i) + ")");
    }
    for (std::size_t i = 0; i < text.size();) {
      Utf8Char c = decode_utf8(text, i);
      Span src{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + c.length)};
      hf::append_aligned(input, c.valid ? text.substr(i, c.length) : std::string_view("\xEF\xBF\xBD"), src);
      i += c.length;
    }
  }

  std::vector<hf::Section> raw, sections;
  added_.split(std::move(input), false, raw, match_special_tokens);
  for (auto& sec : raw) {
    if (sec.added_id >= 0) {
      sections.push_back(std::move(sec));
      continue;
    }
    if (normalizer_) normalizer_->normalize(sec.piece);
    if (!sec.piece.text.empty()) added_.split(std::move(sec.piece), true, sections, match_special_tokens);
  }

  Encoding enc;
  std::vector<hf::ModelToken> toks;
  std::vector<Piece> words;
  bool first = true;
  for (auto& sec : sections) {
    if (sec.added_id >= 0) {
      Span o{sec.piece.align.front().first, sec.piece.align.back().second};
      toks.push_back({sec.added_id, o});
    } else {
      words.clear();
      words.push_back(std::move(sec.piece));
      if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(words, first);
      for (const auto& w : words) model_->tokenize(w, toks);
    }
    first = false;
  }
  enc.ids.reserve(toks.size() + 2);
  enc.tokens.reserve(toks.size() + 2);
  enc.offsets.reserve(toks.size() + 2);
  for (const auto& t : toks) {
    enc.ids.push_back(t.id);
    enc.tokens.push_back(id_to_token(t.id));
    enc.offsets.emplace_back(t.offsets.first, t.offsets.second);
  }
  if (post_processor_) post_processor_->process(enc, add_special_tokens);
  return enc;
}

std::string HfTokenizer::decode(std::span<const int> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int id : ids) {
    const hf::AddedToken* a = added_.find(id);
    if (a) {
      if (skip_special_tokens && a->special) continue;
      tokens.push_back(a->content);
    } else if (const std::string* t = model_->id_to_token(id); t && !t->empty()) {
      tokens.push_back(*t);
    }
  }
  if (!decoder_) {
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i) out.push_back(' ');
      out += tokens[i];
    }
    return out;
  }
  decoder_->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

int HfTokenizer::vocab_size() const {
  int n = model_->vocab_size();
  for (const auto& a : added_.tokens()) n = std::max(n, a.id + 1);
  return n;
}

std::optional<int> HfTokenizer::token_to_id(std::string_view token) const {
  if (const hf::AddedToken* a = added_.find(token)) return a->id;
  return model_->token_to_id(token);
}

std::string HfTokenizer::id_to_token(int id) const {
  if (const hf::AddedToken* a = added_.find(id)) return a->content;
  const std::string* t = model_->id_to_token(id);
  return t ? *t : std::string();
}

}  // namespace guardian::text
