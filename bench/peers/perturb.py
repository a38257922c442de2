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
The games above are the ones guardian's squeeze, leet and Hangul-initial features were built to
undo. These are games it was not designed around:
  emoji      an emoji inside a word (p = 0.3 per word of two or more characters): "idi😂ot", "시🔥발"
  zerowidth  an invisible character inside a word (p = 0.3 per word): U+200B, U+200C, U+200D, U+2060
  repeat     one letter of a word written two to four more times (p = 0.3 per word): "idiiiot", "시시발"
  spaced     a Korean word of two or more syllables with one mark between every two of them
             (p = 0.3 per such word, one mark per word): "시.발", "병-신-아"
  fullwidth  a word's ASCII letters and digits as their full-width forms (p = 0.3 per word): "ｉｄｉｏｔ"
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
EMOJI = "\U0001F602\U0001F525\U0001F44D\U0001F4A9\U0001F92C"  # 😂 🔥 👍 💩 🤬: single code points
ZERO_WIDTH = "\u200b\u200c\u200d\u2060"  # space, non-joiner, joiner, word joiner
SPACING_MARKS = ".-,~/"
GAMES = ["none", "split", "noise", "choseong", "leet", "emoji", "zerowidth", "repeat", "spaced", "fullwidth"]


def untouched(word):
    return word.startswith(("@", "#", "http"))


def inside(word, rng, insert):
    """word with insert(rng) at a random position strictly inside it."""
    at = rng.randrange(1, len(word))
    return word[:at] + insert(rng) + word[at:]


def is_hangul_syllable(ch):
    return 0xAC00 <= ord(ch) <= 0xD7A3


def fullwidth(ch):
    """An ASCII letter or digit as its full-width form (U+FF10..U+FF5A), anything else as it is."""
    return chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch


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
    if kind in ("emoji", "zerowidth"):
        if len(word) < 2 or rng.random() >= 0.3:
            return word
        return inside(word, rng, lambda r: r.choice(EMOJI if kind == "emoji" else ZERO_WIDTH))
    if kind == "repeat":
        letters = [i for i, ch in enumerate(word) if ch.isalpha()]
        if not letters or rng.random() >= 0.3:
            return word
        at = letters[rng.randrange(0, len(letters))]
        return word[:at + 1] + word[at] * rng.randint(2, 4) + word[at + 1:]
    if kind == "spaced":
        if sum(map(is_hangul_syllable, word)) < 2 or rng.random() >= 0.3:
            return word
        mark = rng.choice(SPACING_MARKS)
        # a mark between two syllables next to each other, not between a syllable and punctuation
        return word[0] + "".join((mark + ch if is_hangul_syllable(ch) and is_hangul_syllable(prev) else ch)
                                 for prev, ch in zip(word, word[1:]))
    if kind == "fullwidth":
        if rng.random() >= 0.3:
            return word
        return "".join(fullwidth(ch) for ch in word)
    raise ValueError("unknown perturbation " + kind)


def perturb(text, kind, rng):
    return " ".join(perturb_word(word, kind, rng) for word in text.split(" "))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", required=True, choices=GAMES)
    # The generator of each message is random.Random(crc32("SEED:ID")): the seed and the message
    # id fix every draw, whatever order the messages come in.
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
