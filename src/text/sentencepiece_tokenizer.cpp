#include "text/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <spdlog/spdlog.h>

#include <exception>
#include <unordered_map>

#include "core/error.h"
#include "core/fs.h"
#include "text/normalize.h"

namespace guardian::text {
namespace {

// Feeds the caller's sentences to the trainer, normalised, skipping empty ones. An exception from
// the caller ends the iteration and is rethrown once training returns.
class CallbackSentences : public sentencepiece::SentenceIterator {
 public:
  explicit CallbackSentences(const std::function<bool(std::string&)>& next) : next_(next) { Next(); }

  bool done() const override { return done_; }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override {
    if (error_) return sentencepiece::util::Status(sentencepiece::util::StatusCode::kInternal, "sentence source failed");
    return sentencepiece::util::Status();
  }
  void Next() override {
    try {
      while (true) {
        raw_.clear();
        if (!next_(raw_)) {
          done_ = true;
          return;
        }
        value_ = normalize_lossy(raw_);
        if (!value_.empty()) {
          ++count_;
          return;
        }
      }
    } catch (...) {
      error_ = std::current_exception();
      done_ = true;
    }
  }

  std::exception_ptr error() const { return error_; }
  int64_t count() const { return count_; }

 private:
  const std::function<bool(std::string&)>& next_;
  std::string raw_, value_;
  bool done_ = false;
  int64_t count_ = 0;
  std::exception_ptr error_;
};

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer() : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::filesystem::path& path) {
  return from_bytes(core::read_file(path), path.string());
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_bytes(const std::string& model_bytes,
                                                                           const std::string& where) {
  std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
  const auto status = tok->sp_->LoadFromSerializedProto(model_bytes);
  if (!status.ok()) throw FormatError(where + ": not a valid SentencePiece model (" + status.ToString() + ")");
  if (tok->sp_->GetPieceSize() <= 0) throw FormatError(where + ": SentencePiece model has no pieces");
  tok->model_bytes_ = model_bytes;
  SpecialTokens& s = tok->specials_;
  s.pad = tok->sp_->pad_id();
  s.unk = tok->sp_->unk_id();
  s.bos = tok->sp_->bos_id();
  s.eos = tok->sp_->eos_id();
  const int mask = tok->sp_->PieceToId(kSpMaskPiece);
  s.mask = (mask >= 0 && tok->sp_->IdToPiece(mask) == kSpMaskPiece) ? mask : -1;
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
  CallbackSentences sentences(next_sentence);
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &sentences, &model);
  if (sentences.error()) std::rethrow_exception(sentences.error());
  if (!status.ok()) throw InputError(where + " failed: " + status.ToString());
  if (model.empty()) throw InputError(where + " produced no model");
  spdlog::debug("trained SentencePiece model on {} sentences -> {}", sentences.count(), model_path.string());
  core::write_file_atomic(model_path, model);
}

Encoding SentencePieceTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const NormalizedText norm = normalize_aligned(text, /*lossy=*/true);
  const auto spt = sp_->EncodeAsImmutableProto(norm.text);
  Encoding enc;
  const std::size_t n = spt.pieces_size() + (add_special_tokens ? 2 : 0);
  enc.ids.reserve(n);
  enc.tokens.reserve(n);
  enc.offsets.reserve(n);
  auto add_special = [&](int id) {
    if (id < 0) return;
    enc.ids.push_back(id);
    enc.tokens.push_back(sp_->IdToPiece(id));
    enc.offsets.emplace_back(0, 0);
  };
  if (add_special_tokens) add_special(specials_.bos);
  for (const auto& piece : spt.pieces()) {
    enc.ids.push_back(static_cast<int>(piece.id()));
    enc.tokens.push_back(piece.piece());
    enc.offsets.push_back(norm.source_range(piece.begin(), piece.end()));
  }
  if (add_special_tokens) add_special(specials_.eos);
  return enc;
}

bool SentencePieceTokenizer::is_special(int id) const {
  return id == specials_.pad || id == specials_.bos || id == specials_.eos || id == specials_.mask ||
         sp_->IsControl(id);
}

std::string SentencePieceTokenizer::decode(std::span<const int> ids, bool skip_special_tokens) const {
  const int size = sp_->GetPieceSize();
  std::string out;
  std::vector<int> run;
  auto flush = [&] {
    if (!run.empty()) out += sp_->DecodeIds(run);
    run.clear();
  };
  for (int id : ids) {
    if (id < 0 || id >= size)
      throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (size " + std::to_string(size) + ")");
    if (is_special(id)) {
      if (skip_special_tokens) continue;
      // SentencePiece drops control pieces when decoding; show them as their text instead.
      flush();
      out += sp_->IdToPiece(id);
      continue;
    }
    run.push_back(id);
  }
  flush();
  return out;
}

int SentencePieceTokenizer::vocab_size() const { return sp_->GetPieceSize(); }

std::optional<int> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  const int id = sp_->PieceToId(token);
  if (id < 0 || id >= sp_->GetPieceSize() || sp_->IdToPiece(id) != token) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::id_to_token(int id) const {
  if (id < 0 || id >= sp_->GetPieceSize())
    throw InputError("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                     std::to_string(sp_->GetPieceSize()) + ")");
  return sp_->IdToPiece(id);
}

}  // namespace guardian::text
