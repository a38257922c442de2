#include "core/json_file.h"
#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/fs.h"
#include "models/model_dir.h"
#include "models/weights.h"

namespace guardian::train {

namespace fs = std::filesystem;

namespace {

// torch::save writes in place; route it through a temporary and a rename.
template <typename Saveable>
void save_atomically(const Saveable& value, const fs::path& path) {
  const fs::path temp = path.string() + ".tmp";
  torch::save(value, temp.string());
  fs::rename(temp, path);
}

}  // namespace

void save_checkpoint(const fs::path& dir, const TrainerState& state, const torch::nn::Module& module,
                     const torch::optim::Optimizer& optimizer) {
  fs::create_directories(dir);
  models::save_weights(module, dir / "model.safetensors");
  {
    torch::serialize::OutputArchive archive;
    optimizer.save(archive);
    const fs::path temp = dir / "optimizer.pt.tmp";
    archive.save_to(temp.string());
    fs::rename(temp, dir / "optimizer.pt");
  }
  auto generator = at::detail::getDefaultCPUGenerator();
  save_atomically(generator.get_state(), dir / "rng.pt");
  nlohmann::json j = {
      {"recipe", state.recipe}, {"step", state.step}, {"epoch", state.epoch},
      {"batch_in_epoch", state.batch_in_epoch}, {"best", state.best},
      {"evals_since_best", state.evals_since_best}, {"early_stopped", state.early_stopped},
      {"schedule", {{"warmup_steps", state.schedule.warmup_steps}, {"total_steps", state.schedule.total_steps},
                    {"peak", state.schedule.peak}}},
  };
  core::write_json_file(dir / "state.json", j);
}

std::optional<TrainerState> load_checkpoint(const fs::path& dir, const std::string& recipe, torch::nn::Module& module,
                                            torch::optim::Optimizer& optimizer) {
  if (!fs::exists(dir / "state.json")) return std::nullopt;
  auto j = core::read_json_file(dir / "state.json");
  if (j.value("recipe", std::string()) != recipe) {
    spdlog::warn("{} was made with another recipe or seed; starting over", dir.string());
    return std::nullopt;
  }
  TrainerState state;
  state.recipe = recipe;
  state.step = j.at("step").get<int64_t>();
  state.epoch = j.at("epoch").get<int64_t>();
  state.batch_in_epoch = j.at("batch_in_epoch").get<int64_t>();
  state.best = j.at("best").get<double>();
  state.evals_since_best = j.at("evals_since_best").get<int>();
  state.early_stopped = j.at("early_stopped").get<bool>();
  state.schedule.warmup_steps = j.at("schedule").at("warmup_steps").get<int64_t>();
  state.schedule.total_steps = j.at("schedule").at("total_steps").get<int64_t>();
  state.schedule.peak = j.at("schedule").at("peak").get<double>();
  models::load_weights(module, dir / "model.safetensors");
  torch::serialize::InputArchive archive;
  archive.load_from((dir / "optimizer.pt").string());
  optimizer.load(archive);
  torch::Tensor rng;
  torch::load(rng, (dir / "rng.pt").string());
  auto generator = at::detail::getDefaultCPUGenerator();
  generator.set_state(rng);
  return state;
}

}  // namespace guardian::train
