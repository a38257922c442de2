#!/usr/bin/python3
"""The classic peers of bench/quality.sh, run on the same exported splits as guardian.

Reads train/valid/test JSON Lines ({"text": ..., "label": int}) written by `guardian data export`
and prints one JSON line per system:
  fasttext-word      fastText supervised, 25 epochs, word bigrams
  fasttext-char      the same plus character n-grams 2-4
  fasttext-autotune  -autotune-validation on the valid split for --autotune-seconds
  tfidf-lr           TF-IDF (word 1-2 + char 2-5 grams) + logistic regression, C=1
  tfidf-lr-tuned     the same with C and class weighting chosen on the valid split
With --predictions, each system's test predictions (a JSON list of labels, in test.jsonl's order)
also go to DIR/pred-<system>.json, for bench/peers/paired_bootstrap.py. With --transfer NAME
(repeatable), each trained model also scores DIR/transfer-NAME.jsonl, a data set from elsewhere,
and writes DIR/transfer-NAME-pred-<system>.json: {"predicted": [labels], "flag_prob": [P(label >= 1)]}
in that file's order, for bench/peers/transfer.py.
Run with Debian's Python (/usr/bin/python3: python3-sklearn) and Debian's fasttext CLI.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from scipy.sparse import hstack


def read(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(int(row["label"]))
    return texts, labels


PREDICTIONS_DIR = None  # --predictions: where pred-<system>.json goes
TRANSFER = {}  # --transfer: name -> (texts, path prefix of its prediction files)


def transfer_predictions(system, predict):
    """Each transfer set scored by one trained system: predict(name, texts) -> (labels, P(label >= 1))."""
    for name, (texts, prefix) in TRANSFER.items():
        predicted, flag_prob = predict(name, texts)
        with open("%s-pred-%s.json" % (prefix, system), "w") as f:
            json.dump({"predicted": [int(p) for p in predicted], "flag_prob": [float(p) for p in flag_prob]}, f)


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


def emit(task, system, f1s, accs, seconds, valid_f1=None, auc=None, predicted=None, calibrated=None):
    if PREDICTIONS_DIR and predicted is not None:
        with open(os.path.join(PREDICTIONS_DIR, "pred-%s.json" % system), "w") as f:
            json.dump([int(p) for p in predicted], f)
    n = len(f1s)
    mean = sum(f1s) / n
    std = (sum((x - mean) ** 2 for x in f1s) / (n - 1)) ** 0.5 if n > 1 else 0.0
    row = {"task": task, "system": system, "macro_f1": round(100 * mean, 2),
           "macro_f1_std": round(100 * std, 2), "seeds": n,
           "accuracy": round(100 * sum(accs) / n, 2), "train_seconds": round(seconds, 1)}
    # Beside the scored split: macro-F1 on the validation split (what a user could have seen before
    # the test) and the test ROC AUC of P(label >= 1), which ranks without a decision threshold.
    if valid_f1 is not None:
        row["valid_macro_f1"] = round(100 * valid_f1, 2)
    if auc is not None:
        row["roc_auc"] = round(100 * auc, 2)
    # How far P(label >= 1) can be taken at its word on the test split (calibration(); lower is better).
    if calibrated is not None:
        row["ece"], row["brier"] = round(calibrated[0], 4), round(calibrated[1], 4)
    print(json.dumps(row), flush=True)


def flagged_truth(labels):
    return [int(l >= 1) for l in labels]


def fasttext_file(texts, labels, path):
    with open(path, "w", encoding="utf-8") as f:
        for t, l in zip(texts, labels):
            f.write("__label__%d %s\n" % (l, " ".join(t.split())))


def fasttext_run(task, system, workdir, train, valid, test, extra, timeout=900):
    tr, va, te = (os.path.join(workdir, n) for n in ("train.ft", "valid.ft", "test.ft"))
    fasttext_file(*train, tr)
    fasttext_file(*valid, va)
    fasttext_file(*test, te)
    model = os.path.join(workdir, system)
    start = time.time()
    # fastText's autotune retrains on its best settings after the search, which can run far past
    # the search's duration on 2 cores: bound the whole run (reported as a timeout, not a score).
    try:
        subprocess.run(["fasttext", "supervised", "-input", tr, "-output", model, "-verbose", "0"] + extra(va),
                       check=True, stdout=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(json.dumps({"task": task, "system": system, "error": "timeout after %d s" % timeout}), flush=True)
        return
    seconds = time.time() - start
    # fastText's predict has died (SIGABRT) on a model autotune chose (TweetEval offensive): an
    # error row for this peer with the settings behind it, not a crash that ends the whole bench.
    try:
        transfer_predictions(system, lambda name, texts: fasttext_predict(model, texts))
        valid_predicted, _ = fasttext_predict(model, valid[0])
        predicted, flag_prob = fasttext_predict(model, test[0])
    except subprocess.CalledProcessError as e:
        print(json.dumps({"task": task, "system": system, "error": "fasttext predict-prob failed (%s)" % e,
                          "train_seconds": round(seconds, 1), "args": fasttext_args(model)}), flush=True)
        return
    emit(task, system, [f1_score(test[1], predicted, average="macro")], [accuracy_score(test[1], predicted)], seconds,
         valid_f1=f1_score(valid[1], valid_predicted, average="macro"), auc=roc_auc_score(flagged_truth(test[1]), flag_prob),
         predicted=predicted, calibrated=calibration(flagged_truth(test[1]), flag_prob))


def fasttext_args(model):
    """The training settings saved in a fastText model (`fasttext dump MODEL.bin args`), or "" if that fails too."""
    out = subprocess.run(["fasttext", "dump", model + ".bin", "args"], capture_output=True, text=True)
    return " ".join(out.stdout.split()) if out.returncode == 0 else ""


def fasttext_predict(model, texts):
    """The most probable label of each text and its P(label >= 1), from `fasttext predict-prob`."""
    out = subprocess.run(["fasttext", "predict-prob", model + ".bin", "-", "-1"],
                         input="\n".join(" ".join(t.split()) for t in texts) + "\n",
                         capture_output=True, text=True, check=True).stdout.split("\n")
    predicted, flag_prob = [], []
    for line in out[:len(texts)]:
        fields = line.split()
        probs = {int(fields[i].replace("__label__", "")): float(fields[i + 1]) for i in range(0, len(fields) - 1, 2)}
        predicted.append(max(probs, key=probs.get) if probs else 0)
        flag_prob.append(1.0 - probs.get(0, 0.0))
    return predicted, flag_prob


def tfidf_features(train_texts):
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    word.fit(train_texts)
    char.fit(train_texts)
    return lambda texts: hstack([word.transform(texts), char.transform(texts)]).tocsr()


def tfidf_run(task, train, valid, test):
    start = time.time()
    featurise = tfidf_features(train[0])
    xtr, xva, xte = featurise(train[0]), featurise(valid[0]), featurise(test[0])
    plain = LogisticRegression(C=1.0, max_iter=2000).fit(xtr, train[1])
    seconds = time.time() - start
    xtransfer = {name: featurise(texts) for name, (texts, _) in TRANSFER.items()}  # both fits score them
    p = plain.predict(xte)
    transfer_predictions("tfidf-lr", lambda name, texts: lr_predict(plain, xtransfer[name]))
    emit(task, "tfidf-lr", [f1_score(test[1], p, average="macro")], [accuracy_score(test[1], p)], seconds,
         valid_f1=f1_score(valid[1], plain.predict(xva), average="macro"), auc=flag_auc(plain, xte, test[1]), predicted=p,
         calibrated=flag_calibration(plain, xte, test[1]))
    # The grid's fits are independent: one per core, as a user with this machine would run them.
    grid = [(c, weight) for c in (0.25, 0.5, 1, 2, 4, 8, 16) for weight in (None, "balanced")]
    fitted = Parallel(n_jobs=os.cpu_count() or 1)(
        delayed(lambda c, w: LogisticRegression(C=c, class_weight=w, max_iter=2000).fit(xtr, train[1]))(c, w)
        for c, w in grid)
    best = None
    for m in fitted:
        score = f1_score(valid[1], m.predict(xva), average="macro")
        if best is None or score > best[0]:
            best = (score, m)
    seconds = time.time() - start
    p = best[1].predict(xte)
    transfer_predictions("tfidf-lr-tuned", lambda name, texts: lr_predict(best[1], xtransfer[name]))
    emit(task, "tfidf-lr-tuned", [f1_score(test[1], p, average="macro")], [accuracy_score(test[1], p)], seconds,
         valid_f1=best[0], auc=flag_auc(best[1], xte, test[1]), predicted=p,
         calibrated=flag_calibration(best[1], xte, test[1]))


def flag_auc(model, x, labels):
    return roc_auc_score(flagged_truth(labels), lr_predict(model, x)[1])


def flag_calibration(model, x, labels):
    return calibration(flagged_truth(labels), lr_predict(model, x)[1])


def lr_predict(model, x):
    """The most probable label of each row and its P(label >= 1)."""
    zero = list(model.classes_).index(0)
    return model.predict(x), 1.0 - model.predict_proba(x)[:, zero]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True)
    ap.add_argument("--dir", required=True, help="folder with train.jsonl, valid.jsonl, test.jsonl")
    ap.add_argument("--autotune-seconds", type=int, default=150)
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
    with tempfile.TemporaryDirectory() as work:
        base = ["-epoch", "25", "-wordNgrams", "2"]
        if "fasttext-word" in systems:
            fasttext_run(args.task, "fasttext-word", work, train, valid, test, lambda va: base)
        if "fasttext-char" in systems:
            fasttext_run(args.task, "fasttext-char", work, train, valid, test, lambda va: base + ["-minn", "2", "-maxn", "4"])
        if "fasttext-autotune" in systems and args.autotune_seconds > 0:
            fasttext_run(args.task, "fasttext-autotune", work, train, valid, test,
                         lambda va: ["-autotune-validation", va, "-autotune-duration", str(args.autotune_seconds)],
                         # The search plus the retraining on its best settings took 154-325 s in the
                         # bench runs up to 2026-12-04, once past 600 s (offensive: an error row instead
                         # of a score); docs/decisions.md, "fastText autotune's time bound".
                         timeout=args.autotune_seconds + 1050)
    if "tfidf-lr" in systems:
        tfidf_run(args.task, train, valid, test)


if __name__ == "__main__":
    sys.exit(main())
