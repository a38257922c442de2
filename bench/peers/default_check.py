#!/usr/bin/python3
"""Helpers of bench/default_check.sh (run with Debian's Python, /usr/bin/python3).

  --halves RECIPE      each validation spec of the recipe's [data] valid as its two halves, one
                       line each: "card:split[a%:m%] card:split[m%:b%]"
  --game SPEC          the spelling game for a data spec's language: choseong (Korean), leet
  --score WORK BASE NAME..  one JSON line per variant from the predictions under WORK/NAME/
                       (BASE: the base model's name, carried into the lines)
  --mean LINES         the mean per variant of the --score lines of several bases
"""
import collections
import glob
import json
import os
import re
import sys
import tomllib

from sklearn.metrics import roc_auc_score

CARDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "cards")
SLICE = re.compile(r"^([^\[]+)(?:\[(\d*)%?:(\d*)%?\])?$")


def halves(recipe):
    with open(recipe, "rb") as f:
        valid = tomllib.load(f)["data"]["valid"]
    for spec in valid:
        m = SLICE.match(spec)
        if not m:
            sys.exit(f"default_check.py: cannot halve the validation spec {spec!r} of {recipe}")
        head, lo, hi = m.group(1), int(m.group(2) or 0), int(m.group(3) or 100)
        mid = (lo + hi) // 2
        bound = lambda p, edge: "" if p == edge else f"{p}%"
        print(f"{head}[{bound(lo, 0)}:{mid}%] {head}[{mid}%:{bound(hi, 100)}]")


def language(card):
    """A card's language, by name or by path (a variant's card may live outside configs/cards)."""
    path = card if card.endswith(".toml") else os.path.join(CARDS, card + ".toml")
    if not os.path.exists(path):
        return "en"
    with open(path, "rb") as f:
        return tomllib.load(f).get("language", "en")


def game(spec):
    print("choseong" if language(spec.split(":")[0]) == "ko" else "leet")


def macro_f1(rows):
    """Macro-F1 (%) of flag vs allow over (flagged, toxic) pairs."""
    f1 = []
    for positive in (True, False):
        tp = sum(1 for f, t in rows if f == positive and t == positive)
        fp = sum(1 for f, t in rows if f == positive and t != positive)
        fn = sum(1 for f, t in rows if f != positive and t == positive)
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return 100 * sum(f1) / 2


def ece(pairs, bins=10):
    total, out = len(pairs), 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        cell = [(s, y) for s, y in pairs if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        if cell:
            out += len(cell) / total * abs(sum(s for s, _ in cell) / len(cell) - sum(y for _, y in cell) / len(cell))
    return out


def score(work, base, name):
    with open(os.path.join(work, name, "model", "policy.toml"), "rb") as f:
        policy = tomllib.load(f)["category"]
    levels = {c["name"]: c["levels"] for c in policy}
    deciding = {c["name"] for c in policy if c.get("decides", True) and c.get("trained", True)}
    decisions = collections.defaultdict(list)  # (source, game or "") -> (flagged, toxic)
    scores = collections.defaultdict(list)     # category -> (score, y), clean rows
    by_language = collections.defaultdict(list)
    sources = []
    for path in sorted(glob.glob(os.path.join(work, name, "scored.*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = json.loads(line)
                source, played = p["id"].split(":")[0], p.get("perturbed", "")
                if source not in sources:
                    sources.append(source)
                toxic = None
                for category, c in p["categories"].items():
                    truth = p.get("truth", {}).get(category)
                    if truth is None:
                        continue
                    y = int(levels[category].index(truth) >= 1)
                    if category in deciding:
                        toxic = bool(toxic) or y == 1
                    if not played:
                        scores[category].append((c["score"], y))
                        by_language[(p.get("language", "?"), category)].append((c["score"], y))
                if toxic is not None:
                    decisions[(source, played)].append((p["flagged"], toxic))
    out = {"base": base, "variant": name, "flag_macro_f1": {s: round(macro_f1(decisions[(s, "")]), 2) for s in sources}}
    english = [v for s, v in out["flag_macro_f1"].items() if language(s) != "ko"]
    if english:
        out["english_mean"] = round(sum(english) / len(english), 2)
    out["ece"] = {c: round(ece(p), 4) for c, p in sorted(scores.items()) if sum(y for _, y in p) >= 100}
    out["auc"] = {f"{lang}.{c}": round(100 * roc_auc_score([y for _, y in p], [s for s, _ in p]), 2)
                  for (lang, c), p in sorted(by_language.items()) if 30 <= sum(y for _, y in p) < len(p)}
    games = {f"{s}.{g}": round(macro_f1(r), 2) for (s, g), r in sorted(decisions.items()) if g}
    if games:
        out["games"] = games
        out["games_mean"] = {}
        for s in sources:
            played = [v for k, v in games.items() if k.startswith(s + ".")]
            if played:
                out["games_mean"][s] = round(sum(played) / len(played), 2)
    print(json.dumps(out), flush=True)


def mean(path):
    """Per variant, the mean of every figure over the bases (nested keys kept)."""
    by_variant = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            by_variant[o["variant"]].append(o)
    def average(values):
        if isinstance(values[0], dict):
            return {k: average([v[k] for v in values]) for k in values[0] if all(k in v for v in values)}
        return round(sum(values) / len(values), 2 if any(abs(v) >= 1 for v in values) else 4)
    for variant, lines in by_variant.items():
        figures = {k: v for k, v in lines[0].items() if k not in ("base", "variant")}
        out = {"base": "mean", "bases": len(lines), "variant": variant}
        out.update({k: average([line[k] for line in lines]) for k in figures if all(k in line for line in lines)})
        print(json.dumps(out), flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--halves":
        halves(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--game":
        game(sys.argv[2])
    elif len(sys.argv) >= 5 and sys.argv[1] == "--score":
        for name in sys.argv[4:]:
            score(sys.argv[2], sys.argv[3], name)
    elif len(sys.argv) == 3 and sys.argv[1] == "--mean":
        mean(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
