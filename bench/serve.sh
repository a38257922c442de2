#!/usr/bin/env bash
# bench/serve.sh MODEL_DIR [SECONDS]: `guardian serve` under load at concurrency 1, 8 and 64, next to
# the in-process throughput of `guardian moderate` on the same messages. Prints JSON lines.
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
    line=$(GUARDIAN_MESSAGES="$messages" wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "${seconds}s" --latency \
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
                  "socket_errors": errors.group(1) if errors else None}))' "$c")
  else
    line=$(python3 "$here/serve_load.py" --port "$port" --messages "$messages" --concurrency "$c" --seconds "$seconds")
  fi
  echo "${line%\}}, \"rss_start_mb\": $start, \"rss_end_mb\": $(rss)}"
done
kill -TERM $server; wait $server || true
python3 - "$messages" "$bin" "$model" <<'PY'
import json, subprocess, sys, time
texts = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8") if l.strip()] * 20  # amortise start-up
stdin = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
t0 = time.time()
subprocess.run([sys.argv[2], "moderate", "--model", sys.argv[3], "--batch", "64"], input=stdin.encode(), stdout=subprocess.DEVNULL, check=True)
print(json.dumps({"system": "in-process", "messages": len(texts), "messages_per_second": round(len(texts) / (time.time() - t0), 1)}))
PY
