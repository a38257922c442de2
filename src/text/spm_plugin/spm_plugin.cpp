// libguardian_spm.so: SentencePiece behind the SpmBackend interface (see text/spm_backend.h for
// why it is a plugin).
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include "text/spm_backend.h"

namespace guardian::text {
namespace {

class Processor : public SpmProcessor {
 public:
  bool load(const std::string& bytes, std::string* error) override {
    const auto status = sp_.LoadFromSerializedProto(bytes);
    if (!status.ok()) *error = status.ToString();
    return status.ok();
  }
  std::vector<SpmPiece> encode(const std::string& text) const override {
    const auto spt = sp_.EncodeAsImmutableProto(text);
    std::vector<SpmPiece> out;
    out.reserve(spt.pieces_size());
    for (const auto& p : spt.pieces()) out.push_back({static_cast<int>(p.id()), p.piece(), p.begin(), p.end()});
    return out;
  }
  std::string decode(const std::vector<int>& ids) const override { return sp_.DecodeIds(ids); }
  int piece_size() const override { return sp_.GetPieceSize(); }
  int piece_to_id(std::string_view piece) const override { return sp_.PieceToId(piece); }
  std::string id_to_piece(int id) const override { return sp_.IdToPiece(id); }
  bool is_control(int id) const override { return sp_.IsControl(id); }
  int pad_id() const override { return sp_.pad_id(); }
  int unk_id() const override { return sp_.unk_id(); }
  int bos_id() const override { return sp_.bos_id(); }
  int eos_id() const override { return sp_.eos_id(); }

 private:
  sentencepiece::SentencePieceProcessor sp_;
};

class Sentences : public sentencepiece::SentenceIterator {
 public:
  explicit Sentences(const std::function<bool(std::string&)>& next) : next_(next) { Next(); }
  bool done() const override { return done_; }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override { return {}; }
  void Next() override {
    value_.clear();
    done_ = !next_(value_);
  }

 private:
  const std::function<bool(std::string&)>& next_;
  std::string value_;
  bool done_ = false;
};

class Backend : public SpmBackend {
 public:
  std::unique_ptr<SpmProcessor> make_processor() override { return std::make_unique<Processor>(); }
  bool train(const std::unordered_map<std::string, std::string>& args, const std::function<bool(std::string&)>& next,
             std::string* model, std::string* error) override {
    sentencepiece::SetRandomGeneratorSeed(1);  // the same text gives the same tokenizer
    Sentences sentences(next);
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &sentences, model);
    if (!status.ok()) *error = status.ToString();
    return status.ok();
  }
};

}  // namespace
}  // namespace guardian::text

extern "C" __attribute__((visibility("default"))) guardian::text::SpmBackend* guardian_spm_backend() {
  static guardian::text::Backend backend;
  return &backend;
}
