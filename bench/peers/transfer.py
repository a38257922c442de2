#!/usr/bin/python3
"""How well does a model trained on one task's data flag the same harm in a data set from elsewhere?

The models of bench/quality.sh, trained on a task's train split only, score a transfer set: another
source's messages labelled for the same kind of harm (Jigsaw's Wikipedia comments for TweetEval's
tweets, APEACH's and KoSBi's crowd- and LLM-written sentences for BEEP!'s and UnSmile's comments).
No model saw these sources, nor chose anything on them: it is the closest the shelf comes to
judging a model on data sets that are not on the shelf.
A message counts as flagged when the model's most probable level is not the first ("none",
"clean"), as macro-F1 is scored in-domain; the transfer set's truth is its label >= 1. Printed, one
JSON line per system, then, as bench/peers/paired_bootstrap.py, one per peer for the headline
(guardian) and one per other guardian system against the headline:
  {"task", "transfer", "system", "macro_f1", "macro_f1_std", "seeds", "roc_auc", "flagged_share",
   "adapted_macro_f1", "adapt_rows", "share_adapted_macro_f1", "reference_share", "rows", "positives"}
  {"task", "transfer", "system", "vs", "macro_f1_diff", "ci95_low", "ci95_high", "p_not_better", "resamples"}
  and the same with "adapted": true after "vs" for the adapted macro-F1 (resampling the rest's messages),
  and with "share_adapted": true for the share-adapted macro-F1 (resampling the whole set)
macro_f1 is binary (flagged vs not); roc_auc ranks by P(level >= 1), free of the decision threshold
that a prior shift between sources moves; flagged_share beside the truth's positive share shows it.
adapted_macro_f1 is what a team with a few labelled messages of its own would get: each system's
threshold on P(level >= 1) is chosen (best macro-F1) on a seeded --adapt-share slice of the
transfer set and the rest is scored (adapt_rows: the slice's size). guardian's threshold is the
product's own: `guardian calibrate --target macro_f1 --keep-temperature` on the slice, which
bench/quality.sh runs on a copy of each model (the slice is the card that --write-adapt-card
writes); a peer's is the same search here, on its flag_prob.
share_adapted_macro_f1 needs no label of the transfer set at all: each system's threshold flags
the same share of the whole transfer set as is toxic in the task's validation split
(reference_share: what the team knew before the shift), by the rule of `guardian calibrate
--target share=S` (eval::threshold_for_share: the closest share, the smaller on a tie, tied scores
flagged together), applied here to every system's P(level >= 1). Checked against the command
itself (2026-12-03: a card of TweetEval hate's test texts, --write-share-card, share=0.4215: the
same threshold, 0.9153410790786446, to the last digit); running it per seed cost the bench ~10
minutes of model loading. It is what a team that sees the drift check fire, and has no labels
yet, can do; right only when the harm is as common as before. The set's own messages choose it,
so it is reported beside the bar, never as it.
Inputs in --dir: transfer-NAME.jsonl (`guardian data export`), transfer-NAME-<system>-seed-<k>.jsonl
(`guardian moderate` of each guardian system's seeds, in that file's order) with, beside it,
transfer-NAME-<system>-seed-<k>.policy.toml (that seed's calibrated policy), valid.jsonl (the
task's validation split, for the reference share), and transfer-NAME-pred-<peer>.json
(classic_peers.py --transfer: one run per seed, each scored as a guardian seed is).
"""
import argparse
import glob
import json
import os
import re
import sys
import tomllib

import numpy as np
from sklearn.metrics import roc_auc_score

from paired_bootstrap import macro_f1


def guardian_seed(path, ids, category, first_level):
    """(flagged, P(level >= 1), calibrated threshold) from one seed's `guardian moderate` lines and
    the policy `guardian calibrate` wrote for it on the adapt slice."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    if len(rows) != len(ids):
        sys.exit("%s: %d rows, the transfer set has %d" % (path, len(rows), len(ids)))
    flagged, prob = [], []
    for i, row in enumerate(rows):
        if str(row.get("id")) != ids[i] or "categories" not in row:
            sys.exit("%s: row %d is not the transfer set's message %s (or was not scored)" % (path, i + 1, ids[i]))
        scored = row["categories"][category]
        levels = scored["levels"]
        flagged.append(int(max(levels, key=levels.get) != first_level))
        prob.append(scored["score"])
    policy_path = path[: -len(".jsonl")] + ".policy.toml"
    with open(policy_path, "rb") as f:
        calibrated = [c for c in tomllib.load(f)["category"] if c["name"] == category]
    if not calibrated:
        sys.exit("%s: no category %s" % (policy_path, category))
    return np.array(flagged), np.array(prob), calibrated[0].get("threshold", 0.5)


def peer_seeds(peer):
    """A peer's transfer predictions, one {"predicted", "flag_prob"} per seed: classic_peers.py
    writes {"seeds": [...]}; a file of one run ({"predicted", "flag_prob"}) is one seed."""
    return peer["seeds"] if "seeds" in peer else [peer]


def adapt_mask(rows, seed, share):
    """Which messages of the transfer set are the adapt slice (the same for every system)."""
    return np.random.default_rng(seed + 1).random(rows) < share


def write_adapt_card(out_dir, prefix, mask, policy_name, category):
    """The adapt slice as a movable card (data/card.h) with one split, "adapt", whose labels map
    onto the task policy's category: 0 stays 0, any flagged level becomes 1 (calibrate thresholds
    P(level >= 1); --keep-temperature leaves the level within "flagged" out of it)."""
    os.makedirs(out_dir, exist_ok=True)
    labels = set()
    with open(prefix + ".jsonl", encoding="utf-8") as f, open(os.path.join(out_dir, "adapt.jsonl"), "w", encoding="utf-8") as out:
        for keep, line in zip(mask, f):
            if keep:
                out.write(line)
                labels.add(int(json.loads(line)["label"]))
    with open(os.path.join(out_dir, "card.toml"), "w", encoding="utf-8") as card:
        card.write('name = "adapt"\nlanguage = "auto"\nlicence = "the transfer set\'s"\ntrainable = false\n')
        card.write('format = "jsonl"\ntext = "text"\nid = "id"\nfiles = "card"\n\n[splits]\nadapt = "adapt.jsonl"\n\n')
        card.write("[mapping.%s.label]\n" % json.dumps(policy_name))
        for label in sorted(labels):
            card.write('"%d" = { %s = %d }\n' % (label, json.dumps(category), min(label, 1)))


def write_share_card(out_dir, prefix):
    """Every text of the transfer set, unlabelled, as a movable card of plain lines (split "texts")
    for `guardian calibrate --target share=S`."""
    os.makedirs(out_dir, exist_ok=True)
    with open(prefix + ".jsonl", encoding="utf-8") as f, open(os.path.join(out_dir, "texts.txt"), "w", encoding="utf-8") as out:
        for line in f:
            out.write(" ".join(json.loads(line)["text"].split()) + "\n")
    with open(os.path.join(out_dir, "card.toml"), "w", encoding="utf-8") as card:
        card.write('name = "share"\nlanguage = "auto"\nlicence = "the transfer set\'s"\ntrainable = false\n')
        card.write('format = "lines"\nfiles = "card"\n\n[splits]\ntexts = "texts.txt"\n')


def reference_share(task_dir):
    """The share of the task's validation split that is toxic (label >= 1): the flagged share a
    share-adapted threshold aims at."""
    with open(os.path.join(task_dir, "valid.jsonl"), encoding="utf-8") as f:
        labels = [int(json.loads(line)["label"]) >= 1 for line in f]
    return sum(labels) / len(labels)


def share_threshold(prob, share):
    """`guardian calibrate --target share=S`'s rule (eval::threshold_for_share): the threshold, one
    of the scores, whose flagged share (prob >= it) is the closest to share, the smaller on a tie;
    just above the highest score when flagging none is the closest."""
    distinct = np.unique(prob)[::-1]                          # highest first
    flagged = np.searchsorted(np.sort(-prob), -distinct, side="right") / len(prob)  # share at each
    best_threshold, best_share = min(1.0, np.nextafter(distinct[0], 2.0)), float((prob >= 1.0).mean())
    for threshold, at in zip(distinct, flagged):
        if abs(at - share) < abs(best_share - share) - 1e-12 and threshold > 0:
            best_threshold, best_share = threshold, at
        if at >= share:
            break
    return best_threshold


def threshold_on(truth, prob):
    """The threshold on prob (flag when >=) with the best binary macro-F1 on these messages."""
    candidates = np.unique(prob)
    flagged = prob[None, :] >= candidates[:, None]
    return candidates[int(np.argmax(macro_f1(np.broadcast_to(truth, flagged.shape), flagged.astype(int), 2)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True)
    ap.add_argument("--transfer", required=True, help="the transfer set's name (DIR/transfer-NAME.jsonl)")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--policy", required=True, help="the task's policy file (its one category's first level is 'not flagged')")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--adapt-share", type=float, default=0.1, help="the slice that chooses adapted thresholds")
    ap.add_argument("--write-adapt-card", metavar="DIR", help="write the adapt slice as a card in DIR and stop")
    ap.add_argument("--write-share-card", metavar="DIR",
                    help="write the set's texts as a card in DIR, print the reference share and stop")
    args = ap.parse_args()
    with open(args.policy, "rb") as f:
        policy = tomllib.load(f)
    categories = policy["category"]
    if len(categories) != 1:
        sys.exit("transfer: %s has %d categories; a bench task has one" % (args.policy, len(categories)))
    category, first_level = categories[0]["name"], categories[0]["levels"][0]

    prefix = os.path.join(args.dir, "transfer-" + args.transfer)
    ids, truth = [], []
    with open(prefix + ".jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            ids.append(str(row["id"]))
            truth.append(int(int(row["label"]) >= 1))
    truth = np.array(truth)
    adapt = adapt_mask(len(truth), args.seed, args.adapt_share)
    rest = ~adapt
    if args.write_adapt_card:
        write_adapt_card(args.write_adapt_card, prefix, adapt, policy["name"], category)
        return 0
    share = reference_share(args.dir)
    if args.write_share_card:
        write_share_card(args.write_share_card, prefix)
        print(repr(share))
        return 0

    systems = {}  # name -> [(flagged, prob, calibrated threshold or None) per seed]
    seed_file = re.compile(re.escape(os.path.basename(prefix)) + r"-(guardian[\w-]*)-seed-(\d+)\.jsonl$")
    for path in sorted(glob.glob(prefix + "-guardian*-seed-*.jsonl")):
        match = seed_file.search(os.path.basename(path))
        if match:
            systems.setdefault(match.group(1), []).append(guardian_seed(path, ids, category, first_level))
    for path in sorted(glob.glob(prefix + "-pred-*.json")):
        with open(path) as f:
            runs = peer_seeds(json.load(f))
        for run in runs:
            if len(run["predicted"]) != len(truth):
                sys.exit("%s: %d predictions, the transfer set has %d" % (path, len(run["predicted"]), len(truth)))
        name = os.path.basename(path)[len(os.path.basename(prefix) + "-pred-"):-len(".json")]
        systems[name] = [(np.array([int(p >= 1) for p in run["predicted"]]), np.array(run["flag_prob"]), None)
                         for run in runs]
    if not systems:
        sys.exit("transfer: no predictions for %s in %s" % (args.transfer, args.dir))

    def adapted_flags(prob, calibrated):
        """The decision on the messages outside the adapt slice, at the slice's threshold."""
        threshold = threshold_on(truth[adapt], prob[adapt]) if calibrated is None else calibrated
        return (prob[rest] >= threshold).astype(int)

    # Each system's macro-F1 per seed, once: observed, and on the same resampled messages for the
    # paired comparisons below; as trained on the whole set, and adapted on the rest of it.
    rng = np.random.default_rng(args.seed)
    index = rng.integers(0, len(truth), size=(args.resamples, len(truth)))
    rest_truth = truth[rest]
    rest_index = rng.integers(0, len(rest_truth), size=(args.resamples, len(rest_truth)))

    def scored(decisions, truth_of, index_of):
        """(observed macro-F1 per seed, the seeds' mean macro-F1 per resample)."""
        observed = [macro_f1(truth_of[None, :], flagged[None, :], 2)[0] for flagged in decisions]
        resampled_truth = truth_of[index_of]
        return observed, np.mean([macro_f1(resampled_truth, flagged[index_of], 2) for flagged in decisions], axis=0)

    def share_flags(prob):
        """The decision on every message at the threshold that flags the reference share of them."""
        return (prob >= share_threshold(prob, share)).astype(int)

    trained, adapted, share_adapted = {}, {}, {}  # name -> (observed, resampled)
    for name, seeds in systems.items():
        trained[name] = scored([flagged for flagged, _, _ in seeds], truth, index)
        adapted[name] = scored([adapted_flags(p, t) for _, p, t in seeds], rest_truth, rest_index)
        share_adapted[name] = scored([share_flags(p) for _, p, _ in seeds], truth, index)

    for name, seeds in systems.items():
        f1 = [100 * x for x in trained[name][0]]
        print(json.dumps({"task": args.task, "transfer": args.transfer, "system": name,
                          "macro_f1": round(float(np.mean(f1)), 2),
                          "macro_f1_std": round(float(np.std(f1, ddof=1)), 2) if len(f1) > 1 else 0.0,
                          "seeds": len(f1),
                          "roc_auc": round(float(np.mean([100 * roc_auc_score(truth, p) for _, p, _ in seeds])), 2),
                          "flagged_share": round(float(np.mean([flagged.mean() for flagged, _, _ in seeds])), 3),
                          "adapted_macro_f1": round(100 * float(np.mean(adapted[name][0])), 2),
                          "adapt_rows": int(adapt.sum()),
                          "adapted_by": "guardian calibrate" if seeds[0][2] is not None else "threshold search",
                          "share_adapted_macro_f1": round(100 * float(np.mean(share_adapted[name][0])), 2),
                          "reference_share": round(share, 3),
                          "rows": len(truth), "positives": int(truth.sum())}), flush=True)

    # The headline against each peer, and each other guardian system against the headline (a
    # system's seeds averaged): as trained, then adapted ("adapted": true; the rest's messages).
    if "guardian" in systems:
        pairs = [("guardian", n) for n in systems if not n.startswith("guardian")]
        pairs += [(n, "guardian") for n in systems if n.startswith("guardian-")]
        for kind, scores in (({}, trained), ({"adapted": True}, adapted), ({"share_adapted": True}, share_adapted)):
            for ours, theirs in pairs:
                diff = scores[ours][1] - scores[theirs][1]
                low, high = np.percentile(diff, [2.5, 97.5])
                print(json.dumps({"task": args.task, "transfer": args.transfer, "system": ours, "vs": theirs, **kind,
                                  "macro_f1_diff": round(100 * (np.mean(scores[ours][0]) - np.mean(scores[theirs][0])), 2),
                                  "ci95_low": round(100 * low, 2), "ci95_high": round(100 * high, 2),
                                  "p_not_better": round(float((diff <= 0).mean()), 4), "resamples": args.resamples}),
                      flush=True)

if __name__ == "__main__":
    sys.exit(main())
