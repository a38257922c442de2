// Markdown by its structure only: ATX ("## Plans") and setext (underlined) headings open sections,
// blank lines end paragraphs, fenced code stays one paragraph. Nothing is rendered, so a full
// CommonMark parser (none is in Debian's default install) would buy nothing here.
#include <string>
#include <vector>

#include "retrieve/source.h"

namespace guardian::retrieve {

namespace {

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// The level (1-6) of an ATX heading line and its text; 0 when the line is not one.
int atx_heading(std::string_view line, std::string& text) {
  const std::string_view t = trim(line);
  int level = 0;
  while (level < static_cast<int>(t.size()) && t[level] == '#') ++level;
  if (level == 0 || level > 6 || (level < static_cast<int>(t.size()) && t[level] != ' ' && t[level] != '\t')) return 0;
  std::string_view rest = trim(t.substr(level));
  while (!rest.empty() && rest.back() == '#') rest.remove_suffix(1);  // closing "##"
  text = std::string(trim(rest));
  return level;
}

// 1 for "===", 2 for "---" under a paragraph line; 0 otherwise.
int setext_underline(std::string_view line) {
  const std::string_view t = trim(line);
  if (t.empty() || t.find_first_not_of(t[0]) != std::string_view::npos) return 0;
  return t[0] == '=' ? 1 : t[0] == '-' ? 2 : 0;
}

class MarkdownReader {
 public:
  MarkdownReader(const std::string& link, const std::string& title) : link_(link), title_(title) {
    open_passage();
  }

  void line(std::string_view raw) {
    const std::string_view t = trim(raw);
    if (t.starts_with("```") || t.starts_with("~~~")) {
      end_paragraph();  // a fence opens or closes a paragraph: the code block is one
      in_fence_ = !in_fence_;
      return;
    }
    if (in_fence_) {
      paragraph_.append(raw).push_back('\n');
      paragraph_lines_++;
      return;
    }
    std::string heading;
    if (const int level = atx_heading(raw, heading)) return open_section(level, heading);
    if (const int level = setext_underline(raw); level && paragraph_lines_ == 1) {
      heading = std::string(trim(paragraph_));
      paragraph_.clear();
      paragraph_lines_ = 0;
      return open_section(level, heading);
    }
    if (blank(raw)) return end_paragraph();
    paragraph_.append(raw).push_back('\n');
    paragraph_lines_++;
  }

  std::vector<Passage> finish() {
    end_paragraph();
    close_passage();
    return std::move(passages_);
  }

 private:
  void open_section(int level, const std::string& heading) {
    end_paragraph();
    close_passage();
    // The first top-level heading names the document when no title was known from elsewhere.
    if (level == 1 && !titled_) {
      title_ = heading;
      titled_ = true;
    }
    headings_.resize(static_cast<std::size_t>(level - 1));
    headings_.push_back(heading);
    open_passage();
  }
  void open_passage() {
    std::string section;
    for (const auto& h : headings_) {
      if (h.empty()) continue;
      if (!section.empty()) section += " > ";
      section += h;
    }
    current_ = Passage{link_, title_, section, {}};
  }
  void close_passage() {
    if (!current_.paragraphs.empty()) passages_.push_back(std::move(current_));
    current_ = Passage{};
  }
  void end_paragraph() {
    add_paragraph(current_, paragraph_);
    paragraph_.clear();
    paragraph_lines_ = 0;
  }

  std::string link_, title_;
  bool titled_ = false;
  std::vector<std::string> headings_;  // by level - 1; "" for a skipped level
  Passage current_;
  std::vector<Passage> passages_;
  std::string paragraph_;
  int paragraph_lines_ = 0;
  bool in_fence_ = false;
};

}  // namespace

std::vector<Passage> markdown_passages(std::string_view bytes, const std::string& link, const std::string& title) {
  MarkdownReader reader(link, title);
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    reader.line(bytes.substr(pos, end - pos));
    pos = end + 1;
  }
  auto passages = reader.finish();
  // Passages read before the first heading carry the title the document ended up with.
  if (!passages.empty()) {
    const std::string& final_title = passages.back().title;
    for (auto& p : passages) p.title = final_title;
  }
  return passages;
}

}  // namespace guardian::retrieve
