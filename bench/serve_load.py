"""Load generator for bench/serve.sh: N threads, each with one keep-alive connection, POSTing
real messages to /v1/moderations for a fixed time. Prints one JSON line."""
import argparse, http.client, json, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--messages", required=True)
ap.add_argument("--concurrency", type=int, default=8)
ap.add_argument("--seconds", type=float, default=30)
args = ap.parse_args()
texts = [l.rstrip("\n") for l in open(args.messages, encoding="utf-8") if l.strip()]
bodies = [json.dumps({"input": t}).encode() for t in texts]
latencies, non_2xx, lock = [], [0], threading.Lock()
deadline = time.time() + args.seconds

def worker(k):
    conn = http.client.HTTPConnection("127.0.0.1", args.port)
    mine, bad, i = [], 0, k
    while time.time() < deadline:
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/moderations", bodies[i % len(bodies)], {"Content-Type": "application/json"})
            r = conn.getresponse(); r.read()
        except (ConnectionError, http.client.HTTPException):
            bad += 1; conn.close(); conn = http.client.HTTPConnection("127.0.0.1", args.port); continue
        mine.append(time.perf_counter() - t0)
        bad += not (200 <= r.status < 300)
        i += args.concurrency
    with lock:
        latencies.extend(mine); non_2xx[0] += bad

threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.concurrency)]
t0 = time.time()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.time() - t0
latencies.sort()
pct = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)
print(json.dumps({"system": "server", "concurrency": args.concurrency, "requests_per_second": round(len(latencies) / elapsed, 1),
                  "p50_ms": pct(0.5), "p99_ms": pct(0.99), "non_2xx": non_2xx[0]}))
