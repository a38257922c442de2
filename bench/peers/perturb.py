#!/usr/bin/python3
"""The spelling games users play to slip past a filter, applied to a task's test split, for the
robustness rows of bench/quality.sh (--perturb): every model, as trained, scores the perturbed
messages, whose labels stay as they were.

Reads JSON Lines {"id", "text", "label"} on stdin and writes them with the text perturbed, to
every message alike (toxic and clean), each word or character drawn independently with a
generator seeded by the message id, so every run and every system sees the same text:
  split     a space inside a word (p = 0.3 per word of two or more characters): "시 발", "idi ot"
  noise     a symbol inside a word (p = 0.3 per word): one of . * 1 _ -> "시.발", "f*ck"
  choseong  a Hangul syllable written as its initial consonant (p = 0.1 per syllable): "ㅅ발", "ㅂㅅ"
  leet      a letter as a look-alike (p = 0.3 per a, e, i, o, s): "@", "3", "1", "0", "$"
  none      the text as it is: the same lines' figures without a game, beside them (for a task
            with levels, the flag-or-not view the perturbed lines are scored in)
Mentions, hashtags and links (@..., #..., http...) are left alone. Run with Debian's Python
(/usr/bin/python3).
"""
import argparse
import json
import random
import sys
import zlib

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
LEET = {"a": "@", "e": "3", "i": "1", "o": "0", "s": "$"}
SYMBOLS = ".*1_"


def untouched(word):
    return word.startswith(("@", "#", "http"))


def inside(word, rng, insert):
    """word with insert(rng) at a random position strictly inside it."""
    at = rng.randrange(1, len(word))
    return word[:at] + insert(rng) + word[at:]


def perturb_word(word, kind, rng):
    if kind == "none" or untouched(word):
        return word
    if kind in ("split", "noise"):
        if len(word) < 2 or rng.random() >= 0.3:
            return word
        return inside(word, rng, (lambda r: " ") if kind == "split" else (lambda r: r.choice(SYMBOLS)))
    if kind == "choseong":
        out = []
        for ch in word:
            code = ord(ch) - 0xAC00
            out.append(CHOSEONG[code // 588] if 0 <= code < 11172 and rng.random() < 0.1 else ch)
        return "".join(out)
    if kind == "leet":
        return "".join(LEET[ch.lower()] if ch.lower() in LEET and rng.random() < 0.3 else ch for ch in word)
    raise ValueError("unknown perturbation " + kind)


def perturb(text, kind, rng):
    return " ".join(perturb_word(word, kind, rng) for word in text.split(" "))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", required=True, choices=["none", "split", "noise", "choseong", "leet"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    changed = rows = 0
    for line in sys.stdin:
        row = json.loads(line)
        rng = random.Random(zlib.crc32(("%d:%s" % (args.seed, row["id"])).encode()))
        text = perturb(row["text"], args.kind, rng)
        changed += text != row["text"]
        rows += 1
        row["text"] = text
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("perturb.py: %s changed %d of %d messages" % (args.kind, changed, rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
