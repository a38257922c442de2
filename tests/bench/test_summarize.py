"""bench/summarize.py: the markdown tables it prints for a small hand-made set of quality.sh lines."""
import contextlib
import io
import json
import sys
import unittest
from unittest import mock

import bench_modules  # noqa: F401  (puts bench/ on the path)
import summarize


def run(lines):
    """summarize.py's stdout and exit status for the given JSON lines (dicts) and raw lines (str) on stdin."""
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    out = io.StringIO()
    with mock.patch.object(sys, "argv", ["summarize.py"]), mock.patch.object(sys, "stdin", io.StringIO(text)), \
            contextlib.redirect_stdout(out):
        try:
            status = summarize.main()
        except SystemExit as e:
            status = e.code
    return out.getvalue(), status


# Two tasks: t1 with three seeds, calibration and paired lines against both peers (tfidf-lr is the
# better one by test macro-F1, so its line is the one shown); t2 with one seed and no paired line.
SCORES = [
    "== t1",  # quality.sh's progress lines are not JSON and are skipped
    {"task": "pretraining", "system": "guardian-bag-pretrain", "train_seconds": 12.0},  # no macro_f1: skipped
    {"task": "t1", "system": "guardian", "macro_f1": 80.0, "macro_f1_std": 1.234, "seeds": 3,
     "ece": 0.05, "brier": 0.1, "ece_calibrated": 0.03, "brier_calibrated": 0.09},
    {"task": "t1", "system": "guardian-ngram", "macro_f1": 75.5, "macro_f1_std": 0.5, "seeds": 3},
    {"task": "t1", "system": "fasttext-word", "macro_f1": 78.25, "seeds": 1, "ece": 0.08, "brier": 0.12},
    {"task": "t1", "system": "tfidf-lr", "macro_f1": 79.004, "seeds": 1, "ece": 0.0612, "brier": 0.11},
    {"task": "t1", "system": "guardian", "vs": "fasttext-word", "macro_f1_diff": 1.75, "ci95_low": 0.2,
     "ci95_high": 3.1, "p_not_better": 0.01},
    {"task": "t1", "system": "guardian", "vs": "tfidf-lr", "macro_f1_diff": 1.0, "ci95_low": -0.5,
     "ci95_high": 2.5, "p_not_better": 0.1234},
    {"task": "t2", "system": "guardian", "macro_f1": 60.0, "macro_f1_std": 0.0, "seeds": 1},
    {"task": "t2", "system": "fasttext-word", "macro_f1": 65.0, "seeds": 1},
]

SCORES_TABLES = """\
## Test macro-F1: the headline against the best peer

| task | guardian | best peer | guardian − peer [95% CI] | p not better | failed peers |
|---|---|---|---|---|---|
| t1 | 80.00±1.23 | tfidf-lr 79.00 | +1.00 [-0.50, +2.50] | 0.123 | none |
| t2 | 60.00 | fasttext-word 65.00 | – | – | none |

## Test macro-F1 of every system

| task | guardian | guardian-ngram | fasttext-word | tfidf-lr |
|---|---|---|---|---|
| t1 | 80.00 | 75.50 | 78.25 | 79.00 |
| t2 | 60.00 | – | 65.00 | – |

## Calibration of P(level >= 1) on the test split (ECE over ten bins; lower is better)

| task | guardian ECE (Brier) | guardian calibrated: ECE (Brier) | best-calibrated peer ECE (Brier) \
| peers' ECE, best – worst |
|---|---|---|---|---|
| t1 | 0.050 (0.100) | 0.030 (0.090) | tfidf-lr 0.061 (0.110) | 0.061 – 0.080 |
| t2 | – | – | – | – |
"""


def perturbed(name, system, macro_f1, roc_auc, flagged_share):
    return {"task": "t1", "transfer": "perturbed-" + name, "system": system, "macro_f1": macro_f1,
            "roc_auc": roc_auc, "flagged_share": flagged_share, "rows": 100, "positives": 40}


# A robustness run: the unperturbed split and one game. fasttext-word is the best peer on the game
# (72 against 71) but tfidf-lr dropped least (-3 against -6).
ROBUSTNESS = [
    perturbed("none", "guardian", 80.0, 90.0, 0.4),
    perturbed("none", "fasttext-word", 78.0, 88.0, 0.3),
    perturbed("none", "tfidf-lr", 74.0, 85.0, 0.35),
    perturbed("split", "guardian", 70.0, 84.0, 0.3),
    perturbed("split", "fasttext-word", 72.0, 80.0, 0.25),
    perturbed("split", "tfidf-lr", 71.0, 81.0, 0.3),
    {"task": "t1", "transfer": "perturbed-split", "system": "guardian", "vs": "fasttext-word",
     "macro_f1_diff": -2.0, "ci95_low": -4.0, "ci95_high": 0.5, "p_not_better": 0.95},
    {"task": "t1", "transfer": "perturbed-split", "system": "guardian", "vs": "tfidf-lr",
     "macro_f1_diff": -1.0, "ci95_low": -3.0, "ci95_high": 1.0, "p_not_better": 0.8},
]

TRANSFER_ROWS = """\
| t1 → perturbed-none | 80.00 (90.0, 0.40 / 0.40) | fasttext-word 78.00 (88.0) | – | – | – | – |
| t1 → perturbed-split | 70.00 (84.0, 0.30 / 0.40) | fasttext-word 72.00 (80.0) | -2.00 [-4.00, +0.50] | – | – | – |
"""

ROBUSTNESS_TABLE = """\
## Robustness: the test split with the spelling games users play (macro-F1, change from the unperturbed split)

| task | game | guardian (change) | best peer (change) | guardian − peer [95% CI] | peer that dropped least (change) |
|---|---|---|---|---|---|
| t1 | split | 70.00 (-10.00) | fasttext-word 72.00 (-6.00) | -2.00 [-4.00, +0.50] | tfidf-lr 71.00 (-3.00) |
"""


class SummarizeTest(unittest.TestCase):
    maxDiff = None

    def test_score_tables(self):
        out, status = run(SCORES)
        self.assertEqual(status, 0)
        self.assertEqual(out, SCORES_TABLES)

    def test_transfer_and_robustness_tables(self):
        out, status = run(ROBUSTNESS)
        self.assertEqual(status, 0)
        self.assertIn(TRANSFER_ROWS, out)
        self.assertEqual(out[out.index("## Robustness"):], ROBUSTNESS_TABLE)

    def test_a_failed_peer_keeps_its_place(self):
        # fasttext-autotune would have been the best peer; it failed, so the best of those that
        # ran is shown and the failure is named beside it, in the table of every system and below it
        lines = SCORES[:5] + [
            {"task": "t1", "system": "fasttext-autotune", "failed": "timeout after 1200 s (seed 2)", "macro_f1": None},
            {"task": "t1", "system": "tfidf-lr-tuned", "error": "fasttext predict-prob failed"},  # an older run's row
        ] + SCORES[5:]
        out, status = run(lines)
        self.assertEqual(status, 0)
        self.assertIn("| t1 | 80.00±1.23 | tfidf-lr 79.00 | +1.00 [-0.50, +2.50] | 0.123 "
                      "| fasttext-autotune, tfidf-lr-tuned |", out)
        self.assertIn("| task | guardian | guardian-ngram | fasttext-autotune | fasttext-word | tfidf-lr | tfidf-lr-tuned |\n"
                      "|---|---|---|---|---|---|---|\n"
                      "| t1 | 80.00 | 75.50 | failed | 78.25 | 79.00 | failed |\n"
                      "| t2 | 60.00 | – | – | 65.00 | – | – |\n", out)
        self.assertIn("\nFailed: t1 fasttext-autotune: timeout after 1200 s (seed 2); "
                      "t1 tfidf-lr-tuned: fasttext predict-prob failed.\n", out)
        self.assertEqual(summarize.failure({"failed": "x"}), "x")
        self.assertIsNone(summarize.failure({"macro_f1": 70.0}))

    def test_no_quality_lines_is_an_error(self):
        out, status = run(["== t1", {"task": "pretraining", "system": "guardian-bag-pretrain"}])
        self.assertEqual(status, "summarize: no quality.sh lines in the input")
        self.assertEqual(out, "")

    def test_helpers(self):
        self.assertEqual(summarize.fmt(None), "–")
        self.assertEqual(summarize.fmt(0.12345, 3), "0.123")
        self.assertEqual(summarize.fmt(79.004), "79.00")
        self.assertTrue(summarize.is_peer("tfidf-lr"))
        self.assertFalse(summarize.is_peer("guardian-ngram"))
        rows = [{"system": "guardian", "macro_f1": 99.0}, {"system": "a", "macro_f1": 70.0},
                {"system": "b", "macro_f1": 71.0}, {"system": "c", "macro_f1": None}]
        self.assertEqual(summarize.best_peer(rows)["system"], "b")
        self.assertIsNone(summarize.best_peer(rows, "adapted_macro_f1"))


if __name__ == "__main__":
    unittest.main()
