#!/usr/bin/python3
"""Is guardian's test macro-F1 above a peer's by more than the test set's sampling noise?

Paired bootstrap over the test messages (Koehn 2004; Berg-Kirkpatrick et al. 2012) and over each
side's seeds: every resample draws the test messages with replacement, and, on each side, as many
of its seeds as it has, with replacement; each side scores its drawn seeds' mean macro-F1 on the
drawn messages (the headline row's mean over seeds). The interval so covers the test set's
sampling noise and the seed-to-seed spread of both sides: a side trained at one seed only (a
deterministic peer, TF-IDF + LR, or a run with --seeds 1) brings no seed spread of its own, and
the line says how many seeds each side had. The difference's 95% percentile interval and the share
of resamples where guardian is not better are printed, one JSON line per peer:
  {"task", "system": "guardian", "vs", "macro_f1_diff", "ci95_low", "ci95_high", "p_not_better",
   "resamples", "seeds", "vs_seeds"}
Inputs in --dir: test.jsonl (`guardian data export`), pred-<peer>.json (classic_peers.py
--predictions: a list per seed of labels, or one list of labels for one run) and
guardian-seed-<k>.jsonl (`guardian eval --predictions`), all in test order; rows are checked to be
the same messages.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np


def macro_f1(truth, predicted, classes):
    """Per-resample macro-F1: truth and predicted are [resamples, n] int arrays."""
    f1s = []
    for c in range(classes):
        t, p = truth == c, predicted == c
        tp = (t & p).sum(axis=1)
        denominator = t.sum(axis=1) + p.sum(axis=1)
        f1s.append(np.where(denominator > 0, 2.0 * tp / np.maximum(denominator, 1), 0.0))
    return np.mean(f1s, axis=0)


def guardian_predictions(path, texts, labels):
    """guardian's argmax levels as the export's label ints (mapped through the truth of each row)."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    if len(rows) != len(texts):
        sys.exit("%s: %d rows, test.jsonl has %d" % (path, len(rows), len(texts)))
    level_to_label = {}
    predicted = []
    for i, row in enumerate(rows):
        if row["text"] != texts[i]:
            sys.exit("%s: row %d is not test.jsonl's row %d" % (path, i + 1, i + 1))
        category = next(iter(row["truth"]))
        if level_to_label.setdefault(row["truth"][category], labels[i]) != labels[i]:
            sys.exit("%s: level %r stands for two labels" % (path, row["truth"][category]))
        predicted.append(row["predicted"][category])
    unknown = set(predicted) - set(level_to_label)
    if unknown:
        sys.exit("%s: predicted levels %s never occur in the truth" % (path, sorted(unknown)))
    return np.array([level_to_label[p] for p in predicted])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    texts, labels = [], []
    with open(os.path.join(args.dir, "test.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(int(row["label"]))
    truth = np.array(labels)
    seeds = sorted(glob.glob(os.path.join(args.dir, "guardian-seed-*.jsonl")))
    if not seeds:
        sys.exit("paired_bootstrap: no guardian-seed-*.jsonl in " + args.dir)
    guardian = [guardian_predictions(path, texts, labels) for path in seeds]
    peers = {}
    for path in sorted(glob.glob(os.path.join(args.dir, "pred-*.json"))):
        with open(path) as f:
            runs = peer_runs(json.load(f))
        for predicted in runs:
            if len(predicted) != len(truth):
                sys.exit("%s: %d predictions, test.jsonl has %d" % (path, len(predicted), len(truth)))
        peers[os.path.basename(path)[len("pred-"):-len(".json")]] = runs
    classes = int(max(truth.max(), *(p.max() for p in guardian), *(p.max() for runs in peers.values() for p in runs))) + 1

    rng = np.random.default_rng(args.seed)
    index = rng.integers(0, len(truth), size=(args.resamples, len(truth)))
    resampled_truth = truth[index]
    ours = seed_resampled_mean([macro_f1(resampled_truth, p[index], classes) for p in guardian], rng)
    observed_ours = np.mean([macro_f1(truth[None, :], p[None, :], classes)[0] for p in guardian])
    for name, runs in peers.items():
        theirs = seed_resampled_mean([macro_f1(resampled_truth, p[index], classes) for p in runs], rng)
        diff = ours - theirs
        observed = observed_ours - np.mean([macro_f1(truth[None, :], p[None, :], classes)[0] for p in runs])
        low, high = np.percentile(diff, [2.5, 97.5])
        print(json.dumps({"task": args.task, "system": "guardian", "vs": name,
                          "macro_f1_diff": round(100 * observed, 2), "ci95_low": round(100 * low, 2),
                          "ci95_high": round(100 * high, 2), "p_not_better": round(float((diff <= 0).mean()), 4),
                          "resamples": args.resamples, "seeds": len(guardian), "vs_seeds": len(runs)}), flush=True)


def peer_runs(predictions):
    """A peer's test predictions as one int array per seed: classic_peers.py writes a list per seed;
    one flat list of labels is one run."""
    if predictions and isinstance(predictions[0], list):
        return [np.array(p) for p in predictions]
    return [np.array(predictions)]


def seed_resampled_mean(per_seed, rng):
    """per_seed: each seed's macro-F1 on every resample ([seeds] arrays of [resamples]). Each
    resample draws as many seeds as there are, with replacement, and takes their mean: the seeds'
    spread enters the interval as the messages' does."""
    scores = np.stack(per_seed)  # [seeds, resamples]
    seeds, resamples = scores.shape
    drawn = rng.integers(0, seeds, size=(resamples, seeds))  # [resamples, seeds drawn]
    return scores[drawn, np.arange(resamples)[:, None]].mean(axis=1)


if __name__ == "__main__":
    sys.exit(main())
