// Chunking: paragraphs packed under the size limit, long paragraphs cut at spaces, overlap
// between neighbours, and every chunk keeps its passage's link, title and section.
#include <gtest/gtest.h>

#include "core/error.h"
#include "retrieve/chunker.h"
#include "text/utf8.h"

namespace guardian::retrieve {
namespace {

std::size_t chars(const std::string& s) { return text::decode_utf8(s).size(); }

std::string words(int count, const std::string& word) {
  std::string out;
  for (int i = 0; i < count; ++i) out += (i ? " " : "") + word + std::to_string(i);
  return out;
}

// The longest start of next that previous ends with, ending at a word boundary of next.
std::string overlap_of(const std::string& previous, const std::string& next) {
  for (std::size_t len = std::min(previous.size(), next.size()); len > 0; --len) {
    const bool boundary = len == next.size() || next[len] == ' ' || next[len] == '\n';
    if (boundary && previous.ends_with(next.substr(0, len))) return next.substr(0, len);
  }
  return "";
}

TEST(Chunker, ShortParagraphsShareAChunk) {
  Passage p{"a.md", "A", "Intro", {"one.", "two."}};
  const auto chunks = chunk_passages({p}, {100, 10});
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].text, "one.\n\ntwo.");
  EXPECT_EQ(chunks[0].link, "a.md");
  EXPECT_EQ(chunks[0].title, "A");
  EXPECT_EQ(chunks[0].section, "Intro");
}

TEST(Chunker, EveryChunkRespectsTheLimitAndOverlapsItsNeighbour) {
  Passage p{"a.md", "", "S", {words(200, "w"), words(50, "요금")}};
  const ChunkOptions options{120, 30};
  const auto chunks = chunk_passages({p}, options);
  ASSERT_GT(chunks.size(), 5u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_LE(chars(chunks[i].text), options.max_chars) << i;
    EXPECT_EQ(chunks[i].section, "S");
    if (i == 0) continue;
    // The next chunk starts with the end of the previous one, at most the overlap long.
    const std::string overlap = overlap_of(chunks[i - 1].text, chunks[i].text);
    EXPECT_FALSE(overlap.empty()) << "chunk " << i << " does not overlap its neighbour";
    EXPECT_LE(chars(overlap), options.overlap_chars) << i;
  }
}

TEST(Chunker, NoOverlapMeansEveryWordOnce) {
  Passage p{"a.txt", "", "", {words(100, "w")}};
  const auto chunks = chunk_passages({p}, {60, 0});
  std::string joined;
  for (const auto& c : chunks) joined += (joined.empty() ? "" : " ") + c.text;
  EXPECT_EQ(joined, words(100, "w"));
}

TEST(Chunker, ChunksNeverSpanTwoPassages) {
  Passage a{"a.md", "", "First", {"alpha"}};
  Passage b{"a.md", "", "Second", {"beta"}};
  const auto chunks = chunk_passages({a, b}, {1000, 100});
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].text, "alpha");
  EXPECT_EQ(chunks[1].text, "beta");
  EXPECT_EQ(chunks[1].section, "Second");
}

TEST(Chunker, TextWithoutSpacesIsCutAtTheLimit) {
  Passage p{"a.txt", "", "", {std::string(300, 'x')}};
  for (const auto& c : chunk_passages({p}, {100, 0})) EXPECT_LE(c.text.size(), 100u);
}

TEST(Chunker, RefusesOptionsThatCannotWork) {
  EXPECT_THROW(chunk_passages({}, {10, 0}), InputError);
  EXPECT_THROW(chunk_passages({}, {100, 60}), InputError);
}

}  // namespace
}  // namespace guardian::retrieve
