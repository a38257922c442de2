// Which columns of a CSV file or keys of a JSON Lines file hold a passage's text, title, link and
// section: a small TOML card beside the documents, as data set cards name a data file's columns.
//
//   text = "Explanation"      # required column: the passage's text (default "text")
//   title = "Question"        # optional columns; "" = none (defaults "title", "link", "section";
//   link = "Source"           #   a default column a file lacks reads as empty, a named one is
//   section = "Section"       #   an error naming the file and line)
#pragma once

#include <filesystem>
#include <string>

namespace guardian::retrieve {

struct SourceCard {
  std::string text = "text";        // column holding the passage
  std::string title = "title";      // column holding the document's title
  std::string link = "link";        // column holding the passage's link (URL, spec, file)
  std::string section = "section";  // column holding the section within the document
  bool named = false;               // read from a card: its columns must exist in every row

  // A stable description of the card, part of each row file's fingerprint: changing the card
  // re-reads the files it applies to.
  std::string fingerprint() const;
};

// ConfigError naming the file and line on an unknown key or a value of the wrong type.
SourceCard load_source_card(const std::filesystem::path& path);

}  // namespace guardian::retrieve
