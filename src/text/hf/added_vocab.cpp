#include "text/hf/added_vocab.h"

#include <utf8proc.h>

namespace guardian::text::hf {
namespace {

std::uint64_t child_key(int node, unsigned char c) { return (static_cast<std::uint64_t>(node) << 8) | c; }

bool is_word_char(char32_t c) {
  if (c == '_') return true;
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) ||
         (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME);
}

std::size_t prev_char(const std::string& s, std::size_t i) {
  do --i; while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80);
  return i;
}

}  // namespace

void AddedVocab::Trie::insert(const std::string& s, int index) {
  if (s.empty()) return;
  int node = 0;
  for (unsigned char c : s) {
    auto [it, fresh] = children.try_emplace(child_key(node, c), static_cast<int>(terminal.size()));
    if (fresh) terminal.push_back(-1);
    node = it->second;
  }
  terminal[static_cast<std::size_t>(node)] = index;
  first_byte[static_cast<unsigned char>(s[0])] = true;
}

void AddedVocab::add(const AddedToken& token) {
  auto existing = by_content_.find(token.content);
  std::size_t index = tokens_.size();
  if (existing != by_content_.end()) {
    index = existing->second;
    tokens_[index] = token;
  } else {
    tokens_.push_back(token);
    by_content_.emplace(token.content, index);
  }
  by_id_[token.id] = index;
  (token.normalized ? normalized_ : raw_).insert(token.content, static_cast<int>(index));
  if (!token.special) (token.normalized ? normalized_plain_ : raw_plain_).insert(token.content, static_cast<int>(index));
}

const AddedToken* AddedVocab::find(int id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocab::find(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

void AddedVocab::split(Piece p, bool normalized, std::vector<Section>& out, bool match_special) const {
  const Trie& trie = match_special ? (normalized ? normalized_ : raw_) : (normalized ? normalized_plain_ : raw_plain_);
  const std::string& s = p.text;
  if (trie.children.empty() || s.empty()) {
    if (!s.empty()) out.push_back({std::move(p), -1});
    return;
  }
  std::size_t start_offset = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (!trie.first_byte[static_cast<unsigned char>(s[i])]) {
      ++i;
      continue;
    }
    // Longest token starting at i.
    int node = 0, best = -1;
    std::size_t best_end = 0;
    for (std::size_t k = i; k < s.size(); ++k) {
      auto it = trie.children.find(child_key(node, static_cast<unsigned char>(s[k])));
      if (it == trie.children.end()) break;
      node = it->second;
      if (int t = trie.terminal[static_cast<std::size_t>(node)]; t >= 0) {
        best = t;
        best_end = k + 1;
      }
    }
    if (best < 0) {
      ++i;
      continue;
    }
    const AddedToken& tok = tokens_[static_cast<std::size_t>(best)];
    std::size_t start = i, stop = best_end;
    i = best_end;
    if (tok.single_word) {
      bool start_ok = start == 0 || !is_word_char(utf8_at(s, prev_char(s, start)));
      bool stop_ok = stop == s.size() || !is_word_char(utf8_at(s, stop));
      if (!start_ok || !stop_ok) continue;
    }
    if (tok.lstrip) {
      std::size_t b = start;
      while (b > start_offset) {
        std::size_t k = prev_char(s, b);
        if (!is_unicode_space(utf8_at(s, k))) break;
        b = k;
      }
      start = b;
    }
    if (tok.rstrip) {
      while (stop < s.size() && is_unicode_space(utf8_at(s, stop))) stop += utf8_len(static_cast<unsigned char>(s[stop]));
      i = stop;
    }
    if (start_offset < start) out.push_back({slice(p, start_offset, start), -1});
    out.push_back({slice(p, start, stop), tok.id});
    start_offset = stop;
  }
  if (start_offset == 0) out.push_back({std::move(p), -1});
  else if (start_offset < s.size()) out.push_back({slice(p, start_offset, s.size()), -1});
}

}  // namespace guardian::text::hf
