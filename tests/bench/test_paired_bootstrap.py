"""bench/peers/paired_bootstrap.py: macro-F1 against hand-computed values, and the bootstrap's
interval on a small test split written as quality.sh leaves it."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest
import warnings
from unittest import mock

import numpy as np

import bench_modules  # noqa: F401  (puts bench/peers/ on the path)
import paired_bootstrap

LEVELS = ["none", "toxic"]  # guardian's levels of the one category; label 0 is "none"


def write_split(directory, truth, guardian_seeds, peers):
    """test.jsonl, guardian-seed-<k>.jsonl and pred-<peer>.json as quality.sh writes them."""
    texts = ["message %d" % i for i in range(len(truth))]
    with open(os.path.join(directory, "test.jsonl"), "w", encoding="utf-8") as f:
        for i, (text, label) in enumerate(zip(texts, truth)):
            f.write(json.dumps({"id": str(i), "text": text, "label": label}) + "\n")
    for k, predicted in enumerate(guardian_seeds, 1):
        with open(os.path.join(directory, "guardian-seed-%d.jsonl" % k), "w", encoding="utf-8") as f:
            for text, t, p in zip(texts, truth, predicted):
                f.write(json.dumps({"text": text, "truth": {"toxic": LEVELS[t]},
                                    "predicted": {"toxic": LEVELS[p]}}) + "\n")
    for name, predicted in peers.items():
        with open(os.path.join(directory, "pred-%s.json" % name), "w") as f:
            json.dump(predicted, f)


def bootstrap(directory, resamples=500, seed=0):
    """The JSON lines paired_bootstrap.py prints for the split in directory."""
    argv = ["paired_bootstrap.py", "--task", "t", "--dir", directory, "--resamples", str(resamples), "--seed", str(seed)]
    out = io.StringIO()
    with mock.patch.object(sys, "argv", argv), contextlib.redirect_stdout(out), quiet_files():
        paired_bootstrap.main()
    return [json.loads(line) for line in out.getvalue().splitlines()]


@contextlib.contextmanager
def quiet_files():
    """paired_bootstrap.py leaves closing its input files to the garbage collector: no ResourceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield


def flip(labels, *at):
    return [1 - v if i in at else v for i, v in enumerate(labels)]


TRUTH = [0] * 10 + [1] * 10


class MacroF1Test(unittest.TestCase):
    def f1(self, truth, predicted, classes=2):
        return paired_bootstrap.macro_f1(np.array(truth), np.array(predicted), classes)

    def test_hand_computed(self):
        # class 0: tp 1, 2 true, 1 predicted -> 2/3; class 1: tp 2, 2 true, 3 predicted -> 4/5
        self.assertAlmostEqual(self.f1([[0, 0, 1, 1]], [[0, 1, 1, 1]])[0], (2 / 3 + 4 / 5) / 2)
        self.assertEqual(self.f1([[0, 1, 1]], [[0, 1, 1]])[0], 1.0)
        self.assertEqual(self.f1([[0, 1]], [[1, 0]])[0], 0.0)

    def test_absent_class_scores_zero(self):
        # class 2 is in neither truth nor prediction: its F1 is 0 and still counts in the mean
        self.assertAlmostEqual(self.f1([[0, 1]], [[0, 1]], classes=3)[0], 2 / 3)

    def test_one_value_per_resample(self):
        np.testing.assert_allclose(self.f1([[0, 0, 1, 1], [0, 0, 1, 1]], [[0, 1, 1, 1], [0, 0, 1, 1]]),
                                   [(2 / 3 + 4 / 5) / 2, 1.0])


class BootstrapTest(unittest.TestCase):
    def setUp(self):
        temporary = tempfile.TemporaryDirectory()
        self.addCleanup(temporary.cleanup)
        self.dir = temporary.name

    def test_interval_is_reproducible_and_holds_the_difference(self):
        # guardian: seed 1 perfect (1.0), seed 2 two errors (0.9); the peer four errors (0.8)
        write_split(self.dir, TRUTH, [TRUTH, flip(TRUTH, 0, 19)], {"peer": flip(TRUTH, 0, 1, 18, 19)})
        first, second = bootstrap(self.dir), bootstrap(self.dir)
        self.assertEqual(first, second)
        (line,) = first
        self.assertEqual((line["task"], line["system"], line["vs"], line["resamples"]), ("t", "guardian", "peer", 500))
        self.assertEqual(line["macro_f1_diff"], 15.0)
        self.assertLessEqual(line["ci95_low"], line["macro_f1_diff"])
        self.assertLessEqual(line["macro_f1_diff"], line["ci95_high"])
        self.assertLess(line["ci95_low"], line["ci95_high"])
        self.assertLess(line["p_not_better"], 0.5)
        self.assertNotEqual(bootstrap(self.dir, seed=1), first)

    def test_identical_systems_differ_by_zero(self):
        predicted = flip(TRUTH, 3, 12)
        write_split(self.dir, TRUTH, [predicted], {"same": predicted})
        (line,) = bootstrap(self.dir)
        self.assertEqual((line["macro_f1_diff"], line["ci95_low"], line["ci95_high"]), (0.0, 0.0, 0.0))
        self.assertEqual(line["p_not_better"], 1.0)  # a tie is "not better"

    def test_guardian_seed_spread_enters_the_interval(self):
        # guardian: one seed perfect (1.0), one all wrong (0.0); the peer perfect. Resampling the
        # messages alone would give -50 on every resample; drawing the two seeds with replacement
        # gives -100, -50 or 0.
        wrong = [1 - t for t in TRUTH]
        write_split(self.dir, TRUTH, [TRUTH, wrong], {"peer": TRUTH})
        (line,) = bootstrap(self.dir)
        self.assertEqual(line["macro_f1_diff"], -50.0)
        self.assertEqual((line["ci95_low"], line["ci95_high"]), (-100.0, 0.0))
        self.assertEqual((line["seeds"], line["vs_seeds"]), (2, 1))

    def test_peer_seeds_are_averaged_and_resampled(self):
        wrong = [1 - t for t in TRUTH]
        write_split(self.dir, TRUTH, [TRUTH], {"peer": [TRUTH, wrong]})
        (line,) = bootstrap(self.dir)
        self.assertEqual(line["macro_f1_diff"], 50.0)  # 1.0 against the peer's mean of 1.0 and 0.0
        self.assertEqual((line["ci95_low"], line["ci95_high"]), (0.0, 100.0))
        self.assertEqual((line["seeds"], line["vs_seeds"]), (1, 2))

    def test_one_seed_a_side_resamples_the_messages_only(self):
        # with one seed each, the seeds drawn are always those: the interval of the earlier check
        write_split(self.dir, TRUTH, [TRUTH], {"peer": [flip(TRUTH, 0, 1, 18, 19)]})
        nested = bootstrap(self.dir)
        write_split(self.dir, TRUTH, [TRUTH], {"peer": flip(TRUTH, 0, 1, 18, 19)})
        self.assertEqual(bootstrap(self.dir), nested)

    def test_peer_runs_reads_one_list_or_a_list_per_seed(self):
        self.assertEqual([r.tolist() for r in paired_bootstrap.peer_runs([0, 1, 1])], [[0, 1, 1]])
        self.assertEqual([r.tolist() for r in paired_bootstrap.peer_runs([[0, 1], [1, 1]])], [[0, 1], [1, 1]])

    def test_guardian_levels_become_the_export_labels(self):
        write_split(self.dir, [1, 0, 1], [[1, 1, 0]], {})
        path = os.path.join(self.dir, "guardian-seed-1.jsonl")
        with quiet_files():
            predicted = paired_bootstrap.guardian_predictions(path, ["message 0", "message 1", "message 2"], [1, 0, 1])
            self.assertEqual(predicted.tolist(), [1, 1, 0])
            with self.assertRaises(SystemExit):  # rows must be the test split's messages, in order
                paired_bootstrap.guardian_predictions(path, ["message 0", "message 2", "message 1"], [1, 0, 1])


if __name__ == "__main__":
    unittest.main()
