// The environment variables guardian honours, read here at the edge and nowhere in the library:
//   GUARDIAN_DATA        the data shelf (core::set_data_root)
//   GUARDIAN_CONFIGS     the built-in configs folder (core::set_config_dir)
//   GUARDIAN_SPM_PLUGIN  the SentencePiece plugin to load (text::set_spm_plugin_path)
//   GUARDIAN_PRECISION   f32 or bf16 for encoder models' forward (models::set_inference_precision)
#include <cstdlib>
#include <string>

#include "apps/guardian/commands.h"
#include "core/fs.h"
#include "models/fast_encoder.h"
#include "text/spm_backend.h"

namespace guardian::app {

namespace {

// The variable's value, "" when unset or empty.
std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

void apply_environment() {
  if (const auto data = env("GUARDIAN_DATA"); !data.empty()) core::set_data_root(data, "GUARDIAN_DATA");
  if (const auto configs = env("GUARDIAN_CONFIGS"); !configs.empty()) core::set_config_dir(configs);
  if (const auto plugin = env("GUARDIAN_SPM_PLUGIN"); !plugin.empty()) text::set_spm_plugin_path(plugin);
  models::set_inference_precision(env("GUARDIAN_PRECISION"));
}

}  // namespace guardian::app
