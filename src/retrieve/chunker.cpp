#include "retrieve/chunker.h"

#include "core/error.h"
#include "text/utf8.h"

namespace guardian::retrieve {

namespace {

bool is_space(char32_t c) { return c == U' ' || c == U'\n' || c == U'\t'; }

// A paragraph as segments of at most limit characters, cut after the last space that fits (or at
// the limit when a run has no space, as unspaced scripts do).
std::vector<std::u32string> segments(const std::u32string& paragraph, std::size_t limit) {
  std::vector<std::u32string> out;
  std::size_t begin = 0;
  while (paragraph.size() - begin > limit) {
    std::size_t cut = begin + limit;
    std::size_t space = cut;
    while (space > begin && !is_space(paragraph[space])) --space;
    if (space > begin) cut = space;
    out.push_back(paragraph.substr(begin, cut - begin));
    begin = cut;
    while (begin < paragraph.size() && is_space(paragraph[begin])) ++begin;
  }
  if (begin < paragraph.size()) out.push_back(paragraph.substr(begin));
  return out;
}

// The last `overlap` characters of a chunk, starting after a space when there is one in them.
std::u32string tail(const std::u32string& chunk, std::size_t overlap) {
  if (overlap == 0) return {};
  if (chunk.size() <= overlap) return chunk;
  std::size_t begin = chunk.size() - overlap;
  std::size_t space = begin;
  while (space < chunk.size() && !is_space(chunk[space])) ++space;
  if (space < chunk.size()) begin = space;
  while (begin < chunk.size() && is_space(chunk[begin])) ++begin;
  return chunk.substr(begin);
}

}  // namespace

void ChunkOptions::validate() const {
  if (max_chars < 20) throw InputError("the chunk size must be at least 20 characters");
  if (overlap_chars > max_chars / 2) throw InputError("the chunk overlap must be at most half the chunk size");
}

std::string ChunkOptions::fingerprint() const {
  return "max=" + std::to_string(max_chars) + ";overlap=" + std::to_string(overlap_chars);
}

std::vector<Chunk> chunk_passages(const std::vector<Passage>& passages, const ChunkOptions& options) {
  options.validate();
  // Segments leave room for the overlap and the blank line after it, so both and one segment fit.
  const std::size_t segment_limit = options.max_chars - options.overlap_chars - 2;
  std::vector<Chunk> out;
  for (const Passage& passage : passages) {
    std::u32string current;
    bool has_new_text = false;  // current holds more than the previous chunk's overlap
    auto emit = [&] {
      if (!has_new_text) return;
      out.push_back({passage.link, passage.title, passage.section, text::encode_utf8(current)});
      current = tail(current, options.overlap_chars);
      has_new_text = false;
    };
    for (const std::string& paragraph : passage.paragraphs) {
      for (std::u32string& segment : segments(text::decode_utf8(paragraph), segment_limit)) {
        const std::size_t joined = current.empty() ? segment.size() : current.size() + 2 + segment.size();
        if (joined > options.max_chars) emit();
        if (!current.empty()) current += U"\n\n";
        current += segment;
        has_new_text = true;
      }
    }
    emit();
  }
  return out;
}

}  // namespace guardian::retrieve
