#include "infer/calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <map>

#include "core/error.h"
#include "eval/evaluator.h"
#include "eval/metrics.h"
#include "infer/model_report.h"
#include "infer/score.h"

namespace guardian::infer {

namespace {

// printf onto the end of out.
[[gnu::format(printf, 2, 3)]] void appendf(std::string& out, const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof line) {
    out += line;
    return;
  }
  std::string long_line(static_cast<size_t>(n) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(long_line.data(), long_line.size(), format, args);
  va_end(args);
  long_line.pop_back();
  out += long_line;
}

// P(level >= 1) of category c for every row (in languages[i]), under the policy's current
// temperatures and language offsets.
std::vector<double> severity_scores(const std::vector<models::CategoryLogits>& logits,
                                    const std::vector<std::string>& languages, const policy::Policy& policy, size_t c) {
  std::vector<double> scores;
  scores.reserve(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    scores.push_back(policy::severity_probability(models::to_probabilities(logits[i], policy, languages[i])[c]));
  }
  return scores;
}

// A language gets a threshold of its own (an offset) only with at least this many labelled
// positives and as many negatives in it: fewer leave a precision or recall target to chance.
constexpr int64_t kMinLanguageLabels = 30;

// A share target needs no labels: each category's threshold flags that share of the data (the
// policy's reference share for a bare "share"), its temperature kept.
nlohmann::json calibrate_share(std::string& out, policy::Policy& policy, const std::vector<models::CategoryLogits>& logits,
                               const std::vector<std::string>& languages, const eval::Target& target) {
  nlohmann::json categories = nlohmann::json::array();
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    auto& category = policy.categories[c];
    if (!category.trained) continue;  // never learned: no rate to hold
    if (target.from_reference && !category.reference_share) {
      throw ConfigError("calibrate --target share: the model's policy records no reference share for '" + category.name +
                        "' (train or calibrate it with this guardian, or give the share: --target share=S)");
    }
    const double wanted = target.from_reference ? *category.reference_share : target.value;
    const auto choice = eval::threshold_for_share(severity_scores(logits, languages, policy, c), wanted);
    appendf(out, "%s: threshold %.4f -> %.4f flags %.3f of the %zu messages (target %.3f)\n", category.name.c_str(),
                category.threshold, choice.threshold, choice.share, logits.size(), wanted);
    category.threshold = choice.threshold;
    categories.push_back({{"name", category.name}, {"temperature", category.temperature}, {"threshold", category.threshold},
                          {"target_share", wanted}, {"share", choice.share}});
  }
  return categories;
}

// A precision or recall whose 95% interval is wider than this is called uncertain.
constexpr double kTrustedWidth = 0.2;

// Prints precision and recall of a choice with their 95% intervals and counts on one line, and
// returns them for calibration.json, "uncertain" when an interval is wider than kTrustedWidth.
nlohmann::json report_figures(std::string& out, const char* what, const eval::ThresholdChoice& choice) {
  // How far these figures can be trusted: a sample of a few dozen labels (a drift sample, say)
  // leaves both wide open, and the threshold with them.
  const auto precision_ci = eval::wilson_interval(choice.true_positives, choice.flagged);
  const auto recall_ci = eval::wilson_interval(choice.true_positives, choice.positives);
  appendf(out, "  %s %.4f: precision %.3f [%.2f, %.2f] (%lld of %lld flagged), recall %.3f [%.2f, %.2f] "
              "(%lld of %lld), F1 %.3f, macro-F1 %.3f\n",
              what, choice.threshold, choice.precision, precision_ci.low, precision_ci.high,
              static_cast<long long>(choice.true_positives), static_cast<long long>(choice.flagged), choice.recall,
              recall_ci.low, recall_ci.high, static_cast<long long>(choice.true_positives),
              static_cast<long long>(choice.positives), choice.f1, choice.macro_f1);
  const bool uncertain =
      precision_ci.high - precision_ci.low > kTrustedWidth || recall_ci.high - recall_ci.low > kTrustedWidth;
  return {{"precision", choice.precision}, {"precision_interval", {precision_ci.low, precision_ci.high}},
          {"recall", choice.recall}, {"recall_interval", {recall_ci.low, recall_ci.high}},
          {"flagged", choice.flagged}, {"positives", choice.positives}, {"f1", choice.f1},
          {"macro_f1", choice.macro_f1}, {"uncertain", uncertain}};
}

// Each language's figures when the labelled rows hold more than one (ko, en: by script), so that
// a bilingual model's one threshold shows what it does in each. With `fit`, a language with at
// least kMinLanguageLabels positives and negatives gets the threshold the target picks on its rows
// alone, kept in the policy as a log-odds offset from the category's threshold (one threshold, the
// decision rule and every consumer of scores stay as they are); a language with fewer keeps the
// offset it had. scores are the category's without offsets. Returns calibration.json's summary,
// empty for data in one language.
nlohmann::json by_language(std::string& out, policy::Category& category, const std::map<std::string, double>& previous,
                           const std::vector<double>& scores, const std::vector<int>& truth,
                           const std::vector<std::string>& languages, const eval::Target& target, bool fit) {
  std::map<std::string, std::pair<std::vector<double>, std::vector<int>>> rows;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (languages[i] == "unknown") continue;
    rows[languages[i]].first.push_back(scores[i]);
    rows[languages[i]].second.push_back(truth[i]);
  }
  nlohmann::json summary = nlohmann::json::object();
  if (rows.size() < 2) {
    // Nothing to tell apart: the category's threshold was picked on this language's scores, so it
    // takes no offset; another language keeps its offset.
    if (fit) {
      category.language_offset = previous;
      for (const auto& [language, own] : rows) category.language_offset.erase(language);
    }
    return summary;
  }
  for (const auto& [language, own] : rows) {
    const auto& [own_scores, own_truth] = own;
    const auto positives = std::count(own_truth.begin(), own_truth.end(), 1);
    const auto negatives = static_cast<int64_t>(own_truth.size()) - positives;
    auto& entry = summary[language];
    entry = {{"labelled", own_truth.size()}, {"fitted", false}};
    char what[112];
    if (!fit || positives < kMinLanguageLabels || negatives < kMinLanguageLabels) {
      const auto kept = previous.find(language);
      if (fit && kept != previous.end()) category.language_offset[language] = kept->second;
      if (fit) {
        appendf(out, "  %s: %lld labelled positives and %lld negatives, fewer than %lld: no threshold of its own%s\n",
                    language.c_str(), static_cast<long long>(positives), static_cast<long long>(negatives),
                    static_cast<long long>(kMinLanguageLabels), kept == previous.end() ? "" : " (its offset is kept)");
      }
      if (positives == 0) continue;
      std::snprintf(what, sizeof what, "%s (%zu labelled) at the category's threshold", language.c_str(), own_truth.size());
      entry.update(report_figures(out, what, eval::measure_threshold(own_scores, own_truth, category.threshold)));
      continue;
    }
    const auto choice = eval::pick_threshold(own_scores, own_truth, target);
    if (!choice.met) {
      appendf(out, "  %s: the target is not reachable on its %zu labelled rows: the category's threshold applies\n",
                  language.c_str(), own_truth.size());
      continue;
    }
    // logit(category threshold) - logit(the language's own): its scores then cross the one at its own.
    const double offset = policy::threshold_margin(category.threshold, choice.threshold);
    category.language_offset[language] = offset;
    std::snprintf(what, sizeof what, "%s (%zu labelled, offset %+.3f) at its own threshold", language.c_str(),
                  own_truth.size(), offset);
    entry.update(report_figures(out, what, choice));
    entry.update({{"fitted", true}, {"offset", offset}, {"threshold", choice.threshold}});
  }
  return summary;
}

// The labelled targets: per category with labelled positives and negatives, the temperature
// (and with args.offset the offset; neither with args.keep_temperature) and the threshold for the
// target, with the precision-at-recall table; for the categories args.fits_languages names, a
// threshold per language too (by_language).
nlohmann::json calibrate_labelled(std::string& out, policy::Policy& policy, const std::vector<models::CategoryLogits>& logits,
                                  const std::vector<data::Example>& examples,
                                  const std::vector<std::string>& example_languages, const eval::Target& target,
                                  const CalibrateOptions& args) {
  nlohmann::json categories = nlohmann::json::array();
  for (size_t c = 0; c < policy.categories.size(); ++c) {
    auto& category = policy.categories[c];
    if (!category.trained) {
      out += category.name + ": untrained (no label in the model's training data); nothing to calibrate\n";
      continue;
    }
    std::vector<std::vector<double>> rows;
    std::vector<int> labels;
    std::vector<models::CategoryLogits> labelled;
    std::vector<std::string> languages;
    for (size_t i = 0; i < examples.size(); ++i) {
      if (examples[i].labels[c] < 0) continue;
      rows.emplace_back(logits[i][c].begin(), logits[i][c].end());
      labels.push_back(examples[i].labels[c]);
      labelled.push_back(logits[i]);
      languages.push_back(example_languages[i]);
    }
    const bool has_positive = std::any_of(labels.begin(), labels.end(), [](int l) { return l >= 1; });
    const bool has_negative = std::any_of(labels.begin(), labels.end(), [](int l) { return l == 0; });
    if (!has_positive || !has_negative) {
      out += category.name + ": no labelled positives and negatives in the data; left as it was\n";
      continue;
    }
    const policy::Category before = category;  // restored whole when the target is unreachable
    if (args.offset) {
      const auto scaling = eval::fit_scaling(rows, labels);
      category.temperature = scaling.temperature;
      category.offset = scaling.offset;
    } else if (!args.keep_temperature) {
      category.temperature = eval::fit_temperature(rows, labels);
      category.offset = 0.0;  // an earlier offset belongs to an earlier temperature
    }
    // Per language, the category's threshold is chosen on the scores without language offsets and each
    // language's offset against it; a category that never flags alone needs neither.
    bool fit_languages = args.fits_languages(category.name) && category.decides;
    const auto previous_offsets = category.language_offset;
    if (fit_languages) category.language_offset.clear();
    auto scores = severity_scores(labelled, languages, policy, c);
    std::vector<int> truth;
    for (int label : labels) truth.push_back(label >= 1 ? 1 : 0);
    auto choice = eval::pick_threshold(scores, truth, target);
    if (!choice.met) {
      // An unreachable target leaves the category as it was: a threshold that misses what the user
      // asked for (e.g. precision 0.03 for a target of 0.8) would flag far more than intended, and
      // the old threshold under a refitted temperature or offset would move the decisions too. The
      // figures below are the old scores'.
      category = before;
      fit_languages = false;
      scores = severity_scores(labelled, languages, policy, c);
      choice = eval::pick_threshold(scores, truth, target);
    }
    if (choice.met) category.threshold = std::clamp(choice.threshold, 1e-6, 1.0);
    appendf(out, "%s: temperature %.3f, offset %+.3f, threshold %.4f%s (%zu labelled)\n", category.name.c_str(),
                category.temperature, category.offset, category.threshold,
                choice.met ? "" : "  [target not reachable on this data: the category is left as it was]", labels.size());
    auto entry = report_figures(out, choice.met ? "at the chosen threshold" : "at the best-F1 threshold", choice);
    bool uncertain = entry["uncertain"].get<bool>();
    // Each language's figures (at its own threshold with per_language), then the whole data's as served.
    const auto languages_summary = by_language(out, category, previous_offsets, scores, truth, languages, target,
                                               fit_languages);
    for (const auto& [language, figures] : languages_summary.items()) {
      uncertain = uncertain || figures.value("uncertain", false);
    }
    auto final_scores = scores;
    nlohmann::json served;
    if (!category.language_offset.empty() && fit_languages) {
      final_scores = severity_scores(labelled, languages, policy, c);
      served = report_figures(out, "all languages, each at its own threshold: the category's",
                              eval::measure_threshold(final_scores, truth, category.threshold));
    }
    if (uncertain) {
      appendf(out, "  few labels: a 95%% interval above is wider than %.1f; label more messages before trusting this "
                  "threshold\n", kTrustedWidth);
    }
    appendf(out, "  %-8s %-10s %-10s %-10s\n", "recall>=", "precision", "recall", "threshold");
    nlohmann::json table = nlohmann::json::array();
    for (const auto& p : eval::precision_at_recall_table(final_scores, truth)) {
      appendf(out, "  %-8.2f %-10.3f %-10.3f %-10.4f\n", p.target_recall, p.precision, p.recall, p.threshold);
      table.push_back({{"recall_target", p.target_recall}, {"precision", p.precision}, {"recall", p.recall},
                       {"threshold", p.threshold}});
    }
    entry.update({{"name", category.name}, {"temperature", category.temperature}, {"offset", category.offset},
                  {"threshold", category.threshold},
                  {"uncertain", uncertain}, {"met", choice.met}, {"precision_at_recall", table}});
    if (!languages_summary.empty()) entry["languages"] = languages_summary;
    if (!served.is_null()) entry["with_language_offsets"] = served;
    categories.push_back(entry);
  }
  return categories;
}

}  // namespace

std::string next_version(const std::string& version) {
  try {
    size_t used = 0;
    const long n = std::stol(version, &used);
    if (used == version.size()) return std::to_string(n + 1);
  } catch (const std::exception&) {
  }
  return version + ".1";
}

bool CalibrateOptions::fits_languages(const std::string& name) const {
  if (per_language) return true;
  return std::find(per_language_for.begin(), per_language_for.end(), name) != per_language_for.end();
}

void check_calibrate_options(const CalibrateOptions& options, const policy::Policy& policy) {
  if (!options.per_language_for.empty()) {
    std::string known;
    for (const auto& category : policy.categories) known += (known.empty() ? "" : ", ") + category.name;
    for (const auto& name : options.per_language_for) {
      if (policy.index_of(name) < 0) {
        throw ConfigError("calibrate --per-language-for: no category '" + name + "' in the model's policy (it has " +
                          known + ")");
      }
    }
  }
  const bool share = options.target.metric == eval::Target::kShare;
  if (share && (options.per_language || !options.per_language_for.empty())) {
    throw ConfigError("calibrate --per-language needs labels: a share target keeps each language's offset as it is");
  }
  if (share && options.offset) {
    throw ConfigError("calibrate --offset needs labels: a share target keeps the scores as they are");
  }
  if (options.offset && options.keep_temperature) {
    throw ConfigError("calibrate --offset fits the offset with the temperature: it cannot keep the temperature");
  }
}

Calibration calibrate(const models::Model& model, const std::vector<data::Example>& examples,
                      const std::vector<std::string>& specs, const CalibrateOptions& options) {
  check_calibrate_options(options, model.policy());
  Calibration out;
  out.policy = model.policy();
  auto& policy = out.policy;
  const auto logits = score_all(model, examples);
  std::vector<std::string> languages;
  for (const auto& e : examples) languages.push_back(data::message_language(e.text));
  out.summary = {{"target", options.target.to_string()}, {"data", specs}};
  out.summary["categories"] = options.target.metric == eval::Target::kShare
                                  ? calibrate_share(out.text, policy, logits, languages, options.target)
                                  : calibrate_labelled(out.text, policy, logits, examples, languages, options.target,
                                                       options);
  // The calibration data becomes the reference, at the final thresholds and temperatures.
  std::vector<std::vector<std::vector<double>>> probs;
  for (size_t i = 0; i < logits.size(); ++i) probs.push_back(models::to_probabilities(logits[i], policy, languages[i]));
  set_reference(policy, eval::to_json(eval::evaluate(policy, examples, probs)), "calibration", specs);
  policy.version = next_version(policy.version);
  return out;
}

}  // namespace guardian::infer
