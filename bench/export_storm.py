"""/healthz while a storm of full exports hits one `measuresearch serve` (issue 20: 40 CSV exports delayed it 18 s).

    PYTHONPATH=src:. python bench/export_storm.py [--measures 10000] [--exports 40]

Builds a synthetic index in a temporary folder, starts `serve` (8 threads), sends the exports all at once
and asks /healthz every 50 ms while they run; prints the exports' statuses and /healthz's latencies.
"""

import argparse
import concurrent.futures
import statistics
import tempfile
import time
import urllib.error
import urllib.request

from devtools import localserver, synthetic
from measuresearch.index.build import indexer


def fetch(url):
    """Return (status, seconds) of one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def storm(base, exports):
    """Send the exports at once; return (export answers, /healthz answers while they ran)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=exports) as pool:
        futures = [pool.submit(fetch, base + "/api/search.csv") for _ in range(exports)]
        health = []
        while not all(f.done() for f in futures):
            health.append(fetch(base + "/healthz"))
            time.sleep(0.05)
        return [f.result() for f in futures], health


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--exports", type=int, default=40)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        indexer.build(None, folder + "/index", measures=synthetic.Generator(seed=3).measures(args.measures))
        process, base, _ = localserver.start(folder + "/index", threads=8)
        try:
            alone = fetch(base + "/api/search.csv")[1]
            answers, health = storm(base, args.exports)
        finally:
            localserver.stop(process)
    statuses = sorted(s for s, _ in answers)
    latencies = sorted(seconds for _, seconds in health)
    print(f"{args.measures} synthetic measures; one full CSV export alone: {alone:.2f} s")
    print(f"{args.exports} at once: " + ", ".join(f"{statuses.count(s)} x {s}" for s in sorted(set(statuses)))
          + f"; the storm lasted {max(seconds for _, seconds in answers):.2f} s")
    print(f"/healthz during it: {len(health)} answers ({', '.join(sorted({str(s) for s, _ in health}))}), "
          f"median {statistics.median(latencies) * 1000:.0f} ms, slowest {latencies[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
