#include "text/hf/models.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>
#include <utility>

#include "core/error.h"

namespace guardian::text::hf {

std::optional<int> Model::token_to_id(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string* Model::id_to_token(int id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= vocab_.size()) return nullptr;
  return &vocab_[static_cast<std::size_t>(id)];
}

void Model::add_token(const std::string& token, int64_t id, const JsonAt& where) {
  if (id < 0 || id > 50'000'000) where.fail("token \"" + token + "\" has a bad id " + std::to_string(id));
  if (static_cast<std::size_t>(id) >= vocab_.size()) vocab_.resize(static_cast<std::size_t>(id) + 1);
  vocab_[static_cast<std::size_t>(id)] = token;
  ids_.emplace(token, static_cast<int>(id));
}

namespace {

std::string byte_token(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

Span span_of(const Piece& w, std::size_t b, std::size_t e) { return {w.align[b].first, w.align[e - 1].second}; }

class Bpe : public Model {
 public:
  explicit Bpe(const JsonAt& j) {
    JsonAt vocab = j.at("vocab");
    if (!vocab.json().is_object()) vocab.fail("expected an object of token -> id");
    ids_.reserve(vocab.json().size());
    for (const auto& [token, id] : vocab.json().items()) {
      if (!id.is_number_integer()) vocab.fail("id of \"" + token + "\" is not an integer");
      add_token(token, id.get<int64_t>(), vocab);
    }
    if (j.has("unk_token")) {
      std::string unk = j.str("unk_token");
      if (auto id = token_to_id(unk)) unk_id_ = *id;
    }
    prefix_ = j.str_or("continuing_subword_prefix", "");
    suffix_ = j.str_or("end_of_word_suffix", "");
    fuse_unk_ = j.boolean_or("fuse_unk", false);
    byte_fallback_ = j.boolean_or("byte_fallback", false);
    ignore_merges_ = j.boolean_or("ignore_merges", false);
    if (j.has("dropout") && j.number_or("dropout", 0) > 0) j.at("dropout").fail("BPE dropout is not supported");
    for (int b = 0; b < 256; ++b) {
      auto id = token_to_id(byte_token(static_cast<unsigned char>(b)));
      byte_ids_[static_cast<std::size_t>(b)] = id ? *id : -1;
    }
    JsonAt merges = j.at("merges");
    if (!merges.json().is_array()) merges.fail("expected an array");
    const auto& m = merges.json();
    merges_.reserve(m.size() * 2);
    for (std::size_t i = 0; i < m.size(); ++i) {
      std::string a, b;
      if (m[i].is_string()) {
        const auto& s = m[i].get_ref<const std::string&>();
        auto sp = s.find(' ');
        if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
          merges.at(i).fail("expected \"left right\"");
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else if (m[i].is_array() && m[i].size() == 2 && m[i][0].is_string() && m[i][1].is_string()) {
        a = m[i][0].get<std::string>();
        b = m[i][1].get<std::string>();
      } else {
        merges.at(i).fail("expected \"left right\" or [\"left\", \"right\"]");
      }
      auto ia = token_to_id(a), ib = token_to_id(b);
      std::string prefix_stripped = b.starts_with(prefix_) ? b.substr(prefix_.size()) : b;
      auto in = token_to_id(a + prefix_stripped);
      if (!ia || !ib) merges.at(i).fail("merge part \"" + (ia ? b : a) + "\" is not in the vocabulary");
      if (!in) merges.at(i).fail("merged token \"" + a + prefix_stripped + "\" is not in the vocabulary");
      merges_.insert_or_assign(key(*ia, *ib), MergeInfo{static_cast<int>(i), *in});  // a repeated pair keeps its last rank, as HF and the JS port
    }
  }

  void tokenize(const Piece& word, std::vector<ModelToken>& out) const override {
    const std::string& w = word.text;
    if (w.empty()) return;
    if (ignore_merges_) {
      if (auto id = token_to_id(w)) {
        out.push_back({*id, span_of(word, 0, w.size())});
        return;
      }
    }
    std::vector<Sym> syms;
    if (!cache_lookup(w, syms)) {
      syms = merge_word(w);
      if (w.size() < kMaxCachedLength) cache_store(w, syms);
    }
    std::size_t pos = 0;
    for (const auto& s : syms) {
      out.push_back({s.id, span_of(word, pos, pos + s.len)});
      pos += s.len;
    }
  }

 private:
  struct MergeInfo {
    int rank;
    int new_id;
  };
  struct Sym {
    int id;
    std::uint32_t len;  // bytes of the word it covers
  };
  static constexpr std::size_t kMaxCachedLength = 256;
  static constexpr std::size_t kCacheCapacity = 10000;
  static std::uint64_t key(int a, int b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }

  bool cache_lookup(const std::string& w, std::vector<Sym>& syms) const {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(w);
    if (it == cache_.end()) return false;
    syms = it->second;
    return true;
  }
  void cache_store(const std::string& w, const std::vector<Sym>& syms) const {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(w, syms);
  }

  // Hugging Face's BPE::merge_word: characters (or their bytes, or unk) then the merge loop.
  std::vector<Sym> merge_word(const std::string& w) const {
    std::vector<Sym> syms;
    syms.reserve(w.size());
    std::optional<Sym> unk;
    std::string s;
    for (std::size_t i = 0; i < w.size();) {
      std::size_t n = std::min(utf8_len(static_cast<unsigned char>(w[i])), w.size() - i);
      const bool first = i == 0, last = i + n == w.size();
      std::optional<int> id;
      if ((first || prefix_.empty()) && (!last || suffix_.empty())) {
        id = token_to_id(std::string_view(w).substr(i, n));
      } else {
        s.clear();
        if (!first) s += prefix_;
        s.append(w, i, n);
        if (last) s += suffix_;
        id = token_to_id(s);
      }
      if (id) {
        if (unk) syms.push_back(*std::exchange(unk, std::nullopt));
        syms.push_back({*id, static_cast<std::uint32_t>(n)});
      } else {
        bool done = false;
        if (byte_fallback_) {
          std::string_view bytes = (first || prefix_.empty()) && (!last || suffix_.empty())
                                       ? std::string_view(w).substr(i, n) : std::string_view(s);
          bool all = true;
          for (unsigned char c : bytes) all = all && byte_ids_[c] >= 0;
          if (all) {
            // One symbol per byte; a prefix or suffix byte covers no input (length 0 is not allowed,
            // so the first byte takes the character).
            std::size_t left = n;
            for (unsigned char c : bytes) {
              std::uint32_t take = left > 0 ? 1 : 0;
              left -= take;
              syms.push_back({byte_ids_[c], take});
            }
            if (left > 0) syms.back().len += static_cast<std::uint32_t>(left);
            done = true;
          }
        }
        if (!done && unk_id_) {
          if (unk && fuse_unk_) {
            unk->len += static_cast<std::uint32_t>(n);
          } else {
            if (unk) syms.push_back(*unk);
            unk = Sym{*unk_id_, static_cast<std::uint32_t>(n)};
          }
        }
      }
      i += n;
    }
    if (unk) syms.push_back(*unk);
    if (syms.size() < 2) return syms;
    return merge_all(std::move(syms));
  }

  std::vector<Sym> merge_all(std::vector<Sym> syms) const {
    struct Node {
      int id;
      std::uint32_t len;
      int prev, next;
    };
    struct Merge {
      int rank;
      int pos;
      int new_id;
      bool operator<(const Merge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    const int n = static_cast<int>(syms.size());
    std::vector<Node> nodes(syms.size());
    for (int i = 0; i < n; ++i) nodes[static_cast<std::size_t>(i)] = {syms[static_cast<std::size_t>(i)].id, syms[static_cast<std::size_t>(i)].len, i - 1, i + 1 < n ? i + 1 : -1};
    std::vector<Merge> heap;
    heap.reserve(syms.size());
    auto find = [&](int a, int b) -> const MergeInfo* {
      auto it = merges_.find(key(a, b));
      return it == merges_.end() ? nullptr : &it->second;
    };
    for (int i = 0; i + 1 < n; ++i)
      if (auto* m = find(nodes[static_cast<std::size_t>(i)].id, nodes[static_cast<std::size_t>(i + 1)].id))
        heap.push_back({m->rank, i, m->new_id});
    std::make_heap(heap.begin(), heap.end());
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end());
      Merge top = heap.back();
      heap.pop_back();
      Node& cur = nodes[static_cast<std::size_t>(top.pos)];
      if (cur.len == 0 || cur.next < 0) continue;
      Node& right = nodes[static_cast<std::size_t>(cur.next)];
      auto* m = find(cur.id, right.id);
      if (!m || m->new_id != top.new_id) continue;
      cur.id = top.new_id;
      cur.len += right.len;
      right.len = 0;
      cur.next = right.next;
      if (cur.next >= 0) nodes[static_cast<std::size_t>(cur.next)].prev = top.pos;
      if (cur.prev >= 0) {
        if (auto* pm = find(nodes[static_cast<std::size_t>(cur.prev)].id, cur.id)) {
          heap.push_back({pm->rank, cur.prev, pm->new_id});
          std::push_heap(heap.begin(), heap.end());
        }
      }
      if (cur.next >= 0) {
        if (auto* nm = find(cur.id, nodes[static_cast<std::size_t>(cur.next)].id)) {
          heap.push_back({nm->rank, top.pos, nm->new_id});
          std::push_heap(heap.begin(), heap.end());
        }
      }
    }
    std::vector<Sym> out;
    for (int i = 0; i >= 0; i = nodes[static_cast<std::size_t>(i)].next)
      out.push_back({nodes[static_cast<std::size_t>(i)].id, nodes[static_cast<std::size_t>(i)].len});
    return out;
  }

  std::string prefix_, suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  std::array<int, 256> byte_ids_{};
  std::unordered_map<std::uint64_t, MergeInfo> merges_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<Sym>> cache_;
};

class WordPiece : public Model {
 public:
  explicit WordPiece(const JsonAt& j) {
    JsonAt vocab = j.at("vocab");
    if (!vocab.json().is_object()) vocab.fail("expected an object of token -> id");
    for (const auto& [token, id] : vocab.json().items()) {
      if (!id.is_number_integer()) vocab.fail("id of \"" + token + "\" is not an integer");
      add_token(token, id.get<int64_t>(), vocab);
    }
    std::string unk = j.str_or("unk_token", "[UNK]");
    auto id = token_to_id(unk);
    if (!id) j.fail("unk_token \"" + unk + "\" is not in the vocabulary");
    unk_id_ = *id;
    prefix_ = j.str_or("continuing_subword_prefix", "##");
    max_chars_ = static_cast<std::size_t>(j.number_or("max_input_chars_per_word", 100));
  }

  void tokenize(const Piece& word, std::vector<ModelToken>& out) const override {
    const std::string& w = word.text;
    if (w.empty()) return;
    std::size_t chars = 0;
    for (unsigned char c : w) chars += (c & 0xC0) != 0x80;
    const std::size_t mark = out.size();
    if (chars <= max_chars_) {
      std::string sub;
      for (std::size_t start = 0; start < w.size();) {
        std::size_t end = w.size();
        std::optional<int> found;
        while (start < end) {
          sub.clear();
          if (start > 0) sub += prefix_;
          sub.append(w, start, end - start);
          if ((found = token_to_id(sub))) break;
          do --end; while (end > start && (static_cast<unsigned char>(w[end]) & 0xC0) == 0x80);
        }
        if (!found) {
          out.resize(mark);
          break;
        }
        out.push_back({*found, span_of(word, start, end)});
        start = end;
      }
      if (out.size() > mark) return;
    }
    out.push_back({*unk_id_, span_of(word, 0, w.size())});
  }

 private:
  std::string prefix_;
  std::size_t max_chars_ = 100;
};

class Unigram : public Model {
 public:
  explicit Unigram(const JsonAt& j) {
    JsonAt vocab = j.at("vocab");
    if (!vocab.json().is_array()) vocab.fail("expected an array of [token, score]");
    const auto& v = vocab.json();
    scores_.reserve(v.size());
    min_score_ = std::numeric_limits<double>::max();
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_array() || v[i].size() != 2 || !v[i][0].is_string() || !v[i][1].is_number())
        vocab.at(i).fail("expected [token, score]");
      std::string token = v[i][0].get<std::string>();
      double score = v[i][1].get<double>();
      add_token(token, static_cast<int>(i), vocab);
      scores_.push_back(score);
      min_score_ = std::min(min_score_, score);
      insert_trie(token, static_cast<int>(i));
    }
    if (j.has("unk_id")) {
      double u = j.number_or("unk_id", 0);
      if (u < 0 || u >= static_cast<double>(v.size())) j.at("unk_id").fail("out of range");
      unk_id_ = static_cast<int>(u);
    }
    byte_fallback_ = j.boolean_or("byte_fallback", false);
  }

  void tokenize(const Piece& word, std::vector<ModelToken>& out) const override {
    const std::string& w = word.text;
    if (w.empty()) return;
    struct Best {
      double score = 0;
      int start = -1;  // -1: unreached
      int id = -1;
    };
    const std::size_t n = w.size();
    std::vector<Best> best(n + 1);
    best[0].start = 0;
    const double unk_score = min_score_ - 10.0;
    for (std::size_t pos = 0; pos < n;) {
      const std::size_t mblen = std::min(utf8_len(static_cast<unsigned char>(w[pos])), n - pos);
      const double here = best[pos].score;
      bool single = false;
      int node = 0;
      for (std::size_t k = pos; k < n; ++k) {
        auto it = trie_.find(child_key(node, static_cast<unsigned char>(w[k])));
        if (it == trie_.end()) break;
        node = it->second;
        int id = terminal_[static_cast<std::size_t>(node)];
        if (id < 0) continue;
        Best& t = best[k + 1];
        double cand = scores_[static_cast<std::size_t>(id)] + here;
        if (t.start < 0 || cand > t.score) t = {cand, static_cast<int>(pos), id};
        if (k + 1 - pos == mblen) single = true;
      }
      if (!single) {
        Best& t = best[pos + mblen];
        double cand = unk_score + here;
        if (t.start < 0 || cand > t.score) t = {cand, static_cast<int>(pos), unk_id_ ? *unk_id_ : -2};
      }
      pos += mblen;
    }
    // Backtrack, fusing consecutive unknown pieces.
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    std::vector<int> ids;
    for (std::size_t e = n; e > 0;) {
      const Best& b = best[e];
      auto s = static_cast<std::size_t>(b.start);
      bool is_unk = b.id == -2 || (unk_id_ && b.id == *unk_id_);
      if (is_unk && !ids.empty() && (ids.back() == -2 || (unk_id_ && ids.back() == *unk_id_))) {
        ranges.back().first = s;
      } else {
        ranges.emplace_back(s, e);
        ids.push_back(b.id);
      }
      e = s;
    }
    for (std::size_t i = ranges.size(); i-- > 0;) {
      auto [b, e] = ranges[i];
      int id = ids[i];
      bool is_unk = id == -2 || (unk_id_ && id == *unk_id_);
      if (is_unk && byte_fallback_) {
        std::vector<int> bytes;
        for (std::size_t k = b; k < e; ++k)
          if (auto bid = token_to_id(byte_token(static_cast<unsigned char>(w[k])))) bytes.push_back(*bid);
        if (bytes.size() == e - b) {
          for (std::size_t k = b; k < e; ++k) out.push_back({bytes[k - b], span_of(word, k, k + 1)});
          continue;
        }
      }
      if (id == -2) throw FormatError("$.model.unk_id: needed for \"" + w.substr(b, e - b) + "\" but not set");
      out.push_back({id, span_of(word, b, e)});
    }
  }

 private:
  static std::uint64_t child_key(int node, unsigned char c) { return (static_cast<std::uint64_t>(node) << 8) | c; }
  void insert_trie(const std::string& token, int id) {
    if (terminal_.empty()) terminal_.push_back(-1);
    int node = 0;
    for (unsigned char c : token) {
      auto [it, fresh] = trie_.try_emplace(child_key(node, c), static_cast<int>(terminal_.size()));
      if (fresh) terminal_.push_back(-1);
      node = it->second;
    }
    if (!token.empty() && terminal_[static_cast<std::size_t>(node)] < 0) terminal_[static_cast<std::size_t>(node)] = id;
  }

  std::vector<double> scores_;
  double min_score_ = 0;
  bool byte_fallback_ = false;
  std::unordered_map<std::uint64_t, int> trie_;  // (node, byte) -> child node
  std::vector<int> terminal_;                    // node -> token id, or -1
};

}  // namespace

std::unique_ptr<Model> make_model(const JsonAt& j) {
  std::string type;
  if (j.has("type")) {
    type = j.type();
  } else if (j.has("vocab") && j.at("vocab").json().is_array()) {
    type = "Unigram";
  } else if (j.has("merges")) {
    type = "BPE";
  } else if (j.has("vocab")) {
    type = "WordPiece";
  } else {
    j.fail("missing field \"type\"");
  }
  if (type == "BPE") return std::make_unique<Bpe>(j);
  if (type == "WordPiece") return std::make_unique<WordPiece>(j);
  if (type == "Unigram") return std::make_unique<Unigram>(j);
  j.unsupported(type);
}

}  // namespace guardian::text::hf
