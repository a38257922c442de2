// The learning-rate schedule: linear warm-up to the peak, then linear decay to 10% of it (at), or
// a cosine to 10% of it (cosine_at, causal pretraining).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace guardian::train {

struct Schedule {
  int64_t warmup_steps = 0;  // steps rising linearly from 0 to the peak
  int64_t total_steps = 1;   // the step at which decay ends
  double peak = 1e-3;        // peak learning rate

  double at(int64_t step) const {
    if (step < warmup_steps) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
    const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
    const double progress = std::clamp(static_cast<double>(step - warmup_steps) / span, 0.0, 1.0);
    return peak * (1.0 - 0.9 * progress);
  }
  double cosine_at(int64_t step) const {
    if (step < warmup_steps) return at(step);
    const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
    const double progress = std::clamp(static_cast<double>(step - warmup_steps) / span, 0.0, 1.0);
    return peak * (0.1 + 0.45 * (1.0 + std::cos(progress * 3.14159265358979323846)));
  }
};

}  // namespace guardian::train
