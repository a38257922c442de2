#include "core/json_file.h"
#include "models/ngram_model.h"

#include <cstring>

#include "core/error.h"
#include "core/safetensors.h"
#include "models/bf16_gemm.h"
#include "models/model_dir.h"

namespace guardian::models {

int NgramSpec::outputs() const {
  int total = 0;
  for (int l : levels) total += l;
  return total;
}

void NgramWeights::logits(const Features& features, int outputs, float* out) const {
  std::memcpy(out, bias.data(), sizeof(float) * outputs);
  if (dim == 0) {
    for (const auto& [bucket, x] : features) {
      const float* row = weight.data() + static_cast<size_t>(bucket) * outputs;
      for (int o = 0; o < outputs; ++o) out[o] += x * row[o];
    }
    return;
  }
  thread_local std::vector<float> hidden;  // [dim], kept across messages: no allocation per message
  hidden.assign(dim, 0.0f);
  if (embedding_bf16.empty()) {
    for (const auto& [bucket, x] : features) {
      const float* row = embedding.data() + static_cast<size_t>(bucket) * dim;
      for (int d = 0; d < dim; ++d) hidden[d] += x * row[d];
    }
  } else {
    for (const auto& [bucket, x] : features) {
      const uint16_t* row = embedding_bf16.data() + static_cast<size_t>(bucket) * dim;
      for (int d = 0; d < dim; ++d) hidden[d] += x * from_bf16(row[d]);
    }
  }
  for (int d = 0; d < dim; ++d) {
    const float* row = weight.data() + static_cast<size_t>(d) * outputs;
    for (int o = 0; o < outputs; ++o) out[o] += hidden[d] * row[o];
  }
}

nlohmann::json ngram_spec_to_json(const NgramSpec& spec) {
  return {{"guardian",
           {{"kind", "ngram"},
            {"format_version", 1},
            {"levels", spec.levels},
            {"dim", spec.dim},
            {"embedding_dtype", spec.embedding_dtype},
            {"features", ngram_features_to_json(spec.features)}}}};
}

nlohmann::json ngram_features_to_json(const NgramFeatureOptions& f) {
  return {{"buckets_log2", f.buckets_log2}, {"word_ngrams", f.word_ngrams}, {"char_min", f.char_min},
          {"char_max", f.char_max}, {"despaced_max", f.despaced_max}, {"choseong", f.choseong},
          {"norm_per_family", f.norm_per_family}, {"squeeze", f.squeeze}, {"leet", f.leet}, {"jamo", f.jamo}};
}

NgramSpec ngram_spec_from_json(const nlohmann::json& config, const std::filesystem::path& where) {
  NgramSpec spec;
  try {
    const auto& g = config.at("guardian");
    spec.levels = g.at("levels").get<std::vector<int>>();
    spec.dim = g.value("dim", 0);
    spec.embedding_dtype = g.value("embedding_dtype", "f32");  // models saved before it was a choice are f32
    const auto& f = g.at("features");
    spec.features.buckets_log2 = f.at("buckets_log2").get<int>();
    spec.features.word_ngrams = f.at("word_ngrams").get<int>();
    spec.features.char_min = f.at("char_min").get<int>();
    spec.features.char_max = f.at("char_max").get<int>();
    spec.features.despaced_max = f.at("despaced_max").get<int>();
    spec.features.choseong = f.at("choseong").get<bool>();
    spec.features.norm_per_family = f.value("norm_per_family", false);  // absent in models saved before it
    spec.features.squeeze = f.value("squeeze", false);                  // likewise
    spec.features.leet = f.value("leet", false);                        // likewise
    spec.features.jamo = f.value("jamo", false);                        // likewise
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where.string() + ": " + e.what());
  }
  if (spec.features.buckets_log2 < 10 || spec.features.buckets_log2 > 26 || spec.levels.empty() || spec.dim < 0 ||
      spec.dim > 1024) {
    throw FormatError(where.string() + ": guardian.features.buckets_log2, dim or levels out of range");
  }
  for (int l : spec.levels) {
    if (l < 2 || l > 100) throw FormatError(where.string() + ": guardian.levels out of range");
  }
  if (spec.embedding_dtype != "f32" && spec.embedding_dtype != "bf16") {
    throw FormatError(where.string() + ": guardian.embedding_dtype must be \"f32\" or \"bf16\", not \"" +
                      spec.embedding_dtype + "\"");
  }
  return spec;
}

void save_ngram_model(const std::filesystem::path& dir, const NgramSpec& spec, const NgramWeights& w,
                      const policy::Policy& policy) {
  std::filesystem::create_directories(dir);
  const int64_t buckets = static_cast<int64_t>(w.idf.size());
  const int64_t outputs = spec.outputs();
  const int64_t rows = spec.dim == 0 ? buckets : spec.dim;
  std::vector<core::TensorToWrite> tensors = {
      {"bias", core::DType::kF32, {outputs}, w.bias.data(), w.bias.size() * sizeof(float)},
      {"idf", core::DType::kF32, {buckets}, w.idf.data(), w.idf.size() * sizeof(float)},
      {"weight", core::DType::kF32, {rows, outputs}, w.weight.data(), w.weight.size() * sizeof(float)}};
  std::vector<uint16_t> embedding_bf16;
  if (spec.dim > 0 && spec.embedding_dtype == "bf16") {
    embedding_bf16.resize(w.embedding.size());
    to_bf16(w.embedding.data(), w.embedding.size(), embedding_bf16.data());
    tensors.push_back({"embedding", core::DType::kBF16, {buckets, spec.dim}, embedding_bf16.data(),
                       embedding_bf16.size() * sizeof(uint16_t)});
  } else if (spec.dim > 0) {
    tensors.push_back({"embedding", core::DType::kF32, {buckets, spec.dim}, w.embedding.data(),
                       w.embedding.size() * sizeof(float)});
  }
  core::write_safetensors(dir / kWeightsFile, tensors, {{"format", "guardian-ngram"}});
  core::write_json_file(dir / kConfigFile, ngram_spec_to_json(spec));
  policy.save(dir / kPolicyFile);
}

namespace {

// The named tensor, checked against the dtype and shape the config implies.
const core::TensorView& checked_view(const core::SafetensorsFile& file, const std::string& name, core::DType dtype,
                                     const std::vector<int64_t>& shape, const std::filesystem::path& where) {
  const auto& view = file.get(name);
  if (view.dtype != dtype || view.shape != shape) {
    throw FormatError(where.string() + ": tensor '" + name + "' has the wrong dtype or shape for this config");
  }
  return view;
}

// A bf16 tensor served where it lies in the file's bytes when they are aligned for it (guardian's
// writer aligns them), else from a copy.
std::span<const uint16_t> view_bf16(const core::SafetensorsFile& file, const std::string& name,
                                    std::vector<int64_t> shape, const std::filesystem::path& where,
                                    std::shared_ptr<const void>& owner) {
  const auto& view = checked_view(file, name, core::DType::kBF16, shape, where);
  const auto count = static_cast<size_t>(view.numel());
  if (reinterpret_cast<std::uintptr_t>(view.data.data()) % alignof(uint16_t) == 0) {
    owner = file.owner();
    return {reinterpret_cast<const uint16_t*>(view.data.data()), count};
  }
  auto copy = std::make_shared<std::vector<uint16_t>>(count);
  std::memcpy(copy->data(), view.data.data(), count * sizeof(uint16_t));
  owner = copy;
  return {copy->data(), count};
}

std::vector<float> read_f32(const core::SafetensorsFile& file, const std::string& name, std::vector<int64_t> shape,
                            const std::filesystem::path& where) {
  const auto& view = checked_view(file, name, core::DType::kF32, shape, where);
  std::vector<float> out(static_cast<size_t>(view.numel()));
  std::memcpy(out.data(), view.data.data(), out.size() * sizeof(float));
  return out;
}

}  // namespace

std::unique_ptr<NgramModel> NgramModel::load(const std::filesystem::path& dir) {
  auto spec = ngram_spec_from_json(core::read_json_file(dir / kConfigFile), dir / kConfigFile);
  std::unique_ptr<NgramModel> model(new NgramModel(spec));
  model->dir_ = dir;
  model->id_ = dir.filename().string();
  model->policy_ = policy::Policy::load(dir / kPolicyFile);
  if (model->policy_.categories.size() != spec.levels.size()) {
    throw FormatError((dir / kPolicyFile).string() + ": the policy's categories do not match the model's heads");
  }
  const auto file = core::SafetensorsFile::load(dir / kWeightsFile);
  const int64_t buckets = model->featurizer_.buckets();
  const int64_t outputs = spec.outputs();
  model->weights_.idf = read_f32(file, "idf", {buckets}, dir / kWeightsFile);
  model->weights_.dim = spec.dim;
  if (spec.dim > 0 && spec.embedding_dtype == "bf16") {
    model->weights_.embedding_bf16 = view_bf16(file, "embedding", {buckets, spec.dim}, dir / kWeightsFile,
                                               model->weights_.embedding_bf16_owner);
  } else if (spec.dim > 0) {
    model->weights_.embedding = read_f32(file, "embedding", {buckets, spec.dim}, dir / kWeightsFile);
  }
  model->weights_.weight = read_f32(file, "weight", {spec.dim == 0 ? buckets : spec.dim, outputs}, dir / kWeightsFile);
  model->weights_.bias = read_f32(file, "bias", {outputs}, dir / kWeightsFile);
  return model;
}

std::vector<CategoryLogits> NgramModel::score(const std::vector<std::string>& texts) const {
  const int outputs = spec_.outputs();
  std::vector<float> row(outputs);
  std::vector<CategoryLogits> out;
  out.reserve(texts.size());
  for (const auto& text : texts) {
    weights_.logits(featurizer_.weighted(text, weights_.idf), outputs, row.data());
    CategoryLogits logits(spec_.levels.size());
    int column = 0;
    for (size_t c = 0; c < spec_.levels.size(); ++c) {
      logits[c].assign(row.begin() + column, row.begin() + column + spec_.levels[c]);
      column += spec_.levels[c];
    }
    out.push_back(std::move(logits));
  }
  return out;
}

}  // namespace guardian::models
