#include "text/hf/regex.h"

#include <oniguruma.h>

#include <mutex>

#include "core/error.h"

namespace guardian::text::hf {
namespace {

void init_onig() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

// One match region per thread, so const searches can run concurrently.
OnigRegion* thread_region() {
  struct Holder {
    OnigRegion* region = onig_region_new();
    ~Holder() { onig_region_free(region, 1); }
  };
  thread_local Holder holder;
  return holder.region;
}

}  // namespace

Regex::Regex(const std::string& pattern, const std::string& where) {
  init_onig();
  OnigErrorInfo info;
  OnigRegex re = nullptr;
  const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
  int r = onig_new(&re, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                   ONIG_SYNTAX_RUBY, &info);
  if (r != ONIG_NORMAL) {
    OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(msg, r, &info);
    throw FormatError(where + ": bad regex /" + pattern +
                      "/: " + reinterpret_cast<char*>(msg));
  }
  regex_ = re;
}

Regex Regex::literal(std::string_view literal, const std::string& where) {
  std::string escaped;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}-/# \t\n\r\f\v").find(c) != std::string_view::npos) {
      if (c == '\n') { escaped += "\\n"; continue; }
      if (c == '\t') { escaped += "\\t"; continue; }
      if (c == '\r') { escaped += "\\r"; continue; }
      if (c == '\f') { escaped += "\\f"; continue; }
      if (c == '\v') { escaped += "\\v"; continue; }
      escaped.push_back('\\');
    }
    escaped.push_back(c);
  }
  return Regex(escaped, where);
}

Regex::~Regex() {
  if (regex_) onig_free(static_cast<OnigRegex>(regex_));
}

Regex::Regex(Regex&& other) noexcept : regex_(other.regex_) { other.regex_ = nullptr; }

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  auto* re = static_cast<OnigRegex>(regex_);
  OnigRegion* region = thread_region();
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* end = begin + text.size();
  std::size_t pos = 0;
  while (pos <= text.size()) {
    onig_region_clear(region);
    int r = onig_search(re, begin, end, begin + pos, end, region, ONIG_OPTION_NONE);
    if (r < 0) break;  // ONIG_MISMATCH or an error: no more matches
    auto b = static_cast<std::size_t>(region->beg[0]);
    auto e = static_cast<std::size_t>(region->end[0]);
    if (e > b) {
      out.emplace_back(b, e);
      pos = e;
    } else {
      if (b >= text.size()) break;
      pos = b + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
  return out;
}

}  // namespace guardian::text::hf
