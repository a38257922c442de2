#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace guardian::eval {

namespace {

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

// A metric in the table: three decimals, "-" when undefined.
std::string cell(double x) {
  if (!std::isfinite(x)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", x);
  return buffer;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

size_t name_width(const Scores& scores) {
  size_t width = std::string("aggregate").size();
  for (const auto& c : scores.categories) width = std::max(width, c.name.size() + (c.trained ? 0 : 12));
  return width + 2;
}

void write_row(std::ostringstream& out, size_t width, const std::string& name,
               const std::vector<std::string>& cells) {
  out << pad_right(name, width);
  for (const auto& c : cells) out << pad_left(c, 11);
  out << '\n';
}

void write_table(std::ostringstream& out, const Scores& scores) {
  const size_t width = name_width(scores);
  write_row(out, width, "category",
            {"accuracy", "precision", "recall", "macro-F1", "ROC-AUC", "ECE", "support"});
  for (const auto& c : scores.categories) {
    write_row(out, width, c.trained ? c.name : c.name + " (untrained)",
              {cell(c.accuracy), cell(c.precision), cell(c.recall), cell(c.macro_f1),
               cell(c.roc_auc), cell(c.ece), std::to_string(c.support)});
  }
  const auto& d = scores.decision;
  write_row(out, width, "decision",
            {cell(d.accuracy), cell(d.precision), cell(d.recall), cell(d.f1), cell(d.roc_auc), "",
             std::to_string(d.support)});
  write_row(out, width, "aggregate", {cell(scores.aggregate)});
  if (d.support > 0) {
    out << "flagged " << cell(d.flagged_share) << " of the decided rows; toxic in truth " << cell(d.toxic_share) << '\n';
  }
  for (const auto& c : scores.categories) {
    if (c.reference_stale) {
      out << c.name << ": its reference share was measured at another threshold (edited since), so no drift check "
          << "(guardian calibrate measures it again)\n";
    }
    if (!std::isfinite(c.reference_share) || !std::isfinite(c.drift_z)) continue;
    char z[32];
    std::snprintf(z, sizeof z, "%+.1f", c.drift_z);
    out << c.name << " flags " << cell(c.flagged_share) << " of these rows at its threshold, " << cell(c.reference_share)
        << " of its reference data (z " << z << ")"
        << (c.drifted ? ": DRIFT, the threshold does not fit this data (guardian calibrate)" : "") << '\n';
  }
}

// A category's reliability diagram as rows: what P(level >= 1) claimed in each tenth of [0, 1]
// against how often the level was >= 1.
void write_reliability(std::ostringstream& out, const CategoryReport& c) {
  out << c.name << "    ECE " << cell(c.ece) << "    Brier " << cell(c.brier) << "    log loss " << cell(c.log_loss)
      << '\n';
  for (const auto& bin : c.reliability) {
    char row[96];
    std::snprintf(row, sizeof row, "  [%.1f, %.1f%c  %7lld  predicted %.3f  observed %.3f\n", bin.low, bin.high,
                  bin.high >= 1.0 ? ']' : ')', static_cast<long long>(bin.count), bin.mean_score, bin.positive_rate);
    out << row;
  }
}

void write_confusion(std::ostringstream& out, const CategoryReport& c) {
  out << c.name << '\n';
  const size_t levels = c.confusion.size();
  size_t width = 6;
  for (const auto& row : c.confusion) {
    for (int64_t k : row) width = std::max(width, std::to_string(k).size() + 2);
  }
  out << pad_left("true\\pred", 10);
  for (size_t p = 0; p < levels; ++p) out << pad_left(std::to_string(p), width);
  out << '\n';
  for (size_t t = 0; t < levels; ++t) {
    out << pad_left(std::to_string(t), 10);
    for (int64_t k : c.confusion[t]) out << pad_left(std::to_string(k), width);
    out << '\n';
  }
}

}  // namespace

namespace {

nlohmann::json reliability_json(const std::vector<ReliabilityBin>& bins) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& bin : bins) {
    out.push_back({{"low", bin.low}, {"high", bin.high}, {"count", bin.count}, {"mean_score", bin.mean_score},
                   {"positive_rate", bin.positive_rate}});
  }
  return out;
}

}  // namespace

nlohmann::json to_json(const Scores& scores) {
  nlohmann::json categories = nlohmann::json::array();
  for (const auto& c : scores.categories) {
    categories.push_back({{"name", c.name},
                          {"trained", c.trained},
                          {"support", c.support},
                          {"accuracy", number(c.accuracy)},
                          {"precision", number(c.precision)},
                          {"recall", number(c.recall)},
                          {"macro_f1", number(c.macro_f1)},
                          {"roc_auc", number(c.roc_auc)},
                          {"ece", number(c.ece)},
                          {"brier", number(c.brier)},
                          {"log_loss", number(c.log_loss)},
                          {"reliability", reliability_json(c.reliability)},
                          {"confusion", c.confusion},
                          {"flagged_share", number(c.flagged_share)},
                          {"reference_share", number(c.reference_share)},
                          {"reference_stale", c.reference_stale},
                          {"drift_z", number(c.drift_z)},
                          {"drifted", c.drifted}});
  }
  const auto& d = scores.decision;
  return {{"examples", scores.examples},
          {"categories", std::move(categories)},
          {"decision",
           {{"support", d.support},
            {"accuracy", number(d.accuracy)},
            {"precision", number(d.precision)},
            {"recall", number(d.recall)},
            {"f1", number(d.f1)},
            {"roc_auc", number(d.roc_auc)},
            {"flagged_share", number(d.flagged_share)},
            {"toxic_share", number(d.toxic_share)}}},
          {"aggregate", number(scores.aggregate)}};
}

nlohmann::json to_json(const Report& report) {
  nlohmann::json by_language = nlohmann::json::object();
  for (const auto& [language, scores] : report.by_language) by_language[language] = to_json(scores);
  return {{"policy", report.policy}, {"all", to_json(report.all)}, {"by_language", by_language}};
}

std::string to_text(const Report& report) {
  std::ostringstream out;
  out << "policy: " << report.policy << "    examples: " << report.all.examples << "\n\n";
  write_table(out, report.all);
  out << "(decision: flag vs allow under the policy's thresholds; its macro-F1 column is binary F1)\n";
  for (const auto& [language, scores] : report.by_language) {
    out << "\nlanguage: " << language << "    examples: " << scores.examples << '\n';
    write_table(out, scores);
  }
  out << "\nconfusion matrices, all examples (rows: true level, columns: predicted level)\n";
  for (const auto& c : report.all.categories) {
    out << '\n';
    write_confusion(out, c);
  }
  out << "\ncalibration, all examples: P(level >= 1) in tenths, what it predicted against the share whose "
         "level was >= 1 (guardian calibrate fits temperatures, and offsets with --offset)\n";
  for (const auto& c : report.all.categories) {
    if (c.support == 0) continue;
    out << '\n';
    write_reliability(out, c);
  }
  return out.str();
}

}  // namespace guardian::eval
