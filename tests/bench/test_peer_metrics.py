"""The metric helpers of the peers that import scikit-learn (classic_peers.py, default_check.py,
transfer.py), compiled from their source without it: calibration, binary macro-F1 and thresholds."""
import unittest

import numpy as np

from bench_modules import functions
from paired_bootstrap import macro_f1

calibration, flagged_truth = functions("classic_peers.py", "calibration", "flagged_truth")
flag_macro_f1, ece = functions("default_check.py", "macro_f1", "ece")
share_threshold, threshold_on, adapt_mask, peer_seeds = functions(
    "transfer.py", "share_threshold", "threshold_on", "adapt_mask", "peer_seeds", np=np, macro_f1=macro_f1)

# Two bins used: 0.1 alone (no positive) and 0.9, 1.0, 0.95 (mean 0.95, two positives of three). The
# score of 1 belongs to the last bin and is a negative, so the last bin's ECE depends on it.
TRUTH = [0, 1, 0, 1]
PROB = [0.1, 0.9, 1.0, 0.95]
ECE = 1 / 4 * 0.1 + 3 / 4 * (0.95 - 2 / 3)
BRIER = (0.1 ** 2 + 0.1 ** 2 + 1.0 ** 2 + 0.05 ** 2) / 4


class CalibrationTest(unittest.TestCase):
    def test_classic_peers_ece_and_brier(self):
        got_ece, got_brier = calibration(TRUTH, PROB)
        self.assertAlmostEqual(got_ece, ECE)
        self.assertAlmostEqual(got_brier, BRIER)

    def test_scores_outside_zero_one_are_clipped(self):
        self.assertEqual(calibration([1, 0], [1.5, -0.5]), (0.0, 0.0))

    def test_default_check_ece_agrees(self):
        self.assertAlmostEqual(ece(list(zip(PROB, TRUTH))), ECE)

    def test_flagged_truth(self):
        self.assertEqual(flagged_truth([0, 1, 2, 0]), [0, 1, 1, 0])


class FlagMacroF1Test(unittest.TestCase):
    def test_hand_computed(self):
        # flag: tp 1, fp 1, fn 0 -> 2/3; allow: tp 2, fp 0, fn 1 -> 4/5
        rows = [(True, True), (True, False), (False, False), (False, False)]
        self.assertAlmostEqual(flag_macro_f1(rows), 100 * (2 / 3 + 4 / 5) / 2)

    def test_agrees_with_the_paired_bootstrap(self):
        flagged, toxic = [1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 1, 0]
        expected = 100 * macro_f1(np.array([toxic]), np.array([flagged]), 2)[0]
        self.assertAlmostEqual(flag_macro_f1([(f == 1, t == 1) for f, t in zip(flagged, toxic)]), expected)


class ThresholdTest(unittest.TestCase):
    def test_share_threshold_flags_the_closest_share(self):
        prob = np.array([0.9, 0.8, 0.7, 0.6])  # each threshold flags 1/4, 2/4, 3/4, 4/4
        self.assertEqual(share_threshold(prob, 0.5), 0.8)
        self.assertEqual(share_threshold(prob, 0.3), 0.9)
        self.assertEqual(share_threshold(prob, 0.375), 0.9)  # a tie between 1/4 and 2/4: the smaller share
        self.assertEqual(share_threshold(prob, 0.9), 0.6)

    def test_share_threshold_flags_tied_scores_together(self):
        self.assertEqual(share_threshold(np.array([0.9, 0.5, 0.5, 0.1]), 0.5), 0.9)  # 1/4 or 3/4: a tie

    def test_share_threshold_above_every_score_flags_none(self):
        threshold = share_threshold(np.array([0.9, 0.8]), 0.0)
        self.assertGreater(threshold, 0.9)
        self.assertEqual(threshold, np.nextafter(0.9, 2.0))

    def test_threshold_on_picks_the_best_macro_f1(self):
        self.assertEqual(threshold_on(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.5, 0.8])), 0.5)

    def test_peer_transfer_files_hold_one_run_per_seed(self):
        one = {"predicted": [0, 1], "flag_prob": [0.2, 0.9]}
        two = {"predicted": [1, 1], "flag_prob": [0.6, 0.7]}
        self.assertEqual(peer_seeds({"seeds": [one, two]}), [one, two])
        self.assertEqual(peer_seeds(one), [one])  # a file of one run is one seed

    def test_adapt_mask_is_seeded(self):
        mask = adapt_mask(1000, 3, 0.2)
        np.testing.assert_array_equal(mask, adapt_mask(1000, 3, 0.2))
        self.assertAlmostEqual(mask.mean(), 0.2, delta=0.04)
        self.assertFalse(adapt_mask(10, 3, 0.0).any())
        self.assertTrue(adapt_mask(10, 3, 1.0).all())


if __name__ == "__main__":
    unittest.main()
