// The boundary to libsentencepiece. Debian's libsentencepiece exports its own bundled copy of
// protobuf-lite, which clashes with the libprotobuf that libtorch loads: a process holding both
// crashes while loading. So SentencePiece lives in a small plugin (libguardian_spm.so) that is
// opened with RTLD_LOCAL | RTLD_DEEPBIND, keeping its protobuf symbols to itself; this header is
// the plugin's whole interface (plain C++ types, virtual calls, no SentencePiece types).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace guardian::text {

struct SpmPiece {
  int id = 0;               // vocabulary id
  std::string piece;        // the piece's text
  std::size_t begin = 0;    // byte range in the encoded text
  std::size_t end = 0;
};

// One loaded SentencePiece model.
class SpmProcessor {
 public:
  virtual ~SpmProcessor() = default;
  // false with *error set when the bytes are not a model.
  virtual bool load(const std::string& model_bytes, std::string* error) = 0;
  virtual std::vector<SpmPiece> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int>& ids) const = 0;
  virtual int piece_size() const = 0;
  virtual int piece_to_id(std::string_view piece) const = 0;
  virtual std::string id_to_piece(int id) const = 0;
  virtual bool is_control(int id) const = 0;
  virtual int pad_id() const = 0;
  virtual int unk_id() const = 0;
  virtual int bos_id() const = 0;
  virtual int eos_id() const = 0;
};

class SpmBackend {
 public:
  virtual ~SpmBackend() = default;
  virtual std::unique_ptr<SpmProcessor> make_processor() = 0;
  // Trains with SentencePiece's flags; next_sentence returns false at the end (it must not
  // throw). false with *error set when training fails.
  virtual bool train(const std::unordered_map<std::string, std::string>& args,
                     const std::function<bool(std::string&)>& next_sentence, std::string* model,
                     std::string* error) = 0;
};

// The plugin, loaded on first use: the path set_spm_plugin_path named, the build's own copy, or
// lib/ beside the executable's folder. UnsupportedError saying where it looked when none loads.
SpmBackend& spm_backend();
// Names the plugin to try first (the CLI passes $GUARDIAN_SPM_PLUGIN); call before the first load.
void set_spm_plugin_path(const std::string& path);

}  // namespace guardian::text

// The plugin's one exported symbol.
extern "C" guardian::text::SpmBackend* guardian_spm_backend();
