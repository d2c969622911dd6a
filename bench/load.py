"""HTTP load generator, run as its own process: N clients with keep-alive connections.

    python bench/load.py URLS_FILE --clients 8 --requests 800 --base http://127.0.0.1:PORT

Prints one JSON object: requests, errors, seconds, rps, p50_ms, p95_ms, p99_ms, max_ms, statuses.
"""

import argparse
import collections
import http.client
import json
import statistics
import threading
import time
import urllib.parse

from stats import percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("urls_file")
    parser.add_argument("--base", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    paths = [line.strip() for line in open(args.urls_file, encoding="utf-8") if line.strip()]
    target = urllib.parse.urlparse(args.base)
    latencies, statuses, errors = [], collections.Counter(), [0]
    lock = threading.Lock()
    counter = iter(range(args.requests))

    def client():
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        for n in counter:
            path = paths[n % len(paths)]
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                status = "error"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
                if status != 200:
                    errors[0] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    print(json.dumps({
        "requests": len(latencies), "errors": errors[0], "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p95_ms": round(1000 * percentile(latencies, 95), 2),
        "p99_ms": round(1000 * percentile(latencies, 99), 2),
        "max_ms": round(1000 * max(latencies), 2),
        "statuses": {str(k): v for k, v in statuses.items()},
    }))


if __name__ == "__main__":
    main()
