// Issue 6's throughput bench: messages per second and p50/p99 latency at batch 1 and 64, for a
// fixed reference encoder (4 layers, hidden 256, 4 heads, FFN 1024, up to 64 tokens) run by
// guardian (its torch-free inference forward, models::FastClassifier, as EncoderModel::score runs
// it; "guardian-libtorch" is the libtorch-module forward for comparison) and, with the same weights
// from the same safetensors file and the same token ids, by PyTorch eager in Python
// (bench/peers/torch_encoder.py); the systems interleaved three times, medians reported; plus the
// GEMM roofline measured in the same run, and the n-gram model kind.
//   bench_throughput [--messages 2000] [--rounds 3] [--threads N]
// One JSON line per (system, model, batch):
//   {"system","model","batch","messages_per_second","p50_ms","p99_ms","gflops_per_second"}
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/fs.h"
#include "data/card.h"
#include "data/reader.h"
#include "models/batching.h"
#include "models/classifier.h"
#include "models/encoder_model.h"
#include "models/fast_encoder.h"
#include "models/model_dir.h"
#include "models/weights.h"
#include "policy/policy.h"
#include "text/sentencepiece_tokenizer.h"
#include "train/data_sets.h"

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

// Real messages: TweetEval offensive test and BEEP! dev, alternating English and Korean.
std::vector<std::string> real_messages(size_t limit) {
  auto policy = train::resolve_policy("binary");
  auto en = train::load_sets({"tweeteval-offensive:test"}, policy, core::data_root(), train::Purpose::kEval, true);
  auto ko = train::load_sets({"beep:dev"}, policy, core::data_root(), train::Purpose::kEval, true);
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

// Times forward(indices) over rows in length-sorted batches of batch rows: 10 warm-up batches first.
template <typename Forward>
Timing time_batches(const std::vector<std::vector<int>>& rows, size_t batch, Forward&& forward) {
  const auto groups = models::length_sorted_batches(rows, batch);
  for (size_t i = 0; i < std::min<size_t>(10, groups.size()); ++i) forward(groups[i]);
  std::vector<double> latency;
  const auto start = Clock::now();
  for (const auto& g : groups) {
    const auto t = Clock::now();
    forward(g);
    latency.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latency.begin(), latency.end());
  return {rows.size() / total, latency[latency.size() / 2], latency[std::min(latency.size() - 1, latency.size() * 99 / 100)]};
}

Timing time_libtorch(models::Classifier& net, const std::vector<std::vector<int>>& rows, size_t batch, int pad) {
  c10::InferenceMode guard;
  return time_batches(rows, batch, [&](const std::vector<size_t>& idx) {
    auto b = models::make_batch(rows, idx, pad);  // padding is part of this path's cost
    net->forward(b.input_ids, b.attention_mask);
  });
}

Timing time_fast(models::FastClassifier& fast, const std::vector<std::vector<int>>& rows, size_t batch) {
  return time_batches(rows, batch, [&](const std::vector<size_t>& idx) { fast.forward(rows, idx); });
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

void print(const std::string& system, const std::string& model, size_t batch, const Timing& t, double gflops) {
  std::cout << nlohmann::json({{"system", system}, {"model", model}, {"batch", batch},
                               {"messages_per_second", t.messages_per_second}, {"p50_ms", t.p50_ms},
                               {"p99_ms", t.p99_ms}, {"gflops_per_second", gflops}})
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  size_t messages = 2000;
  int rounds = 3;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  std::string python = "/usr/bin/python3";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--messages") messages = std::stoul(argv[i + 1]);
    else if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
    else if (flag == "--threads") threads = std::stoi(argv[i + 1]);
  }
  try {
    models::configure_threads(threads);
    const fs::path work = fs::temp_directory_path() / ("guardian_throughput_" + std::to_string(::getpid()));
    fs::create_directories(work);
    const auto texts = real_messages(messages);

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
    models::write_json_file(work / "config.json", config);
    std::vector<std::vector<int>> rows;
    for (const auto& t : texts) rows.push_back(models::encode_for_model(*tokenizer, t, 64));
    models::write_json_file(work / "ids.json", rows);
    const double flops = forward_flops(o.encoder, rows);

    auto fast = models::FastClassifier::from(*net);
    std::map<size_t, std::vector<Timing>> ours, libtorch, theirs;
    std::vector<double> roofline;
    for (int r = 0; r < rounds; ++r) {
      roofline.push_back(gemm_roofline());
      for (size_t batch : {1, 64}) {
        ours[batch].push_back(time_fast(fast, rows, batch));
        libtorch[batch].push_back(time_libtorch(net, rows, batch, o.encoder.pad_token_id));
      }
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
    auto med = [](const std::vector<Timing>& v) {
      std::vector<double> a, b, c;
      for (const auto& t : v) a.push_back(t.messages_per_second), b.push_back(t.p50_ms), c.push_back(t.p99_ms);
      return Timing{median(a), median(b), median(c)};
    };
    const std::string model = "reference-4x256";
    for (size_t batch : {1, 64}) {
      const auto g = med(ours[batch]), l = med(libtorch[batch]), p = med(theirs[batch]);
      print("guardian", model, batch, g, flops / rows.size() * g.messages_per_second / 1e9);
      print("guardian-libtorch", model, batch, l, flops / rows.size() * l.messages_per_second / 1e9);
      print("pytorch-eager", model, batch, p, flops / rows.size() * p.messages_per_second / 1e9);
    }
    std::cout << nlohmann::json({{"system", "gemm-roofline"}, {"model", "matmul 2048x256x1024"},
                                 {"gflops_per_second", median(roofline)}, {"threads", threads}})
                     .dump()
              << std::endl;

    // Models guardian ships, as they are (default model directory and the n-gram kind) when present.
    for (const char* dir : {"models/default", "models/default-ngram"}) {
      if (!fs::exists(fs::path(dir) / "config.json")) continue;
      auto m = models::load_model(dir);
      for (size_t batch : {1, 64}) {
        std::vector<double> latency;
        const auto start = Clock::now();
        for (size_t i = 0; i < texts.size(); i += batch) {
          std::vector<std::string> chunk(texts.begin() + i, texts.begin() + std::min(texts.size(), i + batch));
          const auto t = Clock::now();
          m->score(chunk);
          latency.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
        }
        const double total = std::chrono::duration<double>(Clock::now() - start).count();
        std::sort(latency.begin(), latency.end());
        print("guardian", std::string(dir) + " (" + m->kind() + ", tokenisation included)", batch,
              {texts.size() / total, latency[latency.size() / 2], latency[latency.size() * 99 / 100]}, 0.0);
      }
    }
    fs::remove_all(work);
  } catch (const std::exception& e) {
    std::cerr << "bench_throughput: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
