"""A checking load client, run as its own process: N threads query without pause for a while.

    python stress/client.py BASE --threads 16 --seconds 60 --expect-documents 10000,10001

Every answer must be a 200; /healthz must report one of the expected document
counts and the marker query one of the expected totals (so an answer from a
half-built or mixed index is caught). Prints one JSON object.
"""

import argparse
import collections
import http.client
import json
import signal
import threading
import time
import urllib.parse

QUERIES = ["/api/search?q=data", "/api/search?q=government+internet", "/api/search?q=%22personal+data%22",
           "/api/search?q=stressmarker", "/healthz", "/api/search?q=law&pillar=Content+access",
           "/?q=licence", "/api/search?q=%D0%B8%D0%BD%D1%84%D0%BE%D1%80%D0%BC%D0%B0%D1%82%D0%B8%D0%B7%D0%B0%D1%86%D0%B8%D0%B8"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=0, help="requests per second in all (0: no pause)")
    parser.add_argument("--expect-documents", default="")
    args = parser.parse_args()
    expected_docs = {int(n) for n in args.expect_documents.split(",") if n}
    target = urllib.parse.urlparse(args.base)
    stats = collections.Counter()
    problems = []
    latencies = []
    lock = threading.Lock()
    deadline = [time.monotonic() + args.seconds]
    # SIGTERM ends the run early and still prints the figures
    signal.signal(signal.SIGTERM, lambda *_: deadline.__setitem__(0, 0))
    pause = args.threads / args.rate if args.rate else 0

    def worker(n):
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        i = n
        while time.monotonic() < deadline[0]:
            path = QUERIES[i % len(QUERIES)]
            i += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                status, body = f"error {type(error).__name__}", b""
            elapsed = time.perf_counter() - started
            problem = check(path, status, body, expected_docs)
            with lock:
                stats["requests"] += 1
                latencies.append(elapsed)
                if problem:
                    stats["failed"] += 1
                    if len(problems) < 20:
                        problems.append(problem)
            if pause:
                time.sleep(max(0.0, pause - elapsed))
        connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    print(json.dumps({"requests": stats["requests"], "failed": stats["failed"], "seconds": round(seconds, 1),
                      "rps": round(stats["requests"] / seconds, 1),
                      "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
                      "max_ms": round(1000 * latencies[-1], 1) if latencies else None, "problems": problems}))


def check(path, status, body, expected_docs):
    if status != 200:
        return f"{path}: {status}"
    if path == "/healthz" and expected_docs:
        documents = json.loads(body)["documents"]
        if documents not in expected_docs:
            return f"/healthz: {documents} documents"
    if path.endswith("q=stressmarker") and expected_docs:
        total = json.loads(body)["total"]
        if total not in (0, 1):
            return f"marker query: total {total}"
    return None


if __name__ == "__main__":
    main()
