#include "policy/policy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/toml_table.h"

namespace guardian::policy {

namespace {


// Throws unless every key of a per-language table is a language code a message can have.
template <typename Number>
void check_languages(const std::map<std::string, Number>& table, const std::string& what) {
  for (const auto& [language, number] : table) {
    if (language != "ko" && language != "en") throw ConfigError(what + " names '" + language + "'; the languages are ko and en");
  }
}

template <typename Number>
void write_language_numbers(std::ostream& out, const char* key, const std::map<std::string, Number>& numbers) {
  if (numbers.empty()) return;
  out << key << " = {";
  const char* separator = " ";
  for (const auto& [language, number] : numbers) {
    out << separator << language << " = " << number;
    separator = ", ";
  }
  out << " }\n";
}

std::string quoted(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

}  // namespace

int Policy::index_of(const std::string& name) const {
  for (size_t i = 0; i < categories.size(); ++i) {
    if (categories[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void Policy::validate() const {
  const std::string where = "policy '" + name + "'";
  if (name.empty()) throw ConfigError("policy: 'name' is required");
  if (categories.empty()) throw ConfigError(where + ": it has no categories");
  check_languages(reference_language_rows, where + ": reference_language_rows");
  for (const auto& [language, rows] : reference_language_rows) {
    if (rows <= 0) throw ConfigError(where + ": reference_language_rows." + language + " must be > 0");
  }
  std::set<std::string> seen;
  for (const auto& c : categories) {
    if (c.name.empty()) throw ConfigError(where + ": a category has no name");
    if (!seen.insert(c.name).second) throw ConfigError(where + ": category '" + c.name + "' appears twice");
    if (c.levels.size() < 2) throw ConfigError(where + ": category '" + c.name + "' needs at least 2 levels");
    if (!c.trained && (c.decides || (gate && *gate == c.name))) {
      throw ConfigError(where + ": category '" + c.name + "' is untrained (trained = false): it cannot decide or gate");
    }
    if (!(c.threshold > 0.0 && c.threshold <= 1.0)) {
      throw ConfigError(where + ": category '" + c.name + "' threshold must be in (0, 1]");
    }
    if (!(c.temperature > 0.0 && c.temperature <= 100.0)) {
      throw ConfigError(where + ": category '" + c.name + "' temperature must be in (0, 100]");
    }
    if (c.reference_share) {
      if (!(*c.reference_share >= 0.0 && *c.reference_share <= 1.0)) {
        throw ConfigError(where + ": category '" + c.name + "' reference_share must be in [0, 1]");
      }
      if (reference_rows <= 0) {
        throw ConfigError(where + ": category '" + c.name + "' has a reference_share but the policy has no reference_rows > 0");
      }
    }
    check_languages(c.reference_language_share, where + ": category '" + c.name + "' reference_language_share");
    for (const auto& [language, share] : c.reference_language_share) {
      if (!(share >= 0.0 && share <= 1.0)) {
        throw ConfigError(where + ": category '" + c.name + "' reference_language_share." + language + " must be in [0, 1]");
      }
    }
    if (!(c.offset >= -kMaxOffset && c.offset <= kMaxOffset)) {
      throw ConfigError(where + ": category '" + c.name + "' offset must be in [-20, 20]");
    }
    check_languages(c.language_offset, where + ": category '" + c.name + "' language_offset");
    for (const auto& [language, offset] : c.language_offset) {
      if (!(offset >= -kMaxOffset && offset <= kMaxOffset)) {
        throw ConfigError(where + ": category '" + c.name + "' language_offset." + language + " must be in [-20, 20]");
      }
    }
    // Alone (its share deleted by hand), a reference_threshold is harmless and ignored.
    if (c.reference_threshold && !(*c.reference_threshold > 0.0 && *c.reference_threshold <= 1.0)) {
      throw ConfigError(where + ": category '" + c.name + "' reference_threshold must be in (0, 1]");
    }
  }
  if (gate) {
    const int g = index_of(*gate);
    if (g < 0) throw ConfigError(where + ": gate '" + *gate + "' names no category");
    if (categories[g].levels.size() != 2) throw ConfigError(where + ": gate '" + *gate + "' must be a binary category");
  }
}

Policy Policy::parse(const std::string& text, const std::string& where) {
  const toml::table root = core::parse_toml(text, where);
  core::TomlTable top(&root, where, "");
  Policy p;
  p.version = "1";
  top.get("name", p.name);
  top.get("version", p.version);
  top.get("description", p.description);
  top.get("gate", p.gate);
  top.get("reference_data", p.reference_data);
  top.get("reference_rows", p.reference_rows);
  std::map<std::string, double> language_rows;
  top.get("reference_language_rows", language_rows);
  for (const auto& [language, rows] : language_rows) {
    if (rows != std::floor(rows)) throw ConfigError(where + ": 'reference_language_rows." + language + "' must be an integer");
    p.reference_language_rows[language] = static_cast<int64_t>(rows);
  }
  const auto categories = top.tables("category");
  top.finish();
  if (categories.empty()) throw ConfigError(where + ": expected [[category]] tables");
  for (const toml::table* table : categories) {
    core::TomlTable t(table, where, "category");
    Category c;
    t.get("name", c.name);
    if (c.name.empty()) throw ConfigError(t.at() + ": a category needs a 'name'");
    t.get("description", c.description);
    t.get("levels", c.levels);
    if (c.levels.empty()) throw ConfigError(t.at() + ": category '" + c.name + "' needs 'levels' = [...]");
    t.get("threshold", c.threshold);
    t.get("temperature", c.temperature);
    t.get("offset", c.offset);
    t.get("decides", c.decides);
    t.get("trained", c.trained);
    t.get("score_at_level0", c.score_at_level0);
    t.get("reference_share", c.reference_share);
    t.get("reference_threshold", c.reference_threshold);
    t.get("reference_language_share", c.reference_language_share);
    t.get("language_offset", c.language_offset);
    t.finish();
    p.categories.push_back(std::move(c));
  }
  try {
    p.validate();
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
  return p;
}

bool Category::stale_reference() const {
  // Written and read back at 17 digits, a threshold round-trips exactly; the tolerance is for a
  // hand-written one that repeats the value to fewer digits.
  return reference_share && reference_threshold && std::abs(*reference_threshold - threshold) > 1e-9;
}

double Category::offset_for(const std::string& language) const {
  const auto it = language_offset.find(language);
  return offset + (it == language_offset.end() ? 0.0 : it->second);
}

std::optional<double> Category::live_reference() const {
  if (stale_reference()) return std::nullopt;
  return reference_share;
}

std::optional<ExpectedReference> Policy::expected_reference(
    size_t c, const std::map<std::string, int64_t>& messages_by_language) const {
  const auto& category = categories.at(c);
  const auto overall = category.live_reference();
  if (!overall) return std::nullopt;
  int64_t total = 0;
  for (const auto& [language, count] : messages_by_language) total += std::max<int64_t>(count, 0);
  if (total == 0) return ExpectedReference{*overall, reference_rows};
  double share = 0.0, variance = 0.0;
  for (const auto& [language, count] : messages_by_language) {
    if (count <= 0) continue;
    const double weight = static_cast<double>(count) / static_cast<double>(total);
    const auto own = category.reference_language_share.find(language);
    const auto own_rows = reference_language_rows.find(language);
    const double p = own == category.reference_language_share.end() ? *overall : own->second;
    const double rows = static_cast<double>(
        own != category.reference_language_share.end() && own_rows != reference_language_rows.end() ? own_rows->second
                                                                                                     : reference_rows);
    share += weight * p;
    if (rows > 0) variance += weight * weight * p * (1.0 - p) / rows;
  }
  // Shares of 0 or 1 have no sampling variance to weigh: the reference's size stands.
  if (variance <= 0.0 || share <= 0.0 || share >= 1.0) return ExpectedReference{share, reference_rows};
  return ExpectedReference{share, std::max<int64_t>(1, std::llround(share * (1.0 - share) / variance))};
}

Policy Policy::load(const std::filesystem::path& path) { return parse(core::read_file(path), path.string()); }

std::string Policy::to_toml() const {
  std::ostringstream out;
  out.precision(17);
  out << "name = " << quoted(name) << "\nversion = " << quoted(version) << "\n";
  if (!description.empty()) out << "description = " << quoted(description) << "\n";
  if (gate) out << "gate = " << quoted(*gate) << "\n";
  if (!reference_data.empty()) out << "reference_data = " << quoted(reference_data) << "\n";
  if (reference_rows > 0) out << "reference_rows = " << reference_rows << "\n";
  write_language_numbers(out, "reference_language_rows", reference_language_rows);
  for (const auto& c : categories) {
    out << "\n[[category]]\nname = " << quoted(c.name) << "\n";
    if (!c.description.empty()) out << "description = " << quoted(c.description) << "\n";
    out << "levels = [";
    for (size_t i = 0; i < c.levels.size(); ++i) out << (i ? ", " : "") << quoted(c.levels[i]);
    out << "]\nthreshold = " << c.threshold << "\ntemperature = " << c.temperature << "\n";
    if (c.offset != 0.0) out << "offset = " << c.offset << "\n";
    out << "decides = " << (c.decides ? "true" : "false") << "\n";
    if (!c.trained) out << "trained = false\n";
    if (c.score_at_level0) out << "score_at_level0 = " << *c.score_at_level0 << "\n";
    if (c.reference_share) out << "reference_share = " << *c.reference_share << "\n";
    if (c.reference_threshold) out << "reference_threshold = " << *c.reference_threshold << "\n";
    write_language_numbers(out, "reference_language_share", c.reference_language_share);
    write_language_numbers(out, "language_offset", c.language_offset);
  }
  return out.str();
}

void Policy::save(const std::filesystem::path& path) const { core::write_file_atomic(path, to_toml()); }

double severity_probability(const std::vector<double>& level_probs) {
  double p = 0.0;
  for (size_t l = 1; l < level_probs.size(); ++l) p += level_probs[l];
  return p;
}

double threshold_margin(double score, double threshold) {
  auto logit = [](double p) {
    p = std::clamp(p, 1e-9, 1.0 - 1e-9);
    return std::log(p / (1.0 - p));
  };
  return logit(score) - logit(threshold);
}

Decision decide(const Policy& policy, const std::vector<std::vector<double>>& probs) {
  if (probs.size() != policy.categories.size()) {
    throw InputError("decide: policy '" + policy.name + "' has " + std::to_string(policy.categories.size()) +
                     " categories but the scores cover " + std::to_string(probs.size()));
  }
  Decision d;
  const int gate = policy.gate ? policy.index_of(*policy.gate) : -1;
  if (gate >= 0) {
    const double g = severity_probability(probs[gate]);
    if (g < policy.categories[gate].threshold) {
      d.category = policy.categories[gate].name;
      d.score = g;
      d.threshold = policy.categories[gate].threshold;
      return d;
    }
  }
  // Past the gate (if any), the deciding category the furthest past its threshold decides.
  double best_margin = -std::numeric_limits<double>::infinity(), top_score = -1.0;
  int best = -1, top = -1;
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    const auto& category = policy.categories[c];
    if (!category.decides || static_cast<int>(c) == gate) continue;
    const double score = severity_probability(probs[c]);
    const double margin = threshold_margin(score, category.threshold);
    if (score >= category.threshold && margin > best_margin) {
      best_margin = margin;
      best = static_cast<int>(c);
    }
    if (score > top_score) {
      top_score = score;
      top = static_cast<int>(c);
    }
  }
  if (best >= 0) {
    d.flagged = true;
    d.category = policy.categories[best].name;
    d.score = severity_probability(probs[best]);
    d.threshold = policy.categories[best].threshold;
  } else if (top >= 0) {
    d.category = policy.categories[top].name;
    d.score = top_score;
    d.threshold = policy.categories[top].threshold;
  }
  return d;
}

Policy resolve_policy(const std::string& name_or_path) {
  std::filesystem::path path(name_or_path);
  if (!std::filesystem::exists(path) && path.extension() != ".toml" && path.parent_path().empty()) {
    path = core::config_dir() / "policies" / (name_or_path + ".toml");
  }
  if (!std::filesystem::exists(path)) {
    throw ConfigError("policy '" + name_or_path + "' is neither a file nor a built-in policy (" +
                      (core::config_dir() / "policies").string() + ")");
  }
  return Policy::load(path);
}

}  // namespace guardian::policy
