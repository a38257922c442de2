#include "retrieve/source_card.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/toml_table.h"

namespace guardian::retrieve {

std::string SourceCard::fingerprint() const {
  return "text=" + text + ";title=" + title + ";link=" + link + ";section=" + section + (named ? ";named" : "");
}

SourceCard load_source_card(const std::filesystem::path& path) {
  const std::string where = path.string();
  const toml::table table = core::parse_toml(core::read_file(path), where);
  SourceCard card;
  core::TomlTable keys(&table, where, "");
  keys.get("text", card.text);
  keys.get("title", card.title);
  keys.get("link", card.link);
  keys.get("section", card.section);
  keys.finish();
  if (card.text.empty()) throw ConfigError(where + ": 'text' must name a column");
  card.named = true;
  return card;
}

}  // namespace guardian::retrieve
