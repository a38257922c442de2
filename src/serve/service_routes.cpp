// The scoring and review routes of Service (see service.h).
#include <algorithm>
#include <chrono>
#include <cmath>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "infer/explain.h"
#include "infer/moderation.h"
#include "serve/service.h"
#include "text/normalize.h"

namespace guardian::serve {

namespace {

constexpr auto kScoreTimeout = std::chrono::seconds(60);

// Why a decision goes to the review queue: flagged, or a deciding category near its threshold.
std::string review_reason(const infer::ModerationResult& result, const policy::Policy& policy, const AuditConfig& audit) {
  if (result.decision.flagged) return "flagged";
  if (!audit.review_low_confidence) return "";
  for (size_t c = 0; c < result.categories.size(); ++c) {
    const auto& category = policy.categories[c];
    if (category.decides && std::abs(result.categories[c].score - category.threshold) <= audit.review_margin) {
      return "low_confidence";
    }
  }
  return "";
}

// OpenAI's result shape: a category is true when it is over its threshold and the message is flagged.
// An untrained category is left out, so a client that thresholds the scores itself never sees noise.
nlohmann::json openai_result(const infer::ModerationResult& result, const policy::Policy& policy) {
  nlohmann::json categories = nlohmann::json::object(), scores = nlohmann::json::object();
  for (size_t c = 0; c < result.categories.size(); ++c) {
    const auto& category = policy.categories[c];
    if (!category.trained) continue;
    const double score = result.categories[c].score;
    categories[category.name] = result.decision.flagged && category.decides && score >= category.threshold;
    scores[category.name] = score;
  }
  return {{"flagged", result.decision.flagged}, {"categories", categories}, {"category_scores", scores}};
}

int query_int(const api::ApiRequest& request, const char* name, int64_t fallback, int64_t low, int64_t high) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return static_cast<int>(fallback);
  try {
    size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= low && v <= high) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  throw api::RequestError{400, std::string("query parameter '") + name + "' must be an integer in [" + std::to_string(low) +
                              ", " + std::to_string(high) + "]", name};
}

// ?explain= on the review queue: "true" for api::kDefaultExplanationTop words, or an integer in
// [0, infer::kMaxExplanationTop] (0 or "false": none).
int query_explain(const api::ApiRequest& request) {
  auto it = request.query.find("explain");
  if (it == request.query.end() || it->second == "false") return 0;
  if (it->second == "true") return api::kDefaultExplanationTop;
  return query_int(request, "explain", 0, 0, static_cast<int64_t>(infer::kMaxExplanationTop));
}

// The most review items one page may explain (each word is one more forward pass).
constexpr int kExplainedReviewItems = 100;

}  // namespace

api::ApiResponse Service::score(const api::ApiRequest& request, const Caller& caller, bool openai) {
  const auto body = api::parse_object(request.body);
  auto texts = api::read_inputs(body, config_.limits);
  api::optional_string(body, "model");  // accepted for OpenAI compatibility; the server has one model
  std::string policy_name = api::optional_string(body, "policy");
  if (caller.key && !caller.key->policy.empty()) {
    if (!policy_name.empty() && policy_name != caller.key->policy) {
      throw api::RequestError{403, "this API key is bound to policy '" + caller.key->policy + "'", "policy"};
    }
    policy_name = caller.key->policy;
  }
  {
    auto current = engine_->deployment();
    if (policy_name.empty()) policy_name = current->default_policy;
    if (!current->find(policy_name)) {
      throw api::RequestError{400, "unknown policy '" + policy_name + "' (loaded: " + policy_names(*current) + ")", "policy"};
    }
  }
  // "explain" (/v1/classify): each text's variants without one word go in the same submission, so
  // that the deployment that scores the texts scores them too.
  const int explain_top = openai ? 0 : api::read_explain(body, texts.size(), static_cast<int>(infer::kMaxExplanationTop));
  std::vector<std::string> normalized;
  std::vector<infer::Occlusion> occlusions;
  normalized.reserve(texts.size());
  for (const auto& t : texts) normalized.push_back(text::normalize(t));
  if (explain_top > 0) {
    for (const auto& t : texts) {
      occlusions.push_back(infer::occlude(t));
      normalized.insert(normalized.end(), occlusions.back().variants.begin(), occlusions.back().variants.end());
    }
  }

  auto future = engine_->submit(std::move(normalized));
  if (future.wait_for(kScoreTimeout) != std::future_status::ready) {
    throw api::RequestError{504, "scoring took longer than 60 s", ""};
  }
  Scored scored = future.get();
  const auto& deployment = *scored.deployment;
  const policy::Policy* policy = deployment.find(policy_name);
  if (!policy) policy = deployment.find(deployment.default_policy);  // dropped by a reload meanwhile

  const std::string id = new_request_id();
  const int64_t created = now_ms();
  nlohmann::json results = nlohmann::json::array();
  std::vector<AuditRecord> records;
  std::vector<std::vector<double>> category_scores;  // for the drift watch
  std::vector<std::string> decision_ids, languages;
  decision_ids.reserve(texts.size());
  size_t next_variant = texts.size();  // the first variant's logits, after the texts'
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto result = infer::interpret(scored.logits[i], *policy, texts[i]);
    const auto& decision_id = decision_ids.emplace_back(id + "-" + std::to_string(i));
    languages.push_back(result.language);
    auto& row = category_scores.emplace_back();
    for (const auto& c : result.categories) row.push_back(c.score);
    if (result.decision.flagged) metrics_.flagged(result.decision.category);
    if (openai) {
      results.push_back(openai_result(result, *policy));
    } else {
      auto full = infer::to_json(result, *policy);
      full["decision_id"] = decision_id;
      if (explain_top > 0) {
        const size_t words = occlusions[i].variants.size();
        full["explanation"] = infer::to_json(infer::explain_logits(texts[i], occlusions[i], scored.logits[i],
                                                     std::span(scored.logits).subspan(next_variant, words), *policy,
                                                     static_cast<size_t>(explain_top)));
        next_variant += words;
      }
      results.push_back(std::move(full));
    }
    if (audit_) {
      AuditRecord r;
      r.id = decision_id;
      r.request_id = id;
      r.created_ms = created;
      r.key = caller.key ? caller.key->name : "";
      r.route = request.path;
      r.model = deployment.model->id();
      r.policy = policy->name;
      r.policy_version = policy->version;
      r.text = std::move(texts[i]);
      r.flagged = result.decision.flagged;
      r.category = result.decision.category;
      r.score = result.decision.score;
      r.threshold = result.decision.threshold;
      r.scores = nlohmann::json::object();
      for (const auto& c : result.categories) r.scores[c.name] = c.score;
      r.review_reason = review_reason(result, *policy, config_.audit);
      records.push_back(std::move(r));
    }
  }
  metrics_.inputs(texts.size());
  auto drift_sample = drift_.observe(*policy, category_scores, decision_ids, languages);
  if (audit_) {
    auto written = audit_->record(std::move(records));
    // After this request's records. A sampled decision of a concurrent request may reach the log
    // after its review item: the queue lists an item once its decision is there (a join), and the
    // later "flagged" insert leaves the "drift" reason alone.
    // The drift sample last: a decision drawn by both stays in the drift sample, which a team
    // calibrates on as a whole. Durable, the answer waits for them too (the writer keeps order).
    std::vector<std::future<void>> queued;
    if (auto sample = random_review_sample(decision_ids); !sample.empty()) {
      queued.push_back(audit_->queue_for_review(std::move(sample), "random"));
    }
    if (!drift_sample.empty()) queued.push_back(audit_->queue_for_review(std::move(drift_sample), "drift"));
    if (config_.audit.durable) {
      try {
        written.get();
      } catch (const std::exception& e) {
        throw api::RequestError{500, std::string("the decision could not be recorded in the audit log: ") + e.what(), ""};
      }
      // The decisions are recorded; a review item that could not be queued costs the answer nothing.
      for (auto& q : queued) {
        try {
          q.get();
        } catch (const std::exception& e) {
          spdlog::warn("review queue: a sample could not be queued: {}", e.what());
        }
      }
    }
  }
  nlohmann::json answer = {{"id", id}, {"model", deployment.model->id()}, {"results", results}};
  if (!openai) {
    answer["object"] = "classification";
    answer["policy"] = {{"name", policy->name}, {"version", policy->version}};
  }
  return api::json_response(200, answer);
}

std::vector<std::string> Service::random_review_sample(const std::vector<std::string>& ids) {
  std::vector<std::string> sample;
  const double share = config_.audit.review_random;
  if (share <= 0.0) return sample;
  std::bernoulli_distribution drawn(share);
  std::lock_guard lock(sample_mutex_);
  for (const auto& id : ids) {
    if (drawn(sample_rng_)) sample.push_back(id);
  }
  return sample;
}

api::ApiResponse Service::review(const api::ApiRequest& request) {
  if (!audit_) throw api::RequestError{501, "the review queue needs the audit log: set [audit] path in the config", ""};
  std::string status = "open";
  if (auto it = request.query.find("status"); it != request.query.end()) status = it->second;
  if (status != "open" && status != "resolved" && status != "all") {
    throw api::RequestError{400, "query parameter 'status' must be open, resolved or all", "status"};
  }
  std::string reason;
  if (auto it = request.query.find("reason"); it != request.query.end()) reason = it->second;
  if (!reason.empty() && std::find(kReviewReasons.begin(), kReviewReasons.end(), reason) == kReviewReasons.end()) {
    throw api::RequestError{400, "query parameter 'reason' must be one of " + nlohmann::json(kReviewReasons).dump(), "reason"};
  }
  const int limit = query_int(request, "limit", 50, 1, 1000);
  const int64_t after = query_int(request, "after", 0, 0, INT32_MAX);
  const int explain_top = query_explain(request);
  if (explain_top > 0 && limit > kExplainedReviewItems) {
    throw api::RequestError{400, "explain takes at most " + std::to_string(kExplainedReviewItems) +
                                " items per page (limit); each word is one more forward pass", "explain"};
  }
  auto page = audit_->review(status, limit, after, reason);
  if (explain_top > 0) explain_review_items(page["data"], explain_top);
  return api::json_response(200, page);
}

void Service::explain_review_items(nlohmann::json& items, int top) {
  // Items whose text is kept (not hash-only, not purged); their variants in one submission.
  std::vector<size_t> explained;
  std::vector<infer::Occlusion> occlusions;
  std::vector<std::string> texts;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i]["text"].is_string()) continue;
    explained.push_back(i);
    occlusions.push_back(infer::occlude(items[i]["text"].get<std::string>()));
    texts.push_back(occlusions.back().text);
    texts.insert(texts.end(), occlusions.back().variants.begin(), occlusions.back().variants.end());
  }
  if (explained.empty()) return;
  auto future = engine_->submit(std::move(texts));
  if (future.wait_for(kScoreTimeout) != std::future_status::ready) {
    throw api::RequestError{504, "explaining the review items took longer than 60 s", ""};
  }
  const Scored scored = future.get();
  const auto& deployment = *scored.deployment;
  size_t row = 0;
  for (size_t k = 0; k < explained.size(); ++k) {
    auto& item = items[explained[k]];
    const auto& occlusion = occlusions[k];
    // Under the policy that decided, when it is still loaded.
    const policy::Policy* policy = deployment.find(item["policy"].get<std::string>());
    if (!policy) policy = deployment.find(deployment.default_policy);
    const size_t words = occlusion.variants.size();
    item["explanation"] = infer::to_json(infer::explain_logits(item["text"].get<std::string>(), occlusion, scored.logits[row],
                                                 std::span(scored.logits).subspan(row + 1, words), *policy,
                                                 static_cast<size_t>(top)));
    row += 1 + words;
    item["explained_by"] = deployment.model->id();  // the model now served, which may not be the one that decided
  }
}

api::ApiResponse Service::decision(const std::string& id) {
  if (!audit_) throw api::RequestError{501, "decisions are kept only with the audit log: set [audit] path in the config", ""};
  auto found = audit_->decision(id);
  if (found.is_null()) throw api::RequestError{404, "no decision with id '" + id + "'", "id"};
  return api::json_response(200, found);
}

api::ApiResponse Service::feedback(const api::ApiRequest& request, const Caller& caller) {
  if (!audit_) throw api::RequestError{501, "feedback is kept in the audit log: set [audit] path in the config", ""};
  const auto body = api::parse_object(request.body);
  Feedback fb;
  fb.decision_id = api::optional_string(body, "id");
  fb.text = api::optional_string(body, "text");
  fb.reviewer = api::optional_string(body, "reviewer");
  fb.note = api::optional_string(body, "note");
  if (fb.decision_id.empty() && fb.text.empty()) throw api::RequestError{400, "give the decision 'id' or the 'text'", "id"};
  std::string policy_name = api::optional_string(body, "policy");
  if (policy_name.empty() && !fb.decision_id.empty()) {
    auto decision = audit_->decision(fb.decision_id);
    if (decision.is_null()) throw api::RequestError{404, "no decision with id '" + fb.decision_id + "'", "id"};
    policy_name = decision["policy"].get<std::string>();
  }
  if (policy_name.empty() && caller.key) policy_name = caller.key->policy;
  auto deployment = engine_->deployment();
  if (policy_name.empty()) policy_name = deployment->default_policy;
  const policy::Policy* policy = deployment->find(policy_name);
  if (!policy) throw api::RequestError{400, "unknown policy '" + policy_name + "'", "policy"};
  if (!body.contains("labels") || !body["labels"].is_object() || body["labels"].empty()) {
    throw api::RequestError{400, "'labels' must be a non-empty object {category: level name or index}", "labels"};
  }
  // Serving policies share the model's categories; the labels are recorded under the model's own
  // policy, the one a retraining recipe names.
  fb.policy = deployment->default_policy;
  fb.labels = nlohmann::json::object();
  nlohmann::json level_names = nlohmann::json::object();
  for (const auto& [name, value] : body["labels"].items()) {
    const int c = policy->index_of(name);
    if (c < 0) throw api::RequestError{400, "labels: '" + name + "' is not a category of policy '" + policy->name + "'", "labels"};
    const auto& levels = policy->categories[static_cast<size_t>(c)].levels;
    int level = -1;
    if (value.is_number_integer()) {
      level = value.get<int>();
    } else if (value.is_boolean()) {
      level = value.get<bool>() ? static_cast<int>(levels.size()) - 1 : 0;
    } else if (value.is_string()) {
      for (size_t l = 0; l < levels.size(); ++l) {
        if (levels[l] == value.get<std::string>()) level = static_cast<int>(l);
      }
    }
    if (level < 0 || level >= static_cast<int>(levels.size())) {
      std::string names;
      for (const auto& l : levels) names += (names.empty() ? "" : ", ") + l;
      throw api::RequestError{400, "labels." + name + ": expected a level of " + names + " (or its index)", "labels"};
    }
    fb.labels[name] = level;
    level_names[name] = levels[static_cast<size_t>(level)];
  }
  if (!fb.text.empty() && !text::is_valid_utf8(fb.text)) throw api::RequestError{400, "'text' is not valid UTF-8", "text"};
  try {
    const int64_t feedback_id = audit_->add_feedback(fb);
    return api::json_response(201, {{"id", feedback_id}, {"decision_id", fb.decision_id}, {"policy", fb.policy},
                               {"labels", level_names}});
  } catch (const InputError& e) {
    throw api::RequestError{400, e.what(), "id"};
  }
}

}  // namespace guardian::serve
