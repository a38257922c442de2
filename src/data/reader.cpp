#include "data/reader.h"

#include <cstdlib>

#include "core/error.h"
#include "data/rows.h"
#include "text/normalize.h"

namespace guardian::data {

namespace fs = std::filesystem;

namespace {

// How messages name a card: its file, or its name when it was parsed from text.
std::string card_where(const Card& card) { return card.path.empty() ? "card '" + card.name + "'" : card.path.string(); }

int parse_percent(const std::string& text, const std::string& spec) {
  if (text.empty()) return -1;
  std::string digits = text;
  if (digits.back() == '%') digits.pop_back();
  char* end = nullptr;
  const long value = std::strtol(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || value < 0 || value > 100) {
    throw ConfigError("data spec '" + spec + "': slice bound '" + text + "' must be a percentage 0..100");
  }
  return static_cast<int>(value);
}

const SplitFiles& split_files(const Card& card, const std::string& split) {
  auto it = card.splits.find(split);
  if (it == card.splits.end()) {
    std::string have;
    for (const auto& [name, _] : card.splits) have += (have.empty() ? "" : ", ") + name;
    throw ConfigError("card '" + card.name + "' has no split '" + split + "' (it has: " + have + ")");
  }
  return it->second;
}

// One column's mapping (or a joint mapping of several columns, "hate+bias") resolved to category
// indices and level indices.
struct ResolvedColumn {
  std::string column;                // as the card names it
  std::vector<std::string> columns;  // the source columns it reads: one, or those joined by '+'
  std::map<std::string, std::vector<std::pair<int, int>>> values;  // value(s joined by '+') -> (category, level)
};

std::vector<std::string> split_plus(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t plus; (plus = text.find('+', start)) != std::string::npos; start = plus + 1) {
    parts.push_back(text.substr(start, plus - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string trimmed(std::string value) {
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  return value;
}

std::vector<ResolvedColumn> resolve(const Card& card, const policy::Policy& policy) {
  std::vector<ResolvedColumn> out;
  const std::string where = card_where(card);
  for (const auto& [column, values] : card.mapping_for(policy.name)) {
    ResolvedColumn rc{column, split_plus(column), {}};
    for (const auto& name : rc.columns) {
      if (name.empty()) throw ConfigError(where + ": mapping." + policy.name + "." + column + ": an empty column name");
    }
    for (const auto& [value, assignments] : values) {
      if (split_plus(value).size() != rc.columns.size()) {
        throw ConfigError(where + ": mapping." + policy.name + "." + column + "." + value + ": a joint mapping of " +
                          std::to_string(rc.columns.size()) + " columns needs " + std::to_string(rc.columns.size()) +
                          " values joined by '+'");
      }
      auto& list = rc.values[value];
      for (const auto& [category, level_text] : assignments) {
        const int c = policy.index_of(category);
        if (c < 0) {
          throw ConfigError(where + ": mapping." + policy.name + "." + column + " names category '" +
                            category + "', which policy '" + policy.name + "' does not have");
        }
        // A number is a level index, anything else a level name: General's levels are named
        // "5".."1", and `general = 4` means index 4 (score 1), not the level named "4".
        const auto& levels = policy.categories[c].levels;
        int level = -1;
        const bool numeric = !level_text.empty() && level_text.find_first_not_of("0123456789") == std::string::npos;
        if (numeric) {
          const long n = level_text.size() <= 9 ? std::strtol(level_text.c_str(), nullptr, 10) : -1;
          if (n >= 0 && n < static_cast<long>(levels.size())) level = static_cast<int>(n);
        } else {
          for (size_t l = 0; l < levels.size(); ++l) {
            if (levels[l] == level_text) level = static_cast<int>(l);
          }
        }
        if (level < 0) {
          throw ConfigError(where + ": mapping." + policy.name + "." + column + "." + value + ": level '" +
                            level_text + "' is not a level of '" + category + "'");
        }
        list.emplace_back(c, level);
      }
    }
    out.push_back(std::move(rc));
  }
  return out;
}

Language language_of(const Card& card, const std::string& text) {
  if (card.language == "ko") return Language::kKorean;
  if (card.language == "en") return Language::kEnglish;
  return detect_language(text);
}

}  // namespace

SplitSpec SplitSpec::parse(const std::string& text) {
  SplitSpec spec;
  std::string rest = text;
  const auto bracket = rest.find('[');
  if (bracket != std::string::npos) {
    if (rest.back() != ']') throw ConfigError("data spec '" + text + "': a slice must end with ']'");
    const std::string slice = rest.substr(bracket + 1, rest.size() - bracket - 2);
    rest = rest.substr(0, bracket);
    const auto colon = slice.find(':');
    if (colon == std::string::npos) throw ConfigError("data spec '" + text + "': a slice looks like [:90%] or [90%:]");
    const int a = parse_percent(slice.substr(0, colon), text);
    const int b = parse_percent(slice.substr(colon + 1), text);
    spec.begin_percent = a < 0 ? 0 : a;
    spec.end_percent = b < 0 ? 100 : b;
    if (spec.begin_percent >= spec.end_percent) throw ConfigError("data spec '" + text + "': the slice is empty");
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    throw ConfigError("data spec '" + text + "' must look like card:split, e.g. beep:train or beep:train[:90%]");
  }
  spec.card = rest.substr(0, colon);
  spec.split = rest.substr(colon + 1);
  return spec;
}

std::string SplitSpec::to_string() const {
  std::string s = card + ":" + split;
  if (begin_percent != 0 || end_percent != 100) {
    s += "[" + (begin_percent ? std::to_string(begin_percent) + "%" : "") + ":" +
         (end_percent != 100 ? std::to_string(end_percent) + "%" : "") + "]";
  }
  return s;
}

int slice_bucket(const std::string& id) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<int>(h % 100);
}

void read_examples(const Card& card, const SplitSpec& spec, const policy::Policy& policy, const fs::path& data_root,
                   const std::function<void(Example&&)>& sink, const ReadOptions& options, ReadReport* report) {
  ReadReport local;
  ReadReport& r = report ? *report : local;
  const auto columns = options.unlabelled ? std::vector<ResolvedColumn>{} : resolve(card, policy);
  const auto& files = split_files(card, spec.split);
  const std::string text_column = card.format == "paired" || card.format == "lines" ? "text" : card.text;
  auto fail = [&](const std::string& file, int64_t line, const std::string& message) {
    const std::string full = file + ":" + std::to_string(line) + ": " + message;
    if (!options.skip_bad) throw InputError(full + " (use --skip-bad to skip such rows)");
    ++r.skipped;
    if (r.problems.size() < 10) r.problems.push_back(full);
  };
  for_each_row(card, files, data_root, [&](Row& row) {
    ++r.rows;
    auto text_it = row.fields.find(text_column);
    if (text_it == row.fields.end()) {
      throw InputError(row.file + ":" + std::to_string(row.line) + ": no column '" + text_column + "' (card " + card_where(card) + ")");
    }
    Example e;
    e.source = card.name;
    if (!card.id.empty()) {
      auto id_it = row.fields.find(card.id);
      if (id_it == row.fields.end()) throw InputError(row.file + ":" + std::to_string(row.line) + ": no id column '" + card.id + "'");
      e.id = card.name + ":" + id_it->second;
    } else {
      e.id = card.name + ":" + spec.split + ":" + std::to_string(row.index + 1);
    }
    const int bucket = slice_bucket(e.id);
    if (bucket < spec.begin_percent || bucket >= spec.end_percent) return true;
    try {
      e.text = text::normalize(text_it->second);
    } catch (const InputError& err) {
      fail(row.file, row.line, err.what());
      return true;
    }
    if (e.text.empty()) {
      fail(row.file, row.line, "empty text");
      return true;
    }
    e.labels.assign(policy.categories.size(), kUnknownLabel);
    for (const auto& column : columns) {
      std::string value;  // the row's values of the mapped columns, each trimmed, joined by '+'
      for (size_t k = 0; k < column.columns.size(); ++k) {
        auto value_it = row.fields.find(column.columns[k]);
        if (value_it == row.fields.end()) {
          throw InputError(row.file + ":" + std::to_string(row.line) + ": no column '" + column.columns[k] +
                           "' that the card maps (card " + card_where(card) + ")");
        }
        if (k > 0) value += '+';
        value += trimmed(value_it->second);
      }
      auto mapped = column.values.find(value);
      if (mapped == column.values.end()) {
        const bool joint = column.columns.size() > 1;
        fail(row.file, row.line, (joint ? "columns '" : "column '") + column.column + (joint ? "' have values '" : "' has value '") +
                                     value + "', which the card's mapping for policy '" + policy.name + "' does not list");
        return true;
      }
      for (const auto& [c, level] : mapped->second) e.labels[c] = std::max(e.labels[c], level);
    }
    e.language = language_of(card, e.text);
    ++r.kept;
    sink(std::move(e));
    return !(options.limit && r.kept >= options.limit);
  }, [&](const std::string& file, int64_t line, const std::string& message) {
    ++r.rows;  // a malformed row is still a row read
    fail(file, line, message);
  });
}

std::vector<Example> load_examples(const Card& card, const SplitSpec& spec, const policy::Policy& policy,
                                   const fs::path& data_root, const ReadOptions& options, ReadReport* report) {
  std::vector<Example> out;
  read_examples(card, spec, policy, data_root, [&](Example&& e) { out.push_back(std::move(e)); }, options, report);
  return out;
}

void read_texts(const Card& card, const std::string& split, const fs::path& data_root,
                const std::function<void(std::string&&)>& sink, size_t limit) {
  const std::string text_column = card.format == "paired" || card.format == "lines" ? "text" : card.text;
  size_t given = 0;
  for_each_row(card, split_files(card, split), data_root, [&](Row& row) {
    auto it = row.fields.find(text_column);
    if (it == row.fields.end()) {
      // A wrong text column would otherwise give no text at all, silently.
      throw InputError(row.file + ":" + std::to_string(row.line) + ": no column '" + text_column + "' (card " + card_where(card) + ")");
    }
    std::string text = text::normalize_lossy(it->second);
    if (text.empty()) return true;
    sink(std::move(text));
    return !(limit && ++given >= limit);
  }, [](const std::string&, int64_t, const std::string&) {});
}

}  // namespace guardian::data
