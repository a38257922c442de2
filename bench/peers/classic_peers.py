#!/usr/bin/python3
"""The classic peers of bench/quality.sh, run on the same exported splits as guardian.

Reads train/valid/test JSON Lines ({"text": ..., "label": int}) written by `guardian data export`
and prints one JSON line per system:
  fasttext-word      fastText supervised, 25 epochs, word bigrams
  fasttext-char      the same plus character n-grams 2-4
  fasttext-autotune  -autotune-validation on the valid split for --autotune-seconds, optimising
                     the flagged class's F1 on a binary task (-autotune-metric f1:__label__1)
  tfidf-lr           TF-IDF (word 1-2 + char 2-5 grams) + logistic regression, C=1
  tfidf-lr-tuned     the same with C and class weighting chosen on the valid split
Every peer reads the text as guardian's n-gram features do (fold_like_guardian): the export is
already normalised by guardian, ASCII capitals are folded to lower case and words are the runs
between spaces, nothing else (scikit-learn's own lower-casing and word pattern are off).
fastText is not deterministic across seeds: its systems train once per seed 1..--seeds (-seed),
as guardian's do, and their rows give the mean and spread. On a task with more than two classes
(BEEP!'s three levels) each run's decision takes per-class offsets added to its log-probabilities,
fitted on the validation split's predictions as guardian fits its own (class_offsets: a grid of
[-3, 3] in steps of 0.05, kept only when fitting on one half of the validation split and scoring on
the other, both ways round, gains), then applied to the test split; the row says how many runs kept
them ("offsets_applied").
A peer that fails prints its row all the same: {"task", "system", "failed": "why", "macro_f1": null}.
With --predictions, each system's test predictions (a JSON list per seed of label lists, in
test.jsonl's order) also go to DIR/pred-<system>.json, for bench/peers/paired_bootstrap.py. With
--transfer NAME (repeatable), each trained model also scores DIR/transfer-NAME.jsonl, a data set
from elsewhere, and writes DIR/transfer-NAME-pred-<system>.json: {"seeds": [{"predicted": [labels],
"flag_prob": [P(label >= 1)]}, one per seed]} in that file's order, for bench/peers/transfer.py.
Run with Debian's Python (/usr/bin/python3: python3-sklearn) and Debian's fasttext CLI.
"""
import argparse
import json
import os
import string
import subprocess
import sys
import tempfile
import time

import numpy as np
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from scipy.sparse import hstack


ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
GUARDIAN_SPACES = str.maketrans("\t\n\r", "   ")


def fold_like_guardian(text):
    """The text as guardian's n-gram featurizer reads it. `guardian data export` writes it
    normalised already (text::normalize: NFKC that keeps Korean as typed, whitespace runs as one
    space, control characters out); the featurizer then folds ASCII capitals and nothing else
    ("É" and Cyrillic keep their case) and cuts words at spaces, tabs and line breaks only."""
    return " ".join(guardian_words(text.translate(ASCII_LOWER)))


def guardian_words(text):
    """Words as guardian's featurizer cuts them: maximal runs of characters other than space, tab,
    line feed and carriage return (punctuation stays inside its word)."""
    return [w for w in text.translate(GUARDIAN_SPACES).split(" ") if w]


def read(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(fold_like_guardian(row["text"]))
            labels.append(int(row["label"]))
    return texts, labels


PREDICTIONS_DIR = None  # --predictions: where pred-<system>.json goes
TRANSFER = {}  # --transfer: name -> (texts, path prefix of its prediction files)


class PeerFailed(Exception):
    """A peer that could not give a score: its row says why instead (failed_row)."""

    def __init__(self, reason, **details):
        super().__init__(reason)
        self.details = details


def failed_row(task, system, reason, **details):
    """The row of a peer that failed: its place in the tables, with the reason, and no score."""
    return dict({"task": task, "system": system, "failed": reason, "macro_f1": None}, **details)


def calibration(truth, flag_prob, bins=10):
    """ECE and Brier of P(label >= 1) against label >= 1, binned as guardian's eval (eval::calibration):
    ten equal-width bins of [0, 1], a score of 1 in the last."""
    counts, scores, positives = [0] * bins, [0.0] * bins, [0] * bins
    for t, p in zip(truth, flag_prob):
        p = min(max(p, 0.0), 1.0)
        b = min(int(p * bins), bins - 1)
        counts[b] += 1
        scores[b] += p
        positives[b] += t
    n = len(truth)
    ece = sum(abs(scores[b] / counts[b] - positives[b] / counts[b]) * counts[b] / n for b in range(bins) if counts[b])
    brier = sum((min(max(p, 0.0), 1.0) - t) ** 2 for t, p in zip(truth, flag_prob)) / n
    return ece, brier


def macro_f1_of(labels, predicted, classes):
    """Macro-F1 over classes 0..classes-1 (eval::ClassMeter's: a class never true nor predicted scores 0)."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    f1s = []
    for c in range(classes):
        tp = np.sum((labels == c) & (predicted == c))
        denominator = np.sum(labels == c) + np.sum(predicted == c)
        f1s.append(2.0 * tp / denominator if denominator else 0.0)
    return float(np.mean(f1s))


OFFSET_STEP, OFFSET_STEPS, OFFSET_ROUNDS = 0.05, 60, 3  # the grid and sweeps of train/decision_bias.cpp


def fit_class_offsets(log_probs, labels):
    """Offsets [class] (class 0 stays 0) added to log_probs [rows, classes] that maximise the
    argmax's macro-F1 on labels: coordinate ascent over OFFSET_STEP * [-OFFSET_STEPS, OFFSET_STEPS],
    the grid points nearest zero first so that a tie keeps the smaller offset, as guardian's
    fit_f1_offsets."""
    log_probs = np.asarray(log_probs, dtype=float)
    classes = log_probs.shape[1]
    offsets = np.zeros(classes)
    best = macro_f1_of(labels, np.argmax(log_probs, axis=1), classes)
    grid = [sign * k * OFFSET_STEP for k in range(OFFSET_STEPS + 1) for sign in (1, -1) if k or sign > 0]
    for _ in range(OFFSET_ROUNDS):
        moved = False
        for c in range(1, classes):
            start = chosen = offsets[c]
            for value in grid:
                offsets[c] = value
                f1 = macro_f1_of(labels, np.argmax(log_probs + offsets, axis=1), classes)
                if f1 > best + 1e-12:
                    best, chosen = f1, value
            offsets[c] = chosen
            moved = moved or chosen != start
        if not moved:
            break
    return offsets


def checked_class_offsets(log_probs, labels, seed):
    """fit_class_offsets on the whole validation split when fitting on one seeded half and scoring
    on the other, both ways round, gains macro-F1 on average; zeros otherwise (guardian's "checked"
    f1_offsets). (offsets, applied)."""
    log_probs, labels = np.asarray(log_probs, dtype=float), np.asarray(labels)
    classes = log_probs.shape[1]
    order = np.random.default_rng(seed).permutation(len(labels))
    halves = order[:len(labels) // 2], order[len(labels) // 2:]
    gain = 0.0
    for fit_on, score_on in (halves, halves[::-1]):
        offsets = fit_class_offsets(log_probs[fit_on], labels[fit_on])
        gain += (macro_f1_of(labels[score_on], np.argmax(log_probs[score_on] + offsets, axis=1), classes)
                 - macro_f1_of(labels[score_on], np.argmax(log_probs[score_on], axis=1), classes))
    if gain / 2 <= 0:
        return np.zeros(classes), False
    return fit_class_offsets(log_probs, labels), True


class Run:
    """One trained peer at one seed: probabilities [rows, classes] on the valid and test splits and
    on each transfer set, and its training time."""

    def __init__(self, seconds, valid_prob, test_prob, transfer_prob):
        self.seconds, self.valid_prob, self.test_prob, self.transfer_prob = seconds, valid_prob, test_prob, transfer_prob


def log_of(prob):
    return np.log(np.maximum(np.asarray(prob, dtype=float), 1e-12))


def score_runs(task, system, runs, valid, test, seed=1):
    """The row of a peer trained once per seed (runs), scored as guardian's rows are; writes its
    test and transfer predictions when asked. With more than two classes each run's decision takes
    checked_class_offsets fitted on its validation predictions."""
    classes = max(max(valid[1]), max(test[1]), runs[0].test_prob.shape[1] - 1) + 1
    f1s, accs, valid_f1s, aucs, eces, briers, predictions, transfers, applied = [], [], [], [], [], [], [], [], 0
    for k, run in enumerate(runs):
        offsets = np.zeros(run.test_prob.shape[1])
        if run.test_prob.shape[1] > 2:
            offsets, kept = checked_class_offsets(log_of(run.valid_prob), valid[1], seed + k)
            applied += kept

        def decide(prob):
            return np.argmax(log_of(prob) + offsets, axis=1)

        predicted = decide(run.test_prob)
        flag_prob = 1.0 - run.test_prob[:, 0]
        f1s.append(macro_f1_of(test[1], predicted, classes))
        accs.append(float(np.mean(predicted == np.asarray(test[1]))))
        valid_f1s.append(macro_f1_of(valid[1], decide(run.valid_prob), classes))
        aucs.append(roc_auc_score(flagged_truth(test[1]), flag_prob))
        ece, brier = calibration(flagged_truth(test[1]), flag_prob)
        eces.append(ece)
        briers.append(brier)
        predictions.append([int(p) for p in predicted])
        transfers.append({name: {"predicted": [int(p) for p in decide(prob)], "flag_prob": [float(p) for p in 1.0 - prob[:, 0]]}
                          for name, prob in run.transfer_prob.items()})
    if PREDICTIONS_DIR:
        with open(os.path.join(PREDICTIONS_DIR, "pred-%s.json" % system), "w") as f:
            json.dump(predictions, f)
    for name, (_, prefix) in TRANSFER.items():
        with open("%s-pred-%s.json" % (prefix, system), "w") as f:
            json.dump({"seeds": [t[name] for t in transfers]}, f)
    row = summary_row(task, system, f1s, accs, sum(r.seconds for r in runs) / len(runs), valid_f1s, aucs, eces, briers)
    if runs[0].test_prob.shape[1] > 2:
        row["offsets_applied"] = applied  # on how many seeds the checked class offsets were kept
    return row


def summary_row(task, system, f1s, accs, seconds, valid_f1s, aucs, eces, briers):
    """Means over seeds (macro_f1_std: their sample spread), in points as guardian's rows."""
    n = len(f1s)
    mean = sum(f1s) / n
    std = (sum((x - mean) ** 2 for x in f1s) / (n - 1)) ** 0.5 if n > 1 else 0.0
    # Beside the scored split: macro-F1 on the validation split (what a user could have seen before
    # the test) and the test ROC AUC of P(label >= 1), which ranks without a decision threshold;
    # then how far P(label >= 1) can be taken at its word on the test split (calibration(); lower
    # is better).
    return {"task": task, "system": system, "macro_f1": round(100 * mean, 2),
            "macro_f1_std": round(100 * std, 2), "seeds": n,
            "accuracy": round(100 * sum(accs) / n, 2), "train_seconds": round(seconds, 1),
            "valid_macro_f1": round(100 * sum(valid_f1s) / n, 2), "roc_auc": round(100 * sum(aucs) / n, 2),
            "ece": round(sum(eces) / n, 4), "brier": round(sum(briers) / n, 4)}


def flagged_truth(labels):
    return [int(l >= 1) for l in labels]


def fasttext_file(texts, labels, path):
    with open(path, "w", encoding="utf-8") as f:
        for t, l in zip(texts, labels):
            f.write("__label__%d %s\n" % (l, t))


def fasttext_runs(system, workdir, train, valid, test, extra, seeds, timeout=900):
    """fastText trained once per seed 1..seeds with the settings extra(valid file); raises
    PeerFailed on a timeout or a failed predict."""
    tr, va = os.path.join(workdir, "train.ft"), os.path.join(workdir, "valid.ft")
    fasttext_file(*train, tr)
    fasttext_file(*valid, va)
    classes = max(max(train[1]), max(valid[1]), max(test[1])) + 1
    runs = []
    for seed in range(1, seeds + 1):
        model = os.path.join(workdir, "%s-seed-%d" % (system, seed))
        start = time.time()
        # fastText's autotune retrains on its best settings after the search, which can run far past
        # the search's duration on 2 cores: bound the whole run (a failed row, not a score).
        try:
            subprocess.run(["fasttext", "supervised", "-input", tr, "-output", model, "-verbose", "0",
                            "-seed", str(seed)] + extra(va), check=True, stdout=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PeerFailed("timeout after %d s (seed %d)" % (timeout, seed))
        except (OSError, subprocess.CalledProcessError) as e:
            raise PeerFailed("fasttext supervised failed (%s)" % e)
        seconds = time.time() - start
        # fastText's predict has died (SIGABRT) on a model autotune chose (TweetEval offensive): a
        # failed row for this peer with the settings behind it, not a crash that ends the whole bench.
        try:
            runs.append(Run(seconds, fasttext_predict(model, valid[0], classes), fasttext_predict(model, test[0], classes),
                            {name: fasttext_predict(model, texts, classes) for name, (texts, _) in TRANSFER.items()}))
        except subprocess.CalledProcessError as e:
            raise PeerFailed("fasttext predict-prob failed (%s)" % e, train_seconds=round(seconds, 1),
                             args=fasttext_args(model))
    return runs


def fasttext_args(model):
    """The training settings saved in a fastText model (`fasttext dump MODEL.bin args`), or "" if that fails too."""
    out = subprocess.run(["fasttext", "dump", model + ".bin", "args"], capture_output=True, text=True)
    return " ".join(out.stdout.split()) if out.returncode == 0 else ""


def fasttext_predict(model, texts, classes):
    """Each text's probability of every class [rows, classes], from `fasttext predict-prob`."""
    out = subprocess.run(["fasttext", "predict-prob", model + ".bin", "-", "-1"],
                         input="\n".join(texts) + "\n", capture_output=True, text=True, check=True).stdout
    return predict_prob_matrix(out, len(texts), classes)


def predict_prob_matrix(output, rows, classes):
    """`fasttext predict-prob MODEL - -1`'s lines ("__label__1 0.7 __label__0 0.3") as [rows,
    classes]; a label the model left out of a line (below its smallest printed probability) gets 0."""
    prob = np.zeros((rows, classes))
    lines = output.split("\n")
    for i in range(rows):
        fields = lines[i].split() if i < len(lines) else []
        for j in range(0, len(fields) - 1, 2):
            prob[i, int(fields[j].replace("__label__", ""))] = float(fields[j + 1])
    return prob


def tfidf_features(train_texts):
    # The texts come folded as guardian reads them: no lower-casing of scikit-learn's own, and
    # words cut at spaces as guardian cuts them (its default pattern would split at punctuation).
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=False,
                           tokenizer=guardian_words, token_pattern=None)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=False)
    word.fit(train_texts)
    char.fit(train_texts)
    return lambda texts: hstack([word.transform(texts), char.transform(texts)]).tocsr()


def lr_prob(model, x, classes):
    """predict_proba as [rows, classes] (a class missing from the training labels gets 0)."""
    prob = np.zeros((x.shape[0], classes))
    prob[:, list(model.classes_)] = model.predict_proba(x)
    return prob


def tfidf_runs(train, valid, test):
    """tfidf-lr's run, then tfidf-lr-tuned's: deterministic fits, one run each (a generator, so
    that the plain fit is scored before the grid is fitted)."""
    classes = max(max(train[1]), max(valid[1]), max(test[1])) + 1
    start = time.time()
    featurise = tfidf_features(train[0])
    xtr, xva, xte = featurise(train[0]), featurise(valid[0]), featurise(test[0])
    xtransfer = {name: featurise(texts) for name, (texts, _) in TRANSFER.items()}  # both fits score them

    def run_of(model, seconds):
        return Run(seconds, lr_prob(model, xva, classes), lr_prob(model, xte, classes),
                   {name: lr_prob(model, x, classes) for name, x in xtransfer.items()})

    plain = LogisticRegression(C=1.0, max_iter=2000).fit(xtr, train[1])
    yield run_of(plain, time.time() - start)
    # The grid's fits are independent: one per core, as a user with this machine would run them.
    grid = [(c, weight) for c in (0.25, 0.5, 1, 2, 4, 8, 16) for weight in (None, "balanced")]
    fitted = Parallel(n_jobs=os.cpu_count() or 1)(
        delayed(lambda c, w: LogisticRegression(C=c, class_weight=w, max_iter=2000).fit(xtr, train[1]))(c, w)
        for c, w in grid)
    best = max(fitted, key=lambda m: f1_score(valid[1], m.predict(xva), average="macro"))
    yield run_of(best, time.time() - start)


def guarded(task, system, make_row):
    """make_row()'s row, or a failed row saying why when the peer raised: a peer that fails keeps
    its place in the tables instead of vanishing from them."""
    try:
        row = make_row()
    except PeerFailed as e:
        row = failed_row(task, system, str(e), **e.details)
    except Exception as e:  # anything else a peer raises is its failure, not the bench's
        row = failed_row(task, system, "%s: %s" % (type(e).__name__, e))
    print(json.dumps(row), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True)
    ap.add_argument("--dir", required=True, help="folder with train.jsonl, valid.jsonl, test.jsonl")
    ap.add_argument("--autotune-seconds", type=int, default=150)
    ap.add_argument("--seeds", type=int, default=1, help="fastText's runs, with -seed 1..N (guardian's seeds)")
    ap.add_argument("--systems", default="fasttext-word,fasttext-char,fasttext-autotune,tfidf-lr")
    ap.add_argument("--predictions", action="store_true", help="also write DIR/pred-<system>.json")
    ap.add_argument("--transfer", action="append", default=[],
                    help="also score DIR/transfer-NAME.jsonl with every system (repeatable)")
    args = ap.parse_args()
    global PREDICTIONS_DIR
    PREDICTIONS_DIR = args.dir if args.predictions else None
    for name in args.transfer:
        prefix = os.path.join(args.dir, "transfer-" + name)
        TRANSFER[name] = (read(prefix + ".jsonl")[0], prefix)
    train, valid, test = (read(os.path.join(args.dir, n + ".jsonl")) for n in ("train", "valid", "test"))
    systems = args.systems.split(",")
    binary = max(train[1]) == 1
    with tempfile.TemporaryDirectory() as work:
        base = ["-epoch", "25", "-wordNgrams", "2"]
        fasttext = {"fasttext-word": (lambda va: base, 900),
                    "fasttext-char": (lambda va: base + ["-minn", "2", "-maxn", "4"], 900)}
        if args.autotune_seconds > 0:
            # autotune's default metric is micro-F1 over all labels, where the bench scores
            # macro-F1: on a binary task it optimises the flagged class's F1 instead (three classes
            # have no such single metric; their offsets are fitted on its validation predictions).
            metric = ["-autotune-metric", "f1:__label__1"] if binary else []
            fasttext["fasttext-autotune"] = (
                lambda va: ["-autotune-validation", va, "-autotune-duration", str(args.autotune_seconds)] + metric,
                # The search plus the retraining on its best settings took 154-325 s in the bench
                # runs up to 2026-12-04, once past 600 s (offensive: an error row instead of a
                # score); docs/decisions.md, "fastText autotune's time bound".
                args.autotune_seconds + 1050)
        for system, (extra, timeout) in fasttext.items():
            if system in systems:
                guarded(args.task, system, lambda: score_runs(
                    args.task, system, fasttext_runs(system, work, train, valid, test, extra, args.seeds, timeout),
                    valid, test))
    if "tfidf-lr" in systems:
        runs = tfidf_runs(train, valid, test)
        plain = guarded(args.task, "tfidf-lr", lambda: score_runs(args.task, "tfidf-lr", [next(runs)], valid, test))
        if "failed" in plain:
            print(json.dumps(failed_row(args.task, "tfidf-lr-tuned", "not fitted: tfidf-lr failed first")), flush=True)
        else:
            guarded(args.task, "tfidf-lr-tuned", lambda: score_runs(args.task, "tfidf-lr-tuned", [next(runs)], valid, test))


if __name__ == "__main__":
    sys.exit(main())
