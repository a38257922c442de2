// HTML through libxml2's forgiving HTML parser (Debian's libxml2): <title> names the document,
// <h1>..<h6> open sections, block elements end paragraphs, scripts and styles are dropped.
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "core/error.h"
#include "retrieve/source.h"
#include "text/normalize.h"

namespace guardian::retrieve {

namespace {

const std::set<std::string> kSkipped = {"script", "style", "noscript", "template", "head"};
const std::set<std::string> kBlocks = {"p",      "div",     "li",      "ul",    "ol",         "br",     "tr",
                                       "td",     "th",      "table",   "pre",   "blockquote", "section", "article",
                                       "header", "footer",  "main",    "nav",   "aside",      "figure", "figcaption",
                                       "dd",     "dt",      "dl",      "hr",    "form",       "body",   "details",
                                       "summary", "caption", "address"};

std::string name_of(const xmlNode* node) { return node->name ? reinterpret_cast<const char*>(node->name) : ""; }

std::string text_of(xmlNode* node) {
  std::unique_ptr<xmlChar, decltype(xmlFree)> content(xmlNodeGetContent(node), xmlFree);
  return content ? reinterpret_cast<const char*>(content.get()) : "";
}

class HtmlReader {
 public:
  HtmlReader(const std::string& link, std::string title) : link_(link), title_(std::move(title)) {
    current_ = Passage{link_, "", "", {}};
  }

  void walk(xmlNode* node) {
    for (; node; node = node->next) {
      if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
        paragraph_ += text_of(node);
        continue;
      }
      if (node->type != XML_ELEMENT_NODE) continue;
      const std::string name = name_of(node);
      if (name == "title" && !titled_) {
        title_ = text_of(node);
        titled_ = true;
        continue;
      }
      if (kSkipped.count(name)) {
        if (name == "head") walk(node->children);  // for its <title>; its other text is dropped
        continue;
      }
      if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
        open_section(name[1] - '0', text_of(node));
        continue;
      }
      const bool block = kBlocks.count(name) > 0;
      if (block) end_paragraph();
      walk(node->children);
      if (block) end_paragraph();
    }
  }

  std::vector<Passage> finish() {
    end_paragraph();
    close_passage();
    for (auto& p : passages_) p.title = title_;
    return std::move(passages_);
  }

 private:
  void open_section(int level, const std::string& heading) {
    end_paragraph();
    close_passage();
    headings_.resize(static_cast<std::size_t>(level - 1));
    headings_.push_back(text::normalize_lossy(heading));
    std::string section;
    for (const auto& h : headings_) {
      if (h.empty()) continue;
      if (!section.empty()) section += " > ";
      section += h;
    }
    current_ = Passage{link_, "", section, {}};
  }
  void close_passage() {
    if (!current_.paragraphs.empty()) passages_.push_back(std::move(current_));
    current_ = Passage{link_, "", "", {}};
  }
  void end_paragraph() {
    add_paragraph(current_, paragraph_);
    paragraph_.clear();
  }

  std::string link_, title_;
  bool titled_ = false;
  std::vector<std::string> headings_;
  Passage current_;
  std::vector<Passage> passages_;
  std::string paragraph_;
};

}  // namespace

std::vector<Passage> html_passages(std::string_view bytes, const std::string& link, const std::string& title) {
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), link.c_str(), "UTF-8", options), xmlFreeDoc);
  if (!doc) {
    if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
    throw InputError(link + ": not readable as HTML");
  }
  HtmlReader reader(link, title);
  reader.walk(xmlDocGetRootElement(doc.get()));
  return reader.finish();
}

}  // namespace guardian::retrieve
