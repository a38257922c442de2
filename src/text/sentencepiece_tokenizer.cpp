#include "text/sentencepiece_tokenizer.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <unordered_map>

#include "core/error.h"
#include "core/fs.h"
#include "text/normalize.h"

namespace guardian::text {

SentencePieceTokenizer::SentencePieceTokenizer() : sp_(spm_backend().make_processor()) {}
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::filesystem::path& path) {
  return from_bytes(core::read_file(path), path.string());
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_bytes(const std::string& model_bytes,
                                                                           const std::string& where) {
  std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
  std::string error;
  if (!tok->sp_->load(model_bytes, &error)) throw FormatError(where + ": not a valid SentencePiece model (" + error + ")");
  if (tok->sp_->piece_size() <= 0) throw FormatError(where + ": SentencePiece model has no pieces");
  tok->model_bytes_ = model_bytes;
  SpecialTokens& s = tok->specials_;
  s.pad = tok->sp_->pad_id();
  s.unk = tok->sp_->unk_id();
  s.bos = tok->sp_->bos_id();
  s.eos = tok->sp_->eos_id();
  const int mask = tok->sp_->piece_to_id(kSpMaskPiece);
  s.mask = (mask >= 0 && tok->sp_->id_to_piece(mask) == kSpMaskPiece) ? mask : -1;
  return tok;
}

void SentencePieceTokenizer::train(const std::function<bool(std::string&)>& next_sentence,
                                   const SentencePieceTrainOptions& options, const std::filesystem::path& model_path) {
  const std::string where = "SentencePiece training for " + model_path.string();
  if (options.vocab_size <= 261) throw InputError(where + ": vocab_size must exceed 261 (specials + 256 bytes)");
  if (!(options.character_coverage > 0.0 && options.character_coverage <= 1.0))
    throw InputError(where + ": character_coverage must be in (0, 1]");
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"input_sentence_size", std::to_string(options.max_sentences)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(std::max(1, options.num_threads))},
      {"max_sentence_length", std::to_string(options.max_sentence_bytes)},
      {"hard_vocab_limit", options.hard_vocab_limit ? "true" : "false"},
      {"pad_id", std::to_string(kSpPadId)},
      {"unk_id", std::to_string(kSpUnkId)},
      {"bos_id", std::to_string(kSpBosId)},
      {"eos_id", std::to_string(kSpEosId)},
      {"pad_piece", "<pad>"},
      {"unk_piece", "<unk>"},
      {"bos_piece", "<s>"},
      {"eos_piece", "</s>"},
      {"user_defined_symbols", kSpMaskPiece},
      {"byte_fallback", "true"},
      // Text arrives already through text::normalize; SentencePiece's own NFKC would undo the
      // Hangul compatibility jamo that normalize keeps.
      {"normalization_rule_name", "identity"},
      {"minloglevel", spdlog::should_log(spdlog::level::debug) ? "0" : "2"},
  };
  // Sentences are normalised here, and an exception from the caller ends the input; it is
  // rethrown once training returns (exceptions must not cross the plugin's SentencePiece code).
  std::exception_ptr failure;
  int64_t count = 0;
  std::string raw;
  const std::function<bool(std::string&)> next = [&](std::string& sentence) {
    try {
      while (true) {
        raw.clear();
        if (!next_sentence(raw)) return false;
        sentence = normalize_lossy(raw);
        if (!sentence.empty()) {
          ++count;
          return true;
        }
      }
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  };
  std::string model, error;
  const bool ok = spm_backend().train(args, next, &model, &error);
  if (failure) std::rethrow_exception(failure);
  if (!ok) throw InputError(where + " failed: " + error);
  if (model.empty()) throw InputError(where + " produced no model");
  spdlog::debug("trained SentencePiece model on {} sentences -> {}", count, model_path.string());
  core::write_file_atomic(model_path, model);
}

Encoding SentencePieceTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const NormalizedText norm = normalize_aligned(text, /*lossy=*/true);
  const auto pieces = sp_->encode(norm.text);
  Encoding enc;
  const std::size_t n = pieces.size() + (add_special_tokens ? 2 : 0);
  enc.ids.reserve(n);
  enc.tokens.reserve(n);
  enc.offsets.reserve(n);
  auto add_special = [&](int id) {
    if (id < 0) return;
    enc.ids.push_back(id);
    enc.tokens.push_back(sp_->id_to_piece(id));
    enc.offsets.emplace_back(0, 0);
  };
  if (add_special_tokens) add_special(specials_.bos);
  for (const auto& piece : pieces) {
    enc.ids.push_back(piece.id);
    enc.tokens.push_back(piece.piece);
    enc.offsets.push_back(norm.source_range(piece.begin, piece.end));
  }
  if (add_special_tokens) add_special(specials_.eos);
  return enc;
}

bool SentencePieceTokenizer::is_special(int id) const {
  return id == specials_.pad || id == specials_.bos || id == specials_.eos || id == specials_.mask ||
         sp_->is_control(id);
}

std::string SentencePieceTokenizer::decode(std::span<const int> ids, bool skip_special_tokens) const {
  const int size = sp_->piece_size();
  std::string out;
  std::vector<int> run;
  auto flush = [&] {
    if (!run.empty()) out += sp_->decode(run);
    run.clear();
  };
  for (int id : ids) {
    if (id < 0 || id >= size)
      throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (size " + std::to_string(size) + ")");
    if (is_special(id)) {
      if (skip_special_tokens) continue;
      // SentencePiece drops control pieces when decoding; show them as their text instead.
      flush();
      out += sp_->id_to_piece(id);
      continue;
    }
    run.push_back(id);
  }
  flush();
  return out;
}

int SentencePieceTokenizer::vocab_size() const { return sp_->piece_size(); }

std::optional<int> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  const int id = sp_->piece_to_id(token);
  if (id < 0 || id >= sp_->piece_size() || sp_->id_to_piece(id) != token) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::id_to_token(int id) const {
  if (id < 0 || id >= sp_->piece_size())
    throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                     std::to_string(sp_->piece_size()) + ")");
  return sp_->id_to_piece(id);
}

}  // namespace guardian::text
