"""bench/peers/classic_peers.py without scikit-learn or fastText: the text folding every peer gets
(guardian's), fastText's predict-prob lines, the class offsets fitted on validation predictions as
guardian fits its own, a peer's row over seeds, and the row of a peer that failed."""
import contextlib
import io
import json
import os
import string
import tempfile
import unittest

import numpy as np

from bench_modules import functions

NAMES = ("ASCII_LOWER", "GUARDIAN_SPACES", "fold_like_guardian", "guardian_words", "macro_f1_of",
         "OFFSET_STEP", "fit_class_offsets", "checked_class_offsets", "predict_prob_matrix", "PeerFailed",
         "failed_row", "guarded", "Run", "log_of", "score_runs", "summary_row", "flagged_truth", "calibration",
         "PREDICTIONS_DIR", "TRANSFER")


def peers(roc_auc=lambda truth, prob: 0.5):
    """The functions above in one namespace, roc_auc_score stubbed (it is scikit-learn's)."""
    found = functions("classic_peers.py", *NAMES, np=np, string=string, json=json, os=os, roc_auc_score=roc_auc)
    return dict(zip(NAMES, found))


P = peers()


class FoldTest(unittest.TestCase):
    def test_ascii_capitals_only(self):
        self.assertEqual(P["fold_like_guardian"]("IDIOT Idiot ÉCOLE Москва 시발 ＡＢ"), "idiot idiot École Москва 시발 ＡＢ")

    def test_words_are_cut_at_guardian_spaces_only(self):
        self.assertEqual(P["guardian_words"]("a\tb\nc\rd  e"), ["a", "b", "c", "d", "e"])
        self.assertEqual(P["guardian_words"]("f*ck,you! id.iot"), ["f*ck,you!", "id.iot"])  # punctuation stays
        self.assertEqual(P["guardian_words"]("a\u3000b"), ["a\u3000b"])  # not a space guardian cuts at
        self.assertEqual(P["guardian_words"](""), [])
        self.assertEqual(P["fold_like_guardian"]("  You\tIDIOT!\n"), "you idiot!")


class MacroF1Test(unittest.TestCase):
    def test_hand_computed(self):
        # class 0: tp 1 of 2 true, 1 predicted -> 2/3; class 1: tp 2, 2 true, 3 predicted -> 4/5
        self.assertAlmostEqual(P["macro_f1_of"]([0, 0, 1, 1], [0, 1, 1, 1], 2), (2 / 3 + 4 / 5) / 2)
        self.assertAlmostEqual(P["macro_f1_of"]([0, 1], [0, 1], 3), 2 / 3)  # an absent class scores 0


class ClassOffsetsTest(unittest.TestCase):
    # Three classes; in the class 2 rows class 2 is second to class 1 by log(0.5 / 0.4) = 0.22, so
    # the argmax never says 2; the class 1 rows lead class 2 by log(0.6 / 0.3) = 0.69. Class 1
    # comes first in the sweep: its offset of -0.25 (the grid point nearest zero past 0.22) gets
    # every row right, and class 2 then has nothing to gain.
    LOG_PROBS = np.log([[0.8, 0.1, 0.1]] * 4 + [[0.1, 0.6, 0.3]] * 4 + [[0.1, 0.5, 0.4]] * 4)
    LABELS = [0] * 4 + [1] * 4 + [2] * 4

    def test_fit_reaches_the_grid_point_nearest_zero_that_gets_every_row_right(self):
        offsets = P["fit_class_offsets"](self.LOG_PROBS, self.LABELS)
        np.testing.assert_allclose(offsets, [0.0, -0.25, 0.0])
        self.assertEqual(P["macro_f1_of"](self.LABELS, np.argmax(self.LOG_PROBS + offsets, axis=1), 3), 1.0)

    def test_no_gain_means_no_offsets(self):
        right = np.log([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
        np.testing.assert_array_equal(P["fit_class_offsets"](right, [0, 1, 2]), [0.0, 0.0, 0.0])

    def test_checked_keeps_offsets_that_carry_over(self):
        log_probs = np.concatenate([self.LOG_PROBS] * 5)
        offsets, applied = P["checked_class_offsets"](log_probs, self.LABELS * 5, seed=1)
        self.assertTrue(applied)
        np.testing.assert_allclose(offsets, [0.0, -0.25, 0.0])

    def test_checked_drops_offsets_that_do_not(self):
        # the class 2 rows look exactly like class 1 rows: an offset helps one half's fit by luck only
        log_probs = np.log([[0.8, 0.1, 0.1]] * 10 + [[0.1, 0.6, 0.3]] * 20)
        labels = [0] * 10 + [1, 2] * 10
        offsets, applied = P["checked_class_offsets"](log_probs, labels, seed=1)
        self.assertFalse(applied)
        np.testing.assert_array_equal(offsets, [0.0, 0.0, 0.0])


class PredictProbTest(unittest.TestCase):
    def test_lines_become_a_matrix_in_label_order(self):
        out = "__label__1 0.7 __label__0 0.3\n__label__0 0.9 __label__2 0.05\n"
        np.testing.assert_allclose(P["predict_prob_matrix"](out, 2, 3), [[0.3, 0.7, 0.0], [0.9, 0.0, 0.05]])

    def test_a_missing_line_is_all_zeros(self):
        np.testing.assert_array_equal(P["predict_prob_matrix"]("__label__0 1\n", 2, 2), [[1.0, 0.0], [0.0, 0.0]])


class ScoreRunsTest(unittest.TestCase):
    VALID = (["v"] * 4, [0, 1, 0, 1])
    TEST = (["t"] * 4, [0, 1, 1, 0])

    def run_of(self, test_prob, seconds=1.0):
        valid_prob = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
        return P["Run"](seconds, valid_prob, np.array(test_prob), {})

    def test_mean_and_spread_over_seeds(self):
        right = [[0.9, 0.1], [0.1, 0.9], [0.2, 0.8], [0.6, 0.4]]  # all four right: 1.0
        two_wrong = [[0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.4, 0.6]]  # rows 3 and 4 wrong: 0.5
        row = P["score_runs"]("t", "peer", [self.run_of(right, 2.0), self.run_of(two_wrong, 4.0)], self.VALID, self.TEST)
        self.assertEqual((row["macro_f1"], row["seeds"], row["train_seconds"]), (75.0, 2, 3.0))
        self.assertEqual(row["macro_f1_std"], round(100 * np.std([1.0, 0.5], ddof=1), 2))
        self.assertEqual((row["valid_macro_f1"], row["accuracy"], row["roc_auc"]), (100.0, 75.0, 50.0))
        self.assertNotIn("offsets_applied", row)  # two classes: the argmax as trained

    def test_three_classes_take_the_validation_offsets(self):
        log_probs = ClassOffsetsTest.LOG_PROBS
        labels = ClassOffsetsTest.LABELS
        prob = np.exp(np.concatenate([log_probs] * 5))
        run = P["Run"](1.0, prob, prob, {})
        data = (["x"] * len(prob), labels * 5)
        row = P["score_runs"]("t", "peer", [run], data, data)
        self.assertEqual(row["offsets_applied"], 1)
        self.assertEqual(row["macro_f1"], 100.0)  # without the offsets class 2 is never predicted

    def test_predictions_are_written_per_seed(self):
        with tempfile.TemporaryDirectory() as directory:
            namespace = peers()
            namespace["score_runs"].__globals__["PREDICTIONS_DIR"] = directory
            right = [[0.9, 0.1], [0.1, 0.9], [0.2, 0.8], [0.6, 0.4]]
            namespace["score_runs"]("t", "peer", [self.run_of(right), self.run_of(right)], self.VALID, self.TEST)
            with open(os.path.join(directory, "pred-peer.json")) as f:
                self.assertEqual(json.load(f), [[0, 1, 1, 0], [0, 1, 1, 0]])


class FailedPeerTest(unittest.TestCase):
    def guarded(self, make_row):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            returned = P["guarded"]("t", "fasttext-autotune", make_row)
        (printed,) = [json.loads(line) for line in out.getvalue().splitlines()]
        self.assertEqual(printed, returned)
        return printed

    def test_a_peer_that_raises_prints_a_failed_row(self):
        def timeout():
            raise P["PeerFailed"]("timeout after 1200 s (seed 2)", train_seconds=3.0)

        self.assertEqual(self.guarded(timeout), {"task": "t", "system": "fasttext-autotune", "macro_f1": None,
                                                 "failed": "timeout after 1200 s (seed 2)", "train_seconds": 3.0})

    def test_any_exception_is_the_peer_s_failure(self):
        def crash():
            raise ValueError("bad input")

        row = self.guarded(crash)
        self.assertEqual((row["failed"], row["macro_f1"]), ("ValueError: bad input", None))

    def test_a_peer_that_works_prints_its_row(self):
        self.assertEqual(self.guarded(lambda: {"task": "t", "system": "x", "macro_f1": 70.0}),
                         {"task": "t", "system": "x", "macro_f1": 70.0})


if __name__ == "__main__":
    unittest.main()
