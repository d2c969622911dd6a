"""A process that writes reports into the store of its environment, for the store tests.

It opens the store as `serve` does (config.from_environment, so MEASURESEARCH_DATA or
MEASURESEARCH_DATABASE_URL), prints `ready`, waits for a line on standard input when asked,
then writes COUNT reports from THREADS threads and prints one line per answer, after the
store returned: `ok <report id> <measure id>` (the write was acknowledged) or `limited`.
"""

import argparse
import concurrent.futures
import sys
import threading

from measuresearch import config
from measuresearch.curation.store import open_store
from measuresearch.errors import RateLimited


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", default="192.0.2.1")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--tag", default="w")
    parser.add_argument("--wait", action="store_true", help="wait for a line on standard input before writing")
    args = parser.parse_args()
    cfg = config.from_environment()
    store = open_store(cfg.data, cfg.database_url)
    print("ready", flush=True)
    if args.wait:
        sys.stdin.readline()
    printing = threading.Lock()

    def write(n):
        measure_id = f"{args.tag}-{n}"
        try:
            report = store.add_report(measure_id, f"Report {n} from {args.tag}.", None, args.client, args.limit)
            line = f"ok {report['id']} {measure_id}"
        except RateLimited:
            line = "limited"
        with printing:
            print(line, flush=True)

    def writer(first):
        for n in range(first, args.count, args.threads):
            write(n)

    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        for future in [pool.submit(writer, first) for first in range(args.threads)]:
            future.result()
    print("done", flush=True)


if __name__ == "__main__":
    main()
