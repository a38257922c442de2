// The throughput bench: messages per second and p50/p99 latency at batch 1 and 64, for a
// fixed reference encoder (4 layers, hidden 256, 4 heads, FFN 1024, up to 64 tokens) run by
// guardian (its torch-free inference forward, models::FastClassifier, as EncoderModel::score runs
// it; "guardian-libtorch" is the libtorch-module forward for comparison) and, with the same weights
// from the same safetensors file and the same token ids, by PyTorch eager in Python
// (bench/peers/torch_encoder.py); the systems interleaved three times, medians reported; plus the
// GEMM roofline measured in the same run; "guardian-bf16" is the fast forward at precision bf16,
// with its probabilities' distance from f32's. Then every --model directory (models/default when
// none is given) through Model::score, tokenisation included: an ensemble with a cascade also with
// the cascade off (and the fraction of messages its gate let skip), a model with an encoder also
// at GUARDIAN_PRECISION=bf16.
//   bench_throughput [--messages 2000] [--rounds 3] [--threads N] [--reference 0|1] [--peers 0|1] [--model DIR]...
// (--peers 0 leaves out guardian-libtorch and PyTorch, the slow half of the reference, for short runs)
//   bench_throughput --write-messages FILE   the messages, one per line, for peers (bench/throughput.sh)
// One JSON line per (system, model, batch):
//   {"system","model","batch","messages_per_second","p50_ms","p99_ms","gflops_per_second"}
// and per bf16 comparison {"system","model","tolerance_vs_f32": {max_abs, mean_abs, ...}}.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/fs.h"
#include "core/json_file.h"
#include "data/card.h"
#include "data/example.h"
#include "data/reader.h"
#include "models/batching.h"
#include "models/bf16_gemm.h"
#include "models/classifier.h"
#include "models/encoder_model.h"
#include "models/ensemble_model.h"
#include "models/fast_encoder.h"
#include "models/model_dir.h"
#include "models/weights.h"
#include "policy/policy.h"
#include "text/sentencepiece_tokenizer.h"
#include "data/sets.h"

using namespace guardian;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct Timing {
  double messages_per_second = 0, p50_ms = 0, p99_ms = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Timing median(const std::vector<Timing>& v) {
  std::vector<double> a, b, c;
  for (const auto& t : v) a.push_back(t.messages_per_second), b.push_back(t.p50_ms), c.push_back(t.p99_ms);
  return Timing{median(a), median(b), median(c)};
}

Timing from_latencies(std::vector<double> latency, size_t messages, double seconds) {
  std::sort(latency.begin(), latency.end());
  return {messages / seconds, latency[latency.size() / 2], latency[std::min(latency.size() - 1, latency.size() * 99 / 100)]};
}

// Real messages: TweetEval offensive test and BEEP! dev, alternating English and Korean.
std::vector<std::string> real_messages(size_t limit) {
  auto policy = policy::resolve_policy("binary");
  auto en = data::load_sets({"tweeteval-offensive:test"}, policy, core::data_root(), data::Purpose::kEval, true);
  auto ko = data::load_sets({"beep:dev"}, policy, core::data_root(), data::Purpose::kEval, true);
  std::vector<std::string> out;
  for (size_t i = 0; out.size() < limit && (i < en.examples.size() || i < ko.examples.size()); ++i) {
    if (i < en.examples.size()) out.push_back(en.examples[i].text);
    if (i < ko.examples.size() && out.size() < limit) out.push_back(ko.examples[i].text);
  }
  return out;
}

// FLOPs of one forward pass over rows (matrix products and attention; the rest is small).
double forward_flops(const models::EncoderConfig& c, const std::vector<std::vector<int>>& rows) {
  double flops = 0;
  for (const auto& r : rows) {
    const double t = static_cast<double>(r.size()), h = c.hidden_size, f = c.intermediate_size;
    flops += c.num_hidden_layers * (2 * t * (4 * h * h + 2 * h * f) + 4 * t * t * h);
  }
  return flops;
}

// Times call(unit) for each unit (one batch each) after warming up on the first `warm_up`;
// messages is how many messages the units hold together.
template <typename Unit, typename Call>
Timing time_units(const std::vector<Unit>& units, size_t messages, size_t warm_up, Call&& call) {
  for (size_t i = 0; i < std::min(warm_up, units.size()); ++i) call(units[i]);
  std::vector<double> latency;
  const auto start = Clock::now();
  for (const auto& u : units) {
    const auto t = Clock::now();
    call(u);
    latency.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  return from_latencies(std::move(latency), messages, std::chrono::duration<double>(Clock::now() - start).count());
}

// Times forward(indices) over rows in length-sorted batches of batch rows: 10 warm-up batches first.
template <typename Forward>
Timing time_batches(const std::vector<std::vector<int>>& rows, size_t batch, Forward&& forward) {
  return time_units(models::length_sorted_batches(rows, batch), rows.size(), 10, forward);
}

Timing time_libtorch(models::Classifier& net, const std::vector<std::vector<int>>& rows, size_t batch, int pad) {
  c10::InferenceMode guard;
  return time_batches(rows, batch, [&](const std::vector<size_t>& idx) {
    auto b = models::make_batch(rows, idx, pad);  // padding is part of this path's cost
    net->forward(b.input_ids, b.attention_mask);
  });
}

Timing time_fast(const models::FastClassifier& fast, const std::vector<std::vector<int>>& rows, size_t batch) {
  models::FastClassifier::Context context;
  return time_batches(rows, batch, [&](const std::vector<size_t>& idx) { fast.forward(rows, idx, context); });
}

// GFLOP/s of the encoder's biggest product shape at batch 64 (64 messages x ~30 tokens, 256 -> 1024).
double gemm_roofline() {
  auto a = torch::randn({64 * 32, 256});
  auto b = torch::randn({256, 1024});
  for (int i = 0; i < 5; ++i) torch::matmul(a, b);
  const int reps = 50;
  const auto start = Clock::now();
  for (int i = 0; i < reps; ++i) torch::matmul(a, b);
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return reps * 2.0 * 64 * 32 * 256 * 1024 / s / 1e9;
}

// gflops < 0: not meaningful for this system (printed as null). extra: fields appended to the line.
void print(const std::string& system, const std::string& model, size_t batch, const Timing& t, double gflops,
           const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json line = {{"system", system}, {"model", model}, {"batch", batch},
                         {"messages_per_second", t.messages_per_second}, {"p50_ms", t.p50_ms},
                         {"p99_ms", t.p99_ms}, {"gflops_per_second", gflops < 0 ? nlohmann::json(nullptr) : nlohmann::json(gflops)}};
  line.update(extra);
  std::cout << line.dump() << std::endl;
}

// Distance between two sets of probabilities of the same messages (one value per level).
struct Distance {
  double max_abs = 0, sum_abs = 0;
  size_t values = 0;
  void add(double a, double b) {
    max_abs = std::max(max_abs, std::abs(a - b));
    sum_abs += std::abs(a - b);
    ++values;
  }
  nlohmann::json json(size_t messages) const {
    return {{"max_abs_probability_diff", max_abs}, {"mean_abs_probability_diff", values ? sum_abs / values : 0.0},
            {"messages", messages}};
  }
};

void print_tolerance(const std::string& model, const Distance& d, size_t messages) {
  std::cout << nlohmann::json({{"system", "guardian-bf16"}, {"model", model}, {"tolerance_vs_f32", d.json(messages)}})
                   .dump()
            << std::endl;
}

// Model::score over texts in chunks of batch, tokenisation included; one warm-up chunk first.
Timing time_model(models::Model& m, const std::vector<std::string>& texts, size_t batch) {
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < texts.size(); i += batch) {
    chunks.emplace_back(texts.begin() + static_cast<long>(i), texts.begin() + static_cast<long>(std::min(texts.size(), i + batch)));
  }
  return time_units(chunks, texts.size(), 1, [&](const std::vector<std::string>& chunk) { m.score(chunk); });
}

// Loads dir with the fast forward at precision ("f32" or "bf16"), as GUARDIAN_PRECISION asks serving to.
std::unique_ptr<models::Model> load_at(const fs::path& dir, const char* precision) {
  models::set_inference_precision(precision);
  auto m = models::load_model(dir);
  models::set_inference_precision("f32");
  return m;
}

// Whether the model in dir, or one of its ensemble members, is an encoder (what bf16 changes).
bool has_encoder(const fs::path& dir) {
  const auto config = core::read_json_file(dir / models::kConfigFile);
  const auto& g = config.contains("guardian") ? config["guardian"] : nlohmann::json::object();
  const std::string kind = g.value("kind", "encoder");
  if (kind != "ensemble") return kind == "encoder";
  for (const auto& name : g.at("members")) {
    if (has_encoder(dir / models::kMembersDir / name.get<std::string>())) return true;
  }
  return false;
}

// The same ensemble with its cascade off: a scratch directory whose config.json has no gate and
// whose members/ links to dir's, so both score with the very same members.
fs::path without_cascade(const fs::path& dir, const fs::path& work) {
  const fs::path out = work / ("no-cascade-" + std::to_string(std::hash<std::string>{}(dir.string())));
  fs::create_directories(out);
  auto config = core::read_json_file(dir / models::kConfigFile);
  config["guardian"]["cascade"] = nullptr;
  core::write_json_file(out / models::kConfigFile, config);
  fs::copy_file(dir / models::kPolicyFile, out / models::kPolicyFile, fs::copy_options::overwrite_existing);
  if (!fs::is_symlink(out / models::kMembersDir)) {  // a directory given twice reuses the link
    fs::create_directory_symlink(fs::absolute(dir / models::kMembersDir), out / models::kMembersDir);
  }
  return out;
}

// Rows for one model directory: as it is; an ensemble with a cascade also with it off; a model
// with an encoder also at bf16 (and its probabilities' distance from f32's). The variants are
// interleaved round by round, medians reported, so their ratios come from the same conditions.
void bench_model(const fs::path& dir, const std::vector<std::string>& texts, int rounds, const fs::path& work) {
  auto m = load_at(dir, "f32");
  const std::string base = dir.string() + " (" + m->kind();
  auto* ensemble = dynamic_cast<models::EnsembleModel*>(m.get());
  const bool cascade = ensemble != nullptr && ensemble->spec().gate >= 0;
  std::unique_ptr<models::Model> off = cascade ? load_at(without_cascade(dir, work), "f32") : nullptr;
  std::unique_ptr<models::Model> b16 =
      has_encoder(dir) && !models::bf16_gemm_backend().empty() ? load_at(dir, "bf16") : nullptr;
  const std::string tail = ", tokenisation included)";
  for (size_t batch : {1, 64}) {
    std::vector<Timing> t_as_is, t_off, t_b16;
    const size_t scored = cascade ? ensemble->scored() : 0, skipped = cascade ? ensemble->skipped() : 0;
    for (int r = 0; r < rounds; ++r) {
      t_as_is.push_back(time_model(*m, texts, batch));
      if (off) t_off.push_back(time_model(*off, texts, batch));
      if (b16) t_b16.push_back(time_model(*b16, texts, batch));
    }
    nlohmann::json extra = nlohmann::json::object();
    if (cascade) {
      extra["skipped_fraction"] = static_cast<double>(ensemble->skipped() - skipped) /
                                  static_cast<double>(ensemble->scored() - scored);
    }
    print("guardian", base + (cascade ? ", cascade on" : "") + tail, batch, median(t_as_is), -1, extra);
    if (off) print("guardian", base + ", cascade off" + tail, batch, median(t_off), -1);
    if (b16) print("guardian-bf16", base + (cascade ? ", cascade on" : "") + tail, batch, median(t_b16), -1);
  }
  if (!b16) return;
  Distance d;
  for (size_t i = 0; i < texts.size(); i += 64) {
    std::vector<std::string> chunk(texts.begin() + i, texts.begin() + std::min(texts.size(), i + 64));
    const auto want = m->score(chunk), got = b16->score(chunk);
    for (size_t k = 0; k < chunk.size(); ++k) {
      const std::string language = data::message_language(chunk[k]);
      const auto p = models::to_probabilities(want[k], m->policy(), language);
      const auto q = models::to_probabilities(got[k], m->policy(), language);
      for (size_t c = 0; c < p.size(); ++c) {
        for (size_t l = 0; l < p[c].size(); ++l) d.add(p[c][l], q[c][l]);
      }
    }
  }
  print_tolerance(dir.string(), d, texts.size());
}

// The reference encoder (random weights) run by guardian (f32 and bf16), guardian-libtorch and
// PyTorch eager, interleaved round by round; the GEMM roofline in the same run.
void bench_reference(const std::vector<std::string>& texts, int rounds, int threads, const std::string& python,
                     bool peers, const fs::path& work) {
  // The reference architecture with a tokenizer trained on the messages themselves.
  size_t next = 0;
  text::SentencePieceTrainOptions options;
  options.vocab_size = 8000;
  text::SentencePieceTokenizer::train([&](std::string& s) {
    if (next >= texts.size()) return false;
    s = texts[next++];
    return true;
  }, options, work / "tokenizer.model");
  auto tokenizer = text::SentencePieceTokenizer::load(work / "tokenizer.model");
  models::ClassifierOptions o;
  o.encoder.vocab_size = tokenizer->vocab_size();
  o.encoder.hidden_size = 256;
  o.encoder.num_hidden_layers = 4;
  o.encoder.num_attention_heads = 4;
  o.encoder.intermediate_size = 1024;
  o.encoder.max_position_embeddings = 64;
  o.levels = {2};
  torch::manual_seed(0);
  models::Classifier net(o);
  net->eval();
  models::save_weights(*net, work / "model.safetensors");
  nlohmann::json config;
  models::encoder_config_to_json(o.encoder, config);
  core::write_json_file(work / "config.json", config);
  std::vector<std::vector<int>> rows;
  for (const auto& t : texts) rows.push_back(models::encode_for_model(*tokenizer, t, 64));
  core::write_json_file(work / "ids.json", rows);
  const double flops = forward_flops(o.encoder, rows);

  auto fast = models::FastClassifier::from(*net);
  const bool bf16 = !models::bf16_gemm_backend().empty();
  auto fast16 = models::FastClassifier::from(*net, bf16 ? "bf16" : "f32");
  std::map<size_t, std::vector<Timing>> ours, ours16, libtorch, theirs;
  std::vector<double> roofline;
  for (int r = 0; r < rounds; ++r) {
    roofline.push_back(gemm_roofline());
    for (size_t batch : {1, 64}) {
      ours[batch].push_back(time_fast(fast, rows, batch));
      if (bf16) ours16[batch].push_back(time_fast(fast16, rows, batch));
      if (peers) libtorch[batch].push_back(time_libtorch(net, rows, batch, o.encoder.pad_token_id));
    }
    if (!peers) continue;
    const std::string command = python + " " + GUARDIAN_BENCH_DIR "/peers/torch_encoder.py " +
                                (work / "model.safetensors").string() + " " + (work / "config.json").string() + " " +
                                (work / "ids.json").string() + " " + std::to_string(threads);
    FILE* pipe = popen(command.c_str(), "r");
    char line[4096];
    while (pipe && fgets(line, sizeof line, pipe)) {
      auto j = nlohmann::json::parse(line);
      theirs[j["batch"].get<size_t>()].push_back(
          {j["messages_per_second"].get<double>(), j["p50_ms"].get<double>(), j["p99_ms"].get<double>()});
    }
    if (!pipe || pclose(pipe) != 0) throw std::runtime_error("the PyTorch peer failed: " + command);
  }
  const std::string model = "reference-4x256";
  for (size_t batch : {1, 64}) {
    const auto g = median(ours[batch]);
    print("guardian", model, batch, g, flops / rows.size() * g.messages_per_second / 1e9);
    if (bf16) {
      const auto b = median(ours16[batch]);
      print("guardian-bf16", model, batch, b, flops / rows.size() * b.messages_per_second / 1e9,
            {{"backend", models::bf16_gemm_backend()}});
    }
    if (!peers) continue;
    const auto l = median(libtorch[batch]), p = median(theirs[batch]);
    print("guardian-libtorch", model, batch, l, flops / rows.size() * l.messages_per_second / 1e9);
    print("pytorch-eager", model, batch, p, flops / rows.size() * p.messages_per_second / 1e9);
  }
  std::cout << nlohmann::json({{"system", "gemm-roofline"}, {"model", "matmul 2048x256x1024"},
                               {"gflops_per_second", median(roofline)}, {"threads", threads}})
                   .dump()
            << std::endl;
  if (!bf16) {
    std::cerr << "bench_throughput: no bf16 product here (no cblas_sbgemm, no libdnnl.so.2): no guardian-bf16 rows\n";
    return;
  }
  // bf16 against f32 on every message, batch 64 (the head's two-level softmax, untrained weights).
  Distance d;
  models::FastClassifier::Context context, context16;
  for (const auto& idx : models::length_sorted_batches(rows, 64)) {
    std::vector<float> want;
    const auto a = fast.forward(rows, idx, context);
    want.assign(a.begin(), a.end());
    const auto b = fast16.forward(rows, idx, context16);
    for (size_t k = 0; k < idx.size(); ++k) {
      const float* x = want.data() + 2 * k;
      const float* y = b.data() + 2 * k;
      const double px = 1.0 / (1.0 + std::exp(x[0] - x[1])), py = 1.0 / (1.0 + std::exp(y[0] - y[1]));
      d.add(px, py);
      d.add(1.0 - px, 1.0 - py);
    }
  }
  print_tolerance(model + " (random init)", d, rows.size());
}

}  // namespace

int main(int argc, char** argv) {
  // This program is an edge like the CLI: the data shelf may be named by the environment.
  if (const char* data = std::getenv("GUARDIAN_DATA"); data != nullptr && *data != '\0') {
    guardian::core::set_data_root(data, "GUARDIAN_DATA");
  }
  size_t messages = 2000;
  int rounds = 3;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  bool reference = true;
  bool peers = true;
  std::vector<std::string> model_dirs;
  std::string write_messages;
  std::string python = "/usr/bin/python3";
  try {
    for (int i = 1; i < argc; i += 2) {
      const std::string flag = argv[i];
      if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
      const std::string value = argv[i + 1];
      if (flag == "--messages") messages = std::stoul(value);
      else if (flag == "--rounds") rounds = std::stoi(value);
      else if (flag == "--threads") threads = std::stoi(value);
      else if (flag == "--reference") reference = value != "0";
      else if (flag == "--peers") peers = value != "0";
      else if (flag == "--model") model_dirs.push_back(value);
      else if (flag == "--write-messages") write_messages = value;
      else throw std::runtime_error("unknown option " + flag);
    }
    if (model_dirs.empty() && fs::exists(fs::path("models/default") / models::kConfigFile)) {
      model_dirs.push_back("models/default");
    }
    if (!write_messages.empty()) {  // for peers: one message per line, line breaks inside one made spaces
      std::ofstream out(write_messages);
      for (auto t : real_messages(messages)) {
        std::replace_if(t.begin(), t.end(), [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
        out << t << "\n";
      }
      return out.good() ? 0 : 1;
    }
    models::configure_threads(threads);
    const fs::path work = fs::temp_directory_path() / ("guardian_throughput_" + std::to_string(::getpid()));
    fs::create_directories(work);
    const auto texts = real_messages(messages);

    if (reference) bench_reference(texts, rounds, threads, python, peers, work);
    for (const auto& dir : model_dirs) bench_model(dir, texts, rounds, work);
    fs::remove_all(work);
  } catch (const std::exception& e) {
    std::cerr << "bench_throughput: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
