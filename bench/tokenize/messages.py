#!/usr/bin/env python3
"""Writes N real chat messages as JSON Lines (one JSON string a line) for the tokenizer comparison.

Sources (GUARDIAN_DATA, default ../shared/data beside the repo): BEEP train.tsv column 0 (Korean),
tweeteval offensive train_text.txt (English), Jigsaw comment_text (English, long, odd whitespace),
plus synthetic hard cases (emoji, URLs, odd whitespace, stray jamo, long runs, special-token text).
Usage: messages.py N [SEED] [--objects] > texts.jsonl
  --objects writes {"text", "source", "file", "row"} objects, so a golden file can name each real
  message by where it lives in the data instead of copying its text.
"""
import csv
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GUARDIAN_DATA", os.path.join(HERE, "..", "..", "..", "shared", "data"))

SYNTHETIC = [
    "ㅅㅂ", "ㅅㅂ ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋ", "ㅗㅗㅗ", "ㄱㄱ", "시발ㅋㅋ", "개새끼야!!!", "ㅎㅇㅎㅇ~~",
    "🙂", "👍🏽👍🏽", "👨‍👩‍👧‍👦 family", "🇰🇷🇺🇸", "I ❤️ you", "😂😂😂😂😂😂😂😂",
    "https://example.com/path?q=1&x=%20y#frag", "visit www.naver.com/abc 지금", "mail me: a.b@c.io",
    "  leading and trailing  ", "tab\tseparated\tvalues", "line1\nline2\r\nline3\n\n\n",
    "\u00a0nbsp\u00a0here", "zero\u200bwidth", "ideographic\u3000space", "em\u2003space", "",
    " ", "\n", "a" * 300, "ㅋ" * 200, "!" * 120, "1234567890" * 12, "가나다라마바사아자차카타파하" * 10,
    "café naïve résumé", "e\u0301 composed?", "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ", "Ⅻ ① ²", "한국어와 English mixed 文字 漢字",
    "<s> not special </s>", "<bos>hello<eos>", "<|endoftext|> <|im_start|>user", "[CLS] [SEP] [MASK]",
    "don't won't I'm you're they've he'll she'd", "DON'T WON'T I'M", "$100.00 & 50% off!!!",
    "\u1100\u1161\u11a8 conjoining jamo", "ᄒᆞᆫ글 old hangul", "\ufeffBOM at start", "x\u0085next line",
    "@user @user @user URL", "#hashtag #해시태그", "   \t  \n  ", "foo  bar   baz    qux",
]


BEEP = "korean-hate-speech-beep/labeled/train.tsv"
TWEETS = "tweeteval/datasets/offensive/train_text.txt"
JIGSAW = "jigsaw-toxic-subset/data/data_pools"


def beep():
    # row = data row (0 = first line after the header); text = column 0
    out = []
    with open(os.path.join(DATA, BEEP), encoding="utf-8", newline="") as f:
        next(f)
        for i, line in enumerate(f):
            out.append({"text": line.rstrip("\n").split("\t")[0], "source": "beep", "file": BEEP, "row": i})
    return out


def tweets():
    # row = line number from 0
    with open(os.path.join(DATA, TWEETS), encoding="utf-8", newline="") as f:
        return [{"text": l.rstrip("\n"), "source": "tweets", "file": TWEETS, "row": i} for i, l in enumerate(f)]


def jigsaw():
    # row = CSV record from 0 after the header; text = column comment_text
    out = []
    folder = os.path.join(DATA, JIGSAW)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), encoding="utf-8", newline="") as f:
                for i, row in enumerate(csv.DictReader(f)):
                    out.append({"text": row["comment_text"], "source": "jigsaw", "file": JIGSAW + "/" + name, "row": i})
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    objects = "--objects" in sys.argv
    n = int(args[0]) if args else 300
    rng = random.Random(int(args[1]) if len(args) > 1 else 1)
    pools = [beep(), tweets(), jigsaw()]
    msgs = [{"text": t, "source": "synthetic"} for t in SYNTHETIC]
    rest = n - len(msgs)
    shares = [rest * 2 // 5, rest * 2 // 5, rest - 2 * (rest * 2 // 5)]
    for pool, k in zip(pools, shares):
        msgs.extend(rng.sample(pool, min(k, len(pool))))
    for m in msgs[:n]:
        sys.stdout.write(json.dumps(m if objects else m["text"], ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
