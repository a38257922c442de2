// A moderation policy: its categories and their levels, the thresholds, and the decision rule that
// turns per-category level probabilities into flag / allow. Loaded from and saved to TOML:
//
//   name = "default"                 # required; how recipes, cards and models refer to it
//   version = "1"                    # optional (default "1"); bump when thresholds change
//   description = "..."              # optional
//   gate = "toxic"                   # optional: a binary category scored first (two-stage cascade)
//   reference_data = "beep:train[90%:]"  # optional: the data the reference shares were measured on
//   reference_rows = 970             # required with any reference_share: that data's message count
//   reference_language_rows = { en = 600, ko = 370 }  # optional: its messages per language, for the
//                                    #   categories' reference_language_share
//   [[category]]                     # one table per category, in output order
//   name = "adult"                   # required, unique
//   description = "..."              # optional
//   levels = ["none", "mild", "severe"]  # required, at least 2; index 0 is the harmless level
//   threshold = 0.5                  # optional (0.5): flag when P(level >= 1) >= this; in (0, 1]
//   temperature = 1.0                # optional (1.0): logits / temperature; in (0, 100]
//   offset = -0.4                    # optional (0): log-odds added to P(level >= 1) of every message
//                                    #   (in [-20, 20]), fitted with the temperature by `calibrate --offset`
//   decides = true                   # optional (true): false = scored and reported, never flags
//   trained = false                  # optional (true): false = no training message was labelled for
//                                    #   it; it never decides and answers leave its score out
//   score_at_level0 = 5              # optional: level i reports the score 5 - i (General)
//   reference_share = 0.39           # optional, in [0, 1]: the share of the reference data whose
//                                    #   P(level >= 1) reached this threshold (the drift check's baseline)
//   reference_threshold = 0.83       # optional, with reference_share: the threshold it was measured at;
//                                    #   a threshold edited since leaves the drift check without a baseline
//   reference_language_share = { en = 0.19, ko = 0.01 }  # optional, with reference_share: the
//                                    #   share per language of reference data in both (each in [0, 1])
//   language_offset = { ko = 1.2 }   # optional: log-odds added to P(level >= 1) of messages in that
//                                    #   language ("ko", "en"; each in [-20, 20]), fitted by
//                                    #   `guardian calibrate --per-language`
//
// Any other key is a ConfigError naming the file, line and key; so is a value of the wrong type or
// out of range. configs/policies/README.md describes the built-in policies.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace guardian::policy {

// The largest offset (Category::offset, language_offset) a policy allows, in log-odds: beyond it
// every score is 0 or 1.
inline constexpr double kMaxOffset = 20.0;

struct Category {
  std::string name;                  // identifier used by cards and APIs: "hate"
  std::string description;           // one line for people
  std::vector<std::string> levels;   // level names; index 0 is "none" (the harmless end)
  double threshold = 0.5;            // flag when P(level >= 1), after temperature, reaches this
  double temperature = 1.0;          // logits are divided by this before the softmax (calibration)
  bool decides = true;               // whether this category can flag a message on its own
  // For a holistic score such as General (1 entirely hurtful .. 5 entirely harmless): the score
  // reported for level index i is score_at_level0 - i. Empty when the category is not a score.
  std::optional<int> score_at_level0;
  // The share of the reference data (Policy::reference_data) this category flagged at this
  // threshold: training measures it on the validation data, `guardian calibrate` on its own data.
  // Live traffic (serve) or another data set (eval) flagging far more or less than this is how a
  // threshold that no longer fits shows before any label arrives. Empty when never measured.
  std::optional<double> reference_share;
  // The threshold reference_share was measured at (written with it by training and calibrate). A
  // threshold moved by hand since makes the share say nothing of the new threshold's rate.
  std::optional<double> reference_threshold;
  // reference_share per language ("ko", "en"), measured with it when the reference data hold more
  // than one: a bilingual model flags the two at different rates (the default model's validation
  // data: hate 0.19 of English, 0.01 of Korean), so traffic that turns from one language to the
  // other would move the flagged share with nothing drifting. See Policy::expected_reference.
  std::map<std::string, double> reference_language_share;
  // Log-odds added to P(level >= 1) of a message in a language ("ko" or "en", by its script: see
  // data::detect_language), so that the one threshold holds its target in each language. A
  // bilingual model's scores need not mean the same in both: the default model gave Korean hate
  // 0.83 so rarely that its one threshold caught 4% of it (`guardian calibrate --per-language`
  // fits these). A language without an entry keeps the model's score.
  std::map<std::string, double> language_offset;
  // Log-odds added to P(level >= 1) of every message (taken from the harmless level's logit after
  // the temperature), fitted with it by `guardian calibrate --offset`: a model trained with class-balanced
  // weights claims positives more often than they come, which no temperature can correct.
  double offset = 0.0;
  // False when no training message carried a label for this category (the default policy's
  // "cultural" on the shelf's data): its head kept its initial weights, so its score is noise
  // (about 0.65 for any text). Training sets it; it never decides, answers and metrics leave it
  // out, and it has no drift reference.
  bool trained = true;

  // offset plus language_offset's entry for a language code (0 without one).
  double offset_for(const std::string& language) const;
  // reference_share when it describes the current threshold (or no threshold was recorded with
  // it, as in a hand-written policy); empty when there is none or it is stale.
  std::optional<double> live_reference() const;
  // A reference measured at another threshold than the current one.
  bool stale_reference() const;
};

// What the drift check sets a set of messages beside: the reference share expected of its language
// mix, and how many reference messages that expectation is as certain as.
struct ExpectedReference {
  double share = 0.0;
  int64_t rows = 0;
};

struct Policy {
  std::string name;                  // "default"
  std::string version;               // bumped whenever thresholds change
  std::string description;
  std::vector<Category> categories;
  // Two-stage cascade: the name of a binary category that is scored first; when it does not
  // cross its threshold the message is allowed whatever the others say; when it does, the other
  // deciding categories decide as usual (the gate itself never flags alone).
  std::optional<std::string> gate;
  // What the categories' reference shares were measured on ("validation: beep:train[90%:]"), and
  // how many messages: the drift check weighs the reference's own sampling noise by it.
  std::string reference_data;
  int64_t reference_rows = 0;
  std::map<std::string, int64_t> reference_language_rows;  // of those, per language ("ko", "en")

  // The live reference of category c for messages in these languages (counts by language code):
  // share = sum over languages of (their messages / all) x the language's reference share (the
  // category's reference_share for a language without one); rows such that share (1 - share) /
  // rows is the variance of that sum, each language's share measured on its reference_language_rows
  // (reference_rows without). For no messages, or one language, exactly the share and rows of that
  // part. Empty when the category has no live reference.
  std::optional<ExpectedReference> expected_reference(size_t c, const std::map<std::string, int64_t>& messages_by_language) const;

  // Index of a category by name, or -1.
  int index_of(const std::string& name) const;
  // Throws ConfigError: no categories, duplicate names, fewer than 2 levels, an untrained category
  // that decides, thresholds outside
  // (0, 1], temperatures <= 0, a language offset or a reference language share for another
  // language than ko or en or out of range, a gate that names no binary category, a reference share outside
  // [0, 1] or without reference_rows > 0.
  void validate() const;

  static Policy load(const std::filesystem::path& path);     // TOML; unknown keys are errors
  static Policy parse(const std::string& toml_text, const std::string& where);
  std::string to_toml() const;
  void save(const std::filesystem::path& path) const;         // written atomically
};

// The outcome for one message.
struct Decision {
  bool flagged = false;
  std::string category;    // the category that decided (see decide()), or "" when none decides
  double score = 0.0;      // that category's P(level >= 1)
  double threshold = 0.0;  // its threshold
};

// probs[c][l]: calibrated probability of level l for category c; InputError when probs does not
// hold one entry per category. The rule, with score_c = P_c(level >= 1):
//  - gated policy and score_gate < threshold_gate: allowed; category = the gate, score = its score;
//  - otherwise, among deciding categories other than the gate, those with score_c >= threshold_c
//    flag, and the one with the largest threshold_margin(score_c, threshold_c) is reported;
//  - when none crosses: allowed, reporting the deciding non-gate category with the highest score
//    (and its threshold). The gate never flags alone, so a cascade agrees with the evaluator's
//    decision metric (src/eval/evaluator.h).
Decision decide(const Policy& policy, const std::vector<std::vector<double>>& probs);

// How far a score is past its threshold, in log-odds: logit(score) - logit(threshold), both
// clamped to [1e-9, 1 - 1e-9] so that 0 and 1 stay finite. A difference of probabilities would
// cap a category at 1 - threshold, so a category with a low threshold would outrank one that is
// certain (0.89 against 0.52 over 1.0 against 0.64).
double threshold_margin(double score, double threshold);

// P(level >= 1) from a category's level probabilities.
double severity_probability(const std::vector<double>& level_probs);

// A policy by built-in name ("default": configs/policies/default.toml) or by path; ConfigError
// when it is neither.
Policy resolve_policy(const std::string& name_or_path);

}  // namespace guardian::policy
