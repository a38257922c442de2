// The text of a sequence as its tokens arrive: decoded incrementally, cut at the first stop string
// (matched in the decoded text, so across token boundaries), and released to a streaming reader
// only in whole UTF-8 characters and never while it could still be the start of a stop string.
// No torch here.
#pragma once

#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace guardian::generate {

class TextStream {
 public:
  // stop_strings: non-empty UTF-8 strings; the text ends before the first one found.
  TextStream(const text::Tokenizer& tokenizer, std::vector<std::string> stop_strings);

  // Adds a generated token; returns the text newly safe to show (possibly empty).
  std::string push(int id);
  // At the end of generation: whatever was held back (a partial stop string, a trailing
  // replacement character).
  std::string finish();

  bool stopped() const { return !stop_.empty(); }
  const std::string& stop_string() const { return stop_; }  // the stop string found, or ""
  const std::string& text() const { return text_; }         // all the text so far, cut at a stop string

 private:
  // Bytes of text_ that may be shown now.
  size_t safe_end() const;
  std::string decode_window(size_t from, size_t to) const;
  // Appends to text_ what the tokens since read_offset_ add, when it is whole characters (or,
  // with flush, whatever it is); false when they add nothing yet.
  bool append_settled(bool flush);
  // Cuts text_ at the first stop string that ends past byte `searched`; true when one did.
  bool cut_at_stop(size_t searched);
  std::string release(size_t end);  // text_ from emitted_ to end, marked emitted

  const text::Tokenizer& tokenizer_;
  std::vector<std::string> stop_strings_;
  std::vector<int> ids_;
  std::string text_;
  std::string stop_;
  size_t emitted_ = 0;        // bytes of text_ already returned
  size_t prefix_offset_ = 0;  // ids_ from here give the decoding context of the next tokens
  size_t read_offset_ = 0;    // ids_ before this are settled in text_
};

// Bytes of `text` up to and not including a trailing incomplete UTF-8 sequence or a trailing run
// of U+FFFD (what a decoder writes for bytes that a later token may complete).
size_t complete_utf8_end(const std::string& text);

}  // namespace guardian::generate
