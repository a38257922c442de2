// The drift check: has the share of messages a category flags parted from the share it flagged on
// the data its threshold was set on (the policy's reference share)? A threshold that no longer
// fits the traffic shows there first, before any label arrives (TweetEval hate's test split: the
// bench's headline flags 0.92 of it against 0.39 of its validation split, at the same threshold).
#pragma once

#include <cstdint>

namespace guardian::eval {

// A share is called drifted only when the difference is both beyond sampling noise and large
// enough to matter: |z| of the two-proportion test at least kDriftZ (a window of unshifted
// traffic almost never reaches 4), and the share moved by at least kDriftRelative of the
// reference (or kDriftAbsolute, for a reference near zero).
inline constexpr double kDriftZ = 4.0;
inline constexpr double kDriftRelative = 0.25;
inline constexpr double kDriftAbsolute = 0.01;

struct ShareDrift {
  double observed = 0.0;   // flagged / rows
  double reference = 0.0;  // the reference share
  double z = 0.0;          // two-proportion z statistic (pooled), positive when more is flagged now
  bool drifted = false;    // see the constants above
};

// flagged of rows against reference_share of reference_rows. With no rows (or no reference rows)
// nothing can be said: z = 0, not drifted. Throws InputError for a share outside [0, 1], negative
// counts or flagged > rows.
ShareDrift compare_shares(double reference_share, int64_t reference_rows, int64_t flagged, int64_t rows);

}  // namespace guardian::eval
