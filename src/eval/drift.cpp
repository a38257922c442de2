#include "eval/drift.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace guardian::eval {

ShareDrift compare_shares(double reference_share, int64_t reference_rows, int64_t flagged, int64_t rows) {
  if (!(reference_share >= 0.0 && reference_share <= 1.0)) {
    throw InputError("drift check: reference share " + std::to_string(reference_share) + " is outside [0, 1]");
  }
  if (reference_rows < 0 || rows < 0 || flagged < 0 || flagged > rows) {
    throw InputError("drift check: " + std::to_string(flagged) + " flagged of " + std::to_string(rows) +
                     " rows against " + std::to_string(reference_rows) + " reference rows");
  }
  ShareDrift d;
  d.reference = reference_share;
  if (rows == 0 || reference_rows == 0) return d;
  d.observed = static_cast<double>(flagged) / static_cast<double>(rows);
  const double n0 = static_cast<double>(reference_rows), n1 = static_cast<double>(rows);
  const double pooled = (reference_share * n0 + d.observed * n1) / (n0 + n1);
  const double se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / n0 + 1.0 / n1));
  if (se > 0.0) d.z = (d.observed - reference_share) / se;
  const double moved = std::abs(d.observed - reference_share);
  d.drifted = std::abs(d.z) >= kDriftZ && moved >= std::max(kDriftRelative * reference_share, kDriftAbsolute);
  return d;
}

}  // namespace guardian::eval
