#include "text/hf/decoders.h"

#include <unordered_map>

#include "text/hf/normalizers.h"
#include "text/hf/pre_tokenizers.h"
#include "text/utf8.h"

namespace guardian::text::hf {

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    Utf8Char c = decode_utf8(bytes, i);
    if (c.valid) out.append(bytes.substr(i, c.length));
    else out += "\xEF\xBF\xBD";
    i += c.length;
  }
  return out;
}

namespace {

class ByteLevel : public Decoder {
 public:
  ByteLevel() {
    const auto& table = byte_to_unicode();
    for (int b = 0; b < 256; ++b) to_byte_[utf8_at(table[static_cast<std::size_t>(b)], 0)] = static_cast<unsigned char>(b);
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      std::string mapped;
      bool ok = true;
      for (std::size_t i = 0; i < t.size() && ok;) {
        auto it = to_byte_.find(utf8_at(t, i));
        if (it == to_byte_.end()) ok = false;
        else mapped.push_back(static_cast<char>(it->second));
        i += utf8_len(static_cast<unsigned char>(t[i]));
      }
      bytes += ok ? mapped : t;
    }
    tokens.assign(1, utf8_lossy(bytes));
  }

 private:
  std::unordered_map<char32_t, unsigned char> to_byte_;
};

class Metaspace : public Decoder {
 public:
  Metaspace(std::string rep, bool strip_first) : rep_(std::move(rep)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& t = tokens[i];
      for (std::size_t k = 0; k < t.size();) {
        if (t.compare(k, rep_.size(), rep_) == 0) {
          out.push_back(' ');
          k += rep_.size();
        } else {
          out.push_back(t[k++]);
        }
      }
      if (i == 0 && strip_first_ && !out.empty() && out[0] == ' ') out.erase(0, 1);
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string rep_;
  bool strip_first_;
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

class WordPiece : public Decoder {
 public:
  WordPiece(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (t.starts_with(prefix_)) t.erase(0, prefix_.size());
        else t.insert(0, " ");
      }
      if (cleanup_) {
        for (auto [a, b] : {std::pair{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
                            {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}})
          replace_all(t, a, b);
      }
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeSuffix : public Decoder {
 public:
  explicit BpeSuffix(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
  }

 private:
  std::string suffix_;
};

class ByteFallback : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    std::size_t count = 0;
    auto flush = [&] {
      if (count == 0) return;
      if (utf8_lossy(pending) == pending) out.push_back(pending);
      else
        for (std::size_t k = 0; k < count; ++k) out.emplace_back("\xEF\xBF\xBD");
      pending.clear();
      count = 0;
    };
    for (auto& t : tokens) {
      int byte = -1;
      if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
          std::isxdigit(static_cast<unsigned char>(t[4])))
        byte = std::stoi(t.substr(3, 2), nullptr, 16);
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
        ++count;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    tokens = std::move(out);
  }
};

class Fuse : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class Strip : public Decoder {
 public:
  Strip(std::string content, std::size_t start, std::size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      std::size_t b = 0, e = t.size();
      for (std::size_t k = 0; k < start_ && t.compare(b, content_.size(), content_) == 0 && b < e; ++k) b += content_.size();
      for (std::size_t k = 0; k < stop_ && e >= b + content_.size() && t.compare(e - content_.size(), content_.size(), content_) == 0; ++k)
        e -= content_.size();
      t = t.substr(b, e - b);
    }
  }

 private:
  std::string content_;
  std::size_t start_, stop_;
};

class Replace : public Decoder {
 public:
  Replace(Regex re, std::string content) : re_(std::move(re)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      auto matches = re_.find_all(t);
      if (matches.empty()) continue;
      std::string out;
      std::size_t prev = 0;
      for (auto [b, e] : matches) {
        out.append(t, prev, b - prev);
        out += content_;
        prev = e;
      }
      out.append(t, prev, std::string::npos);
      t = std::move(out);
    }
  }

 private:
  Regex re_;
  std::string content_;
};

class Sequence : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& s : steps_) s->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const JsonAt& j) {
  if (j.json().is_null()) return nullptr;
  const std::string type = j.type();
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "Metaspace") {
    bool strip = j.boolean_or("add_prefix_space", true);
    if (j.has("prepend_scheme")) strip = j.str("prepend_scheme") != "never";
    return std::make_unique<Metaspace>(j.str_or("replacement", "\xE2\x96\x81"), strip);
  }
  if (type == "WordPiece") return std::make_unique<WordPiece>(j.str_or("prefix", "##"), j.boolean_or("cleanup", true));
  if (type == "BPEDecoder") return std::make_unique<BpeSuffix>(j.str_or("suffix", "</w>"));
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Strip") {
    double start = j.number_or("start", 0), stop = j.number_or("stop", 0);
    if (start < 0 || stop < 0) j.fail("\"start\" and \"stop\" must not be negative");
    return std::make_unique<Strip>(j.str("content"), static_cast<std::size_t>(start), static_cast<std::size_t>(stop));
  }
  if (type == "Replace") return std::make_unique<Replace>(make_pattern(j.at("pattern")), j.str("content"));
  if (type == "Sequence") {
    JsonAt list = j.at("decoders");
    if (!list.json().is_array()) list.fail("expected an array");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (std::size_t i = 0; i < list.json().size(); ++i)
      if (auto s = make_decoder(list.at(i))) steps.push_back(std::move(s));
    return std::make_unique<Sequence>(std::move(steps));
  }
  j.unsupported(type);
}

}  // namespace guardian::text::hf
