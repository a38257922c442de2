#!/usr/bin/python3
"""The guardian-default row of bench/quality.sh: the main job's bilingual model, scored on a task
wherever its policy maps onto the task's labels.

Reads the task's exported test split ({"id", "text", "label"}) and `guardian moderate`'s output
for it (one JSON line per message, same ids) and prints one JSON line like classic_peers.py:
  binary tasks (TweetEval offensive/hate, UnSmile clean-vs-not): the model's decision, flag vs allow
    under its calibrated thresholds, against toxic vs clean
  beep-hate (none/offensive/hate): hate when P(hate >= 1) reaches the hate threshold, or when
    P(insult >= 1) reaches the insult threshold and severe is the likelier of insult's harmful
    levels; else offensive when P(insult >= 1) reaches the insult threshold; else none (the BEEP!
    card's own mapping onto the default policy: hate -> Hate 2 with a social bias, Insult 2
    without; offensive -> Insult 1)
  beep-bias (none/others/gender): not mapped (the default policy's Bias does not tell gender from
    other bias); no row.
Run with Debian's Python (/usr/bin/python3).
"""
import argparse
import json
import os
import sys
import tomllib

from sklearn.metrics import accuracy_score, f1_score

BINARY = {"tweeteval-offensive", "tweeteval-hate", "unsmile-clean"}


def thresholds(model_dir):
    with open(os.path.join(model_dir, "policy.toml"), "rb") as f:
        policy = tomllib.load(f)
    return {c["name"]: c.get("threshold", 0.5) for c in policy["category"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", required=True)
    ap.add_argument("--truth", required=True, help="the task's test split as exported (JSON Lines)")
    ap.add_argument("--scores", required=True, help="`guardian moderate` output for it (JSON Lines)")
    ap.add_argument("--model", required=True, help="the default model's directory")
    args = ap.parse_args()
    if args.task not in BINARY and args.task != "beep-hate":
        print("default_model.py: %s's labels do not map onto the default policy; no row" % args.task, file=sys.stderr)
        return 0
    truth = {}
    with open(args.truth, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            truth[str(row["id"])] = int(row["label"])
    scored = {}
    with open(args.scores, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if "categories" in row:
                scored[str(row["id"])] = row
    missing = [i for i in truth if i not in scored]
    if missing:
        print("default_model.py: %d of %d messages were not scored (first: %s)" % (len(missing), len(truth), missing[0]),
              file=sys.stderr)
        return 1
    t = thresholds(args.model)
    y, p = [], []
    for i, label in truth.items():
        row = scored[i]
        if args.task in BINARY:
            predicted = 1 if row["flagged"] else 0
        else:
            c = row["categories"]
            insult = c["insult"]["score"] >= t["insult"]
            severe = c["insult"]["levels"]["severe"] >= c["insult"]["levels"]["mild"]
            predicted = 2 if c["hate"]["score"] >= t["hate"] or (insult and severe) else 1 if insult else 0
        y.append(label)
        p.append(predicted)
    with open(os.path.join(args.model, "training.json"), encoding="utf-8") as f:
        seconds = json.load(f).get("train_seconds", 0.0)
    print(json.dumps({"task": args.task, "system": "guardian-default", "macro_f1": round(100 * f1_score(y, p, average="macro"), 2),
                      "macro_f1_std": 0.0, "seeds": 1, "accuracy": round(100 * accuracy_score(y, p), 2),
                      "train_seconds": round(seconds, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
