#!/usr/bin/env python3
"""Writes N real chat messages as JSON Lines (one JSON string a line) for the tokenizer comparison.

Sources (GUARDIAN_DATA, default ../shared/data beside the repo): BEEP train.tsv column 0 (Korean),
tweeteval offensive train_text.txt (English), Jigsaw comment_text (English, long, odd whitespace),
plus synthetic hard cases (emoji, URLs, odd whitespace, stray jamo, long runs, special-token text).
Usage: messages.py N [SEED] > texts.jsonl
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


def beep():
    out = []
    path = os.path.join(DATA, "korean-hate-speech-beep", "labeled", "train.tsv")
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            out.append(line.rstrip("\n").split("\t")[0])
    return out


def tweets():
    path = os.path.join(DATA, "tweeteval", "datasets", "offensive", "train_text.txt")
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def jigsaw():
    out = []
    folder = os.path.join(DATA, "jigsaw-toxic-subset", "data", "data_pools")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            with open(os.path.join(folder, name), encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    out.append(row["comment_text"])
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    pools = [beep(), tweets(), jigsaw()]
    msgs = list(SYNTHETIC)
    rest = n - len(msgs)
    shares = [rest * 2 // 5, rest * 2 // 5, rest - 2 * (rest * 2 // 5)]
    for pool, k in zip(pools, shares):
        msgs.extend(rng.sample(pool, min(k, len(pool))))
    for m in msgs[:n]:
        sys.stdout.write(json.dumps(m, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
