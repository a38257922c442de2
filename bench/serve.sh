#!/usr/bin/env bash
# bench/serve.sh MODEL_DIR [SECONDS]: `guardian serve` under load at concurrency 1, 8 and 64, next to
# the in-process throughput of `guardian moderate` on the same messages. Prints JSON lines, the last
# one checking the server's bar: no non-2xx answer and no socket error or timeout (10 s), RSS growth
# within $RSS_BOUND_MB (default 32) over the whole run, and the server at concurrency 64 keeping
# >= 70% of the in-process rate.
# The load generator is bench/serve_load.py (keep-alive HTTP/1.1 from threads); wrk is used
# instead when installed. Messages: TweetEval offensive test texts from the data shelf.
set -euo pipefail
model=${1:?usage: bench/serve.sh MODEL_DIR [SECONDS]}
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
bin=${GUARDIAN:-$here/../build/bin/guardian}
data=${GUARDIAN_DATA:-$here/../../shared/data}
messages=$data/tweeteval/datasets/offensive/test_text.txt
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[batching]\nmax_batch = 64\nmax_wait_ms = 1.0\n[audit]\npath = "%s/audit.db"\ndurable = true\n' "$work" > "$work/serve.toml"
"$bin" serve --model "$model" --port "$port" --config "$work/serve.toml" 2> "$work/server.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$server/status; }
for c in 1 8 64; do
  start=$(rss)
  if command -v wrk >/dev/null; then
    # wrk (Debian's package) with a Lua script posting the messages; its report parsed into JSON.
    line=$(GUARDIAN_MESSAGES="$messages" wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "${seconds}s" --latency --timeout 10s \
             -s "$here/serve_wrk.lua" "http://127.0.0.1:$port" | python3 -c '
import json, re, sys
text = sys.stdin.read()
def ms(v):
    n, unit = float(re.match(r"([\d.]+)", v).group(1)), re.sub(r"[\d.]", "", v)
    return n * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)", text, re.M))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
print(json.dumps({"system": "server", "load": "wrk", "concurrency": int(sys.argv[1]),
                  "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
                  "p50_ms": ms(pct["50"]), "p99_ms": ms(pct["99"]), "non_2xx": int(bad.group(1)) if bad else 0,
                  "socket_errors": sum(map(int, re.findall(r"\d+", errors.group(1)))) if errors else 0}))' "$c")
  else
    line=$(python3 "$here/serve_load.py" --port "$port" --messages "$messages" --concurrency "$c" --seconds "$seconds")
  fi
  echo "${line%\}}, \"rss_start_mb\": $start, \"rss_end_mb\": $(rss)}" | tee -a "$work/lines.jsonl"
done
kill -TERM $server; wait $server || true
# In-process: `guardian moderate --stats` reports its own steady-state rate (from the first input
# read to the last line written, model load and process start excluded) and, apart, the rate of
# scoring alone; the first is the like-for-like peer of the server (JSON in and out, no HTTP).
python3 - "$messages" "$bin" "$model" <<'PY' | tee -a "$work/lines.jsonl"
import json, subprocess, sys
texts = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8") if l.strip()] * 20  # a few seconds of work
stdin = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
run = subprocess.run([sys.argv[2], "moderate", "--model", sys.argv[3], "--batch", "64", "--stats"], input=stdin.encode(),
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
stats = json.loads(run.stderr.decode().strip().splitlines()[-1])
print(json.dumps({"system": "in-process", "messages": stats["messages"],
                  "messages_per_second": round(stats["messages_per_second"], 1),
                  "scoring_messages_per_second": round(stats["scoring_messages_per_second"], 1)}))
PY
python3 - "$work/lines.jsonl" "${RSS_BOUND_MB:-32}" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
server = [l for l in lines if l["system"] == "server"]
inproc = next(l for l in lines if l["system"] == "in-process")
c64 = next(l for l in server if l["concurrency"] == 64)
growth = server[-1]["rss_end_mb"] - server[0]["rss_start_mb"]
ratio = c64["requests_per_second"] / inproc["messages_per_second"]
failed = sum(l["non_2xx"] + l.get("socket_errors", 0) for l in server)  # a timeout is a failed request too
print(json.dumps({"system": "bar", "non_2xx": sum(l["non_2xx"] for l in server), "failed": failed,
                  "rss_growth_mb": round(growth, 1), "rss_bound_mb": float(sys.argv[2]),
                  "c64_over_in_process": round(ratio, 3),
                  "met": failed == 0 and growth <= float(sys.argv[2]) and ratio >= 0.7}))
PY
