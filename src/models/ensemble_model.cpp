#include "core/json_file.h"
#include "models/ensemble_model.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/model_dir.h"

namespace guardian::models {

nlohmann::json ensemble_spec_to_json(const EnsembleSpec& spec) {
  return {{"guardian",
           {{"kind", "ensemble"},
            {"format_version", 1},
            {"members", spec.members},
            {"weights", spec.weights},
            {"bias", spec.bias},
            {"cascade", spec.gate < 0 ? nlohmann::json(nullptr)
                                      : nlohmann::json({{"gate", spec.members[spec.gate]},
                                                        {"threshold", spec.gate_threshold}})}}}};
}

EnsembleSpec ensemble_spec_from_json(const nlohmann::json& config, const std::filesystem::path& where) {
  EnsembleSpec spec;
  try {
    const auto& g = config.at("guardian");
    spec.members = g.at("members").get<std::vector<std::string>>();
    spec.weights = g.at("weights").get<std::vector<std::vector<float>>>();
    spec.bias = g.at("bias").get<std::vector<std::vector<float>>>();
    if (g.contains("cascade") && g["cascade"].is_object()) {
      const auto gate = g["cascade"].at("gate").get<std::string>();
      const auto it = std::find(spec.members.begin(), spec.members.end(), gate);
      if (it == spec.members.end()) throw FormatError(where.string() + ": guardian.cascade.gate '" + gate + "' is not a member");
      spec.gate = static_cast<int>(it - spec.members.begin());
      spec.gate_threshold = g["cascade"].at("threshold").get<float>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where.string() + ": " + e.what());
  }
  if (spec.members.empty() || spec.weights.size() != spec.bias.size()) {
    throw FormatError(where.string() + ": guardian.members is empty or weights and bias disagree on the categories");
  }
  for (const auto& name : spec.members) {
    if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
      throw FormatError(where.string() + ": guardian.members: '" + name + "' is not a plain directory name");
    }
  }
  for (const auto& w : spec.weights) {
    if (w.size() != spec.members.size()) {
      throw FormatError(where.string() + ": guardian.weights needs one weight per member in every category");
    }
  }
  return spec;
}

CategoryLogits log_softmax(const CategoryLogits& logits) {
  CategoryLogits out(logits.size());
  for (size_t c = 0; c < logits.size(); ++c) {
    const float top = *std::max_element(logits[c].begin(), logits[c].end());
    double total = 0.0;
    for (float v : logits[c]) total += std::exp(static_cast<double>(v - top));
    const float log_total = static_cast<float>(std::log(total));
    out[c].reserve(logits[c].size());
    for (float v : logits[c]) out[c].push_back(v - top - log_total);
  }
  return out;
}

float gate_score(const CategoryLogits& log_probs, const std::vector<bool>& counted) {
  float top = 0.0f;
  for (size_t c = 0; c < log_probs.size(); ++c) {
    if (c < counted.size() && counted[c]) top = std::max(top, 1.0f - std::exp(log_probs[c].front()));
  }
  return top;
}

std::vector<bool> deciding_categories(const policy::Policy& policy) {
  std::vector<bool> counted;
  for (const auto& c : policy.categories) counted.push_back(c.decides);
  return counted;
}

CategoryLogits combine(const EnsembleSpec& spec, const std::vector<CategoryLogits>& member_log_probs) {
  CategoryLogits out(spec.bias.size());
  for (size_t c = 0; c < spec.bias.size(); ++c) {
    out[c] = spec.bias[c];
    for (size_t m = 0; m < member_log_probs.size(); ++m) {
      const auto& lp = member_log_probs[m][c];
      for (size_t l = 0; l < out[c].size(); ++l) out[c][l] += spec.weights[c][m] * lp[l];
    }
  }
  return out;
}

std::unique_ptr<EnsembleModel> EnsembleModel::load(const std::filesystem::path& dir) {
  std::unique_ptr<EnsembleModel> model(new EnsembleModel());
  model->spec_ = ensemble_spec_from_json(core::read_json_file(dir / kConfigFile), dir / kConfigFile);
  model->dir_ = dir;
  model->policy_ = policy::Policy::load(dir / kPolicyFile);
  const auto& categories = model->policy_.categories;
  if (categories.size() != model->spec_.bias.size()) {
    throw FormatError((dir / kPolicyFile).string() + ": the policy's categories do not match the ensemble's");
  }
  for (const auto& name : model->spec_.members) {
    auto member = load_model(dir / kMembersDir / name);
    const auto& theirs = member->policy().categories;
    if (theirs.size() != categories.size()) {
      throw FormatError((dir / kMembersDir / name).string() + ": this member scores other categories than the ensemble");
    }
    for (size_t c = 0; c < categories.size(); ++c) {
      if (theirs[c].levels.size() != categories[c].levels.size() ||
          model->spec_.bias[c].size() != categories[c].levels.size()) {
        throw FormatError((dir / kMembersDir / name).string() + ": category '" + categories[c].name +
                          "' has other levels than the ensemble's");
      }
    }
    model->members_.push_back(std::move(member));
  }
  model->id_ = dir.filename().string();
  return model;
}

std::vector<CategoryLogits> EnsembleModel::score(const std::vector<std::string>& texts) const {
  const size_t n = texts.size();
  std::vector<std::vector<CategoryLogits>> log_probs(members_.size());  // [member][text]
  auto score_member = [&](size_t m, const std::vector<std::string>& some) {
    auto scored = members_[m]->score(some);
    for (auto& lp : scored) lp = log_softmax(lp);
    return scored;
  };
  if (spec_.gate < 0) {
    for (size_t m = 0; m < members_.size(); ++m) log_probs[m] = score_member(m, texts);
    std::vector<CategoryLogits> out;
    out.reserve(n);
    std::vector<CategoryLogits> per_member(members_.size());
    for (size_t i = 0; i < n; ++i) {
      for (size_t m = 0; m < members_.size(); ++m) per_member[m] = std::move(log_probs[m][i]);
      out.push_back(combine(spec_, per_member));
    }
    scored_ += n;
    return out;
  }

  // The cascade: the gate scores every message; the other members only those it passes on.
  const auto gate = static_cast<size_t>(spec_.gate);
  std::vector<CategoryLogits> out = score_member(gate, texts);  // clearly clean ones keep these
  const auto counted = deciding_categories(policy_);  // per call: set_policy may change what decides
  std::vector<size_t> passed;
  std::vector<std::string> subset;
  for (size_t i = 0; i < n; ++i) {
    if (gate_score(out[i], counted) < spec_.gate_threshold) continue;
    passed.push_back(i);
    subset.push_back(texts[i]);
  }
  if (!subset.empty()) {
    for (size_t m = 0; m < members_.size(); ++m) {
      if (m != gate) log_probs[m] = score_member(m, subset);
    }
    std::vector<CategoryLogits> per_member(members_.size());
    for (size_t k = 0; k < passed.size(); ++k) {
      for (size_t m = 0; m < members_.size(); ++m) per_member[m] = m == gate ? out[passed[k]] : std::move(log_probs[m][k]);
      out[passed[k]] = combine(spec_, per_member);
    }
  }
  scored_ += n;
  skipped_ += n - passed.size();
  return out;
}

}  // namespace guardian::models
