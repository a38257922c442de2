#!/usr/bin/python3
"""Markdown tables from bench/quality.sh's JSON lines: what a team comparing guardian with the
peers reads first.

  bench/quality.sh --seeds 3 > quality.jsonl; bench/summarize.py quality.jsonl   (or on stdin)

Tables:
  1. per task, the headline (guardian) against the best peer of the same run by test macro-F1,
     with the paired bootstrap's difference and 95% interval when the run printed it, and the
     peers that failed (their rows say "failed": the best peer is only the best of those that ran);
  2. every system's test macro-F1 per task (guardian's systems, then the peers; "failed" where a
     system failed), then each failure's reason;
  3. per task, the calibration of P(level >= 1) on the test split: guardian's ECE and Brier, raw and
     after `calibrate --offset` on the validation data, beside the best-calibrated peer's (lines
     with "ece" only);
  4. per transfer set, the same as 1 on the transfer lines, with ROC AUC, flagged share against
     the truth's, and the adapted macro-F1 (each system's threshold chosen on the adapt slice) with
     its own paired interval against the best adapted peer when the run printed it;
  5. per transfer set (and "in-domain", a binary task's own scored split), the share-adapted
     macro-F1: no labels, each threshold flags the task validation's toxic share of the set;
  6. robustness (quality.sh --perturb): per task and spelling game, guardian's and the best peer's
     macro-F1 with each one's change from the unperturbed split scored the same way
     ("perturbed-none"), and guardian's own drop beside the peer that dropped least.
Peers are the systems whose name does not start with "guardian".
"""
import fileinput
import json
import sys


def is_peer(system):
    return not system.startswith("guardian")


def fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def interval(line):
    if not line:
        return "–"
    return f"{line['macro_f1_diff']:+.2f} [{line['ci95_low']:+.2f}, {line['ci95_high']:+.2f}]"


def failure(row):
    """Why a system gave no score: its "failed" reason (older runs: "error"), or None."""
    return row.get("failed") or row.get("error")


def best_peer(rows, key="macro_f1"):
    peers = [r for r in rows if is_peer(r["system"]) and r.get(key) is not None]
    return max(peers, key=lambda r: r[key]) if peers else None


def main():
    scores, versus, transfer, transfer_versus = {}, {}, {}, {}
    for raw in fileinput.input():
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        line = json.loads(raw)
        if "task" not in line or "system" not in line:
            continue
        if "macro_f1" not in line and "macro_f1_diff" not in line and not failure(line):
            continue
        task = line["task"]
        if "transfer" in line:
            key = (task, line["transfer"])
            if "vs" in line:
                kind = "adapted" if line.get("adapted") else "share_adapted" if line.get("share_adapted") else ""
                transfer_versus[key + (line["system"], line["vs"], kind)] = line
            else:
                transfer.setdefault(key, []).append(line)
        elif "vs" in line:
            versus[(task, line["system"], line["vs"])] = line
        else:
            scores.setdefault(task, []).append(line)
    if not scores and not transfer:
        sys.exit("summarize: no quality.sh lines in the input")

    print("## Test macro-F1: the headline against the best peer\n")
    print("| task | guardian | best peer | guardian − peer [95% CI] | p not better | failed peers |")
    print("|---|---|---|---|---|---|")
    for task, rows in scores.items():
        headline = next((r for r in rows if r["system"] == "guardian" and not failure(r)), None)
        peer = best_peer(rows)
        paired = versus.get((task, "guardian", peer["system"])) if headline and peer else None
        failed = ", ".join(r["system"] for r in rows if is_peer(r["system"]) and failure(r)) or "none"
        print(f"| {task} | {fmt(headline and headline['macro_f1'])}"
              f"{'±' + fmt(headline['macro_f1_std']) if headline and headline.get('seeds', 1) > 1 else ''} | "
              f"{peer['system'] + ' ' + fmt(peer['macro_f1']) if peer else '–'} | {interval(paired)} | "
              f"{fmt(paired and paired['p_not_better'], 3)} | {failed} |")

    systems = []
    for rows in scores.values():
        for r in rows:
            if r["system"] not in systems:
                systems.append(r["system"])
    systems.sort(key=lambda s: (is_peer(s), s != "guardian", s))
    print("\n## Test macro-F1 of every system\n")
    print("| task | " + " | ".join(systems) + " |")
    print("|---|" + "---|" * len(systems))
    for task, rows in scores.items():
        by_system = {r["system"]: "failed" if failure(r) else fmt(r.get("macro_f1")) for r in rows}
        print(f"| {task} | " + " | ".join(by_system.get(s, "–") for s in systems) + " |")
    failures = [(task, r["system"], failure(r)) for task, rows in scores.items() for r in rows if failure(r)]
    if failures:
        print("\nFailed: " + "; ".join(f"{task} {system}: {why}" for task, system, why in failures) + ".")

    if any("ece" in r for rows in scores.values() for r in rows):
        print("\n## Calibration of P(level >= 1) on the test split (ECE over ten bins; lower is better)\n")
        print("| task | guardian ECE (Brier) | guardian calibrated: ECE (Brier) | best-calibrated peer ECE (Brier) "
              "| peers' ECE, best – worst |")
        print("|---|---|---|---|---|")
        for task, rows in scores.items():
            headline = next((r for r in rows if r["system"] == "guardian" and "ece" in r), None)
            peers = sorted((r for r in rows if is_peer(r["system"]) and "ece" in r), key=lambda r: r["ece"])
            ours = f"{fmt(headline['ece'], 3)} ({fmt(headline['brier'], 3)})" if headline else "–"
            calibrated = (f"{fmt(headline['ece_calibrated'], 3)} ({fmt(headline['brier_calibrated'], 3)})"
                          if headline and "ece_calibrated" in headline else "–")
            theirs = f"{peers[0]['system']} {fmt(peers[0]['ece'], 3)} ({fmt(peers[0]['brier'], 3)})" if peers else "–"
            spread = f"{fmt(peers[0]['ece'], 3)} – {fmt(peers[-1]['ece'], 3)}" if peers else "–"
            print(f"| {task} | {ours} | {calibrated} | {theirs} | {spread} |")

    if transfer:
        print("\n## Transfer: trained on the task, scored on another source's messages\n")
        print("| task → transfer set | guardian (AUC, flagged / truth) | best peer (AUC) | guardian − peer [95% CI] "
              "| adapted: guardian | adapted: best peer | adapted: guardian − peer [95% CI] |")
        print("|---|---|---|---|---|---|---|")
        for (task, name), rows in transfer.items():
            headline = next((r for r in rows if r["system"] == "guardian"), None)
            peer = best_peer(rows)
            adapted_peer = best_peer(rows, "adapted_macro_f1")
            paired = transfer_versus.get((task, name, "guardian", peer["system"], "")) if headline and peer else None
            adapted_paired = (transfer_versus.get((task, name, "guardian", adapted_peer["system"], "adapted"))
                              if headline and adapted_peer else None)
            truth_share = headline["positives"] / headline["rows"] if headline else None
            ours = (f"{fmt(headline['macro_f1'])} ({fmt(headline['roc_auc'], 1)}, "
                    f"{fmt(headline['flagged_share'], 2)} / {fmt(truth_share, 2)})") if headline else "–"
            theirs = f"{peer['system']} {fmt(peer['macro_f1'])} ({fmt(peer['roc_auc'], 1)})" if peer else "–"
            adapted_ours = fmt(headline.get("adapted_macro_f1")) if headline else "–"
            adapted_theirs = (f"{adapted_peer['system']} {fmt(adapted_peer['adapted_macro_f1'])}"
                              if adapted_peer else "–")
            print(f"| {task} → {name} | {ours} | {theirs} | {interval(paired)} | {adapted_ours} | {adapted_theirs} "
                  f"| {interval(adapted_paired)} |")

        print("\n## Share-adapted: no labels, each threshold flags the task's validation toxic share of the set\n")
        print("| task → set | reference share | guardian | best peer | guardian − peer [95% CI] | guardian as trained |")
        print("|---|---|---|---|---|---|")
        for (task, name), rows in transfer.items():
            if not any("share_adapted_macro_f1" in r for r in rows):
                continue
            headline = next((r for r in rows if r["system"] == "guardian"), None)
            peer = best_peer(rows, "share_adapted_macro_f1")
            paired = (transfer_versus.get((task, name, "guardian", peer["system"], "share_adapted"))
                      if headline and peer else None)
            print(f"| {task} → {name} | {fmt(rows[0].get('reference_share'), 3)} "
                  f"| {fmt(headline and headline.get('share_adapted_macro_f1'))} "
                  f"| {peer['system'] + ' ' + fmt(peer['share_adapted_macro_f1']) if peer else '–'} "
                  f"| {interval(paired)} | {fmt(headline and headline['macro_f1'])} |")
    robustness(transfer, transfer_versus)
    return 0


def robustness(transfer, transfer_versus):
    """Table 6: the perturbed-KIND transfer lines against their task's perturbed-none."""
    prefix = "perturbed-"
    clean = {task: {r["system"]: r["macro_f1"] for r in rows}
             for (task, name), rows in transfer.items() if name == prefix + "none"}
    games = [(task, name, rows) for (task, name), rows in transfer.items()
             if name.startswith(prefix) and name != prefix + "none" and task in clean]
    if not games:
        return
    print("\n## Robustness: the test split with the spelling games users play (macro-F1, change from the unperturbed split)\n")
    print("| task | game | guardian (change) | best peer (change) | guardian − peer [95% CI] "
          "| peer that dropped least (change) |")
    print("|---|---|---|---|---|---|")
    for task, name, rows in games:
        before = clean[task]
        change = {r["system"]: r["macro_f1"] - before[r["system"]] for r in rows if r["system"] in before}
        headline = next((r for r in rows if r["system"] == "guardian"), None)
        peer = best_peer(rows)
        steady = max((r for r in rows if is_peer(r["system"]) and r["system"] in change),
                     key=lambda r: change[r["system"]], default=None)
        paired = transfer_versus.get((task, name, "guardian", peer["system"], "")) if headline and peer else None

        def with_change(r, label=False):
            if not r:
                return "–"
            delta = f" ({change[r['system']]:+.2f})" if r["system"] in change else ""
            return f"{r['system'] + ' ' if label else ''}{fmt(r['macro_f1'])}{delta}"

        print(f"| {task} | {name[len(prefix):]} | {with_change(headline)} | {with_change(peer, True)} "
              f"| {interval(paired)} | {with_change(steady, True)} |")


if __name__ == "__main__":
    sys.exit(main())
