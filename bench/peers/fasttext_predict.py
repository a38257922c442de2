"""fastText's CLI as the n-gram kind's throughput peer (bench/throughput.sh).

Trains fastText supervised models on a `guardian data export` file ({"text", "label"} lines), then
times `fasttext predict-prob` on the bench's messages (one per line) three ways:
  fasttext-cli-load   a 1-message file: the process start and model load alone (wall time, load_ms)
  fasttext-cli-file   the messages repeated to 50,000 lines or more, in one process: lines / wall
                      time, load included (the load of an 800 MB bucket table takes most of a
                      second, so fewer lines would time the load alone); the row
                      fasttext-cli-file-minus-load subtracts the load time measured above
  fasttext-cli-stdin  one long-lived `predict-prob MODEL -` process fed through a pipe, a batch of
                      lines at a time (1 or 64), each batch's latency until its last answer line
                      arrives: fastText has no in-process API from the CLI, so these latencies
                      include a pipe round trip and this driver's Python overhead (tens of us)
Prints one JSON line per row in bench_throughput's format (gflops_per_second null: it means nothing here).
Run with Debian's Python (/usr/bin/python3) and Debian's fasttext CLI.
"""
import argparse
import json
import statistics
import subprocess
import time


def fasttext_train_file(export, path):
    with open(export, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        for line in src:
            row = json.loads(line)
            out.write("__label__%d %s\n" % (int(row["label"]), " ".join(row["text"].split())))


def wall(cmd, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stdin_latencies(model, messages, batch):
    proc = subprocess.Popen(["fasttext", "predict-prob", model, "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
    try:
        proc.stdin.write(messages[0] + "\n")  # warm-up: the model loads before the first answer
        proc.stdin.flush()
        proc.stdout.readline()
        latency = []
        start = time.perf_counter()
        for i in range(0, len(messages), batch):
            chunk = messages[i:i + batch]
            t = time.perf_counter()
            proc.stdin.write("".join(m + "\n" for m in chunk))
            proc.stdin.flush()
            for _ in chunk:
                if not proc.stdout.readline():
                    raise RuntimeError("fasttext predict-prob stopped answering")
            latency.append(1000 * (time.perf_counter() - t))
        total = time.perf_counter() - start
    finally:
        proc.stdin.close()
        proc.wait()
    latency.sort()
    return len(messages) / total, latency[len(latency) // 2], latency[min(len(latency) - 1, len(latency) * 99 // 100)]


def row(system, model, batch, mps, p50, p99, **extra):
    out = {"system": system, "model": model, "batch": batch,
           "messages_per_second": None if mps is None else round(mps, 1),
           "p50_ms": None if p50 is None else round(p50, 4), "p99_ms": None if p99 is None else round(p99, 4),
           "gflops_per_second": None}
    out.update(extra)
    print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True, help="guardian data export JSON Lines")
    ap.add_argument("--messages", required=True, help="the bench's messages, one per line")
    ap.add_argument("--work", required=True, help="a scratch directory")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with open(args.messages, encoding="utf-8") as f:
        messages = [" ".join(line.split()) for line in f]
    train = args.work + "/fasttext-train.txt"
    fasttext_train_file(args.train, train)
    one = args.work + "/one-message.txt"
    with open(one, "w", encoding="utf-8") as f:
        f.write(messages[0] + "\n")
    flat = args.work + "/messages-flat.txt"
    repeats = -(-50000 // len(messages))
    with open(flat, "w", encoding="utf-8") as f:
        f.write("".join(m + "\n" for m in messages) * repeats)
    lines = repeats * len(messages)
    variants = {"fasttext-word (wordNgrams 2, epoch 5)": [],
                "fasttext-char (wordNgrams 2, minn 2, maxn 4, epoch 5)": ["-minn", "2", "-maxn", "4"]}
    for name, extra in variants.items():
        model = "%s/ft-%d" % (args.work, len(extra))
        start = time.perf_counter()
        subprocess.run(["fasttext", "supervised", "-input", train, "-output", model, "-wordNgrams", "2",
                        "-epoch", "5", "-thread", str(args.threads), "-verbose", "0"] + extra, check=True)
        train_seconds = time.perf_counter() - start
        load = wall(["fasttext", "predict-prob", model + ".bin", one])
        whole = wall(["fasttext", "predict-prob", model + ".bin", flat])
        row("fasttext-cli-load", name, 1, None, None, None, load_ms=round(1000 * load, 1),
            train_seconds=round(train_seconds, 1), note="one process over a 1-message file: start and model load")
        row("fasttext-cli-file", name, lines, lines / whole, None, None, wall_s=round(whole, 3),
            note="one process over the messages repeated %d times, load included" % repeats)
        row("fasttext-cli-file-minus-load", name, lines, lines / (whole - load), None, None,
            note="the same file's wall time less the 1-message run's")
        for batch in (1, 64):
            mps, p50, p99 = stdin_latencies(model + ".bin", messages, batch)
            row("fasttext-cli-stdin", name, batch, mps, p50, p99, note="a pipe round trip per batch included")


if __name__ == "__main__":
    main()
