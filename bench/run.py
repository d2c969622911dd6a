"""`make bench`: measuresearch against SQLite FTS5 on the same synthetic corpus and queries.

    python bench/run.py [--sizes 10000,100000] [--queries 400] [--quick]

Prints one table and writes it as JSON under bench/results/, next to the
previous runs, and shows the change against the last one. Every corpus is
synthetic (measuresearch.synthetic), written to a temporary folder, never to corpus/.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import fts5  # noqa: E402
import procs  # noqa: E402
import stats  # noqa: E402
import workload  # noqa: E402

from measuresearch.engine import IndexHolder  # noqa: E402
from measuresearch.search import search  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results"


def timed(function, items):
    latencies = []
    for item in items:
        started = time.perf_counter()
        function(item)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def summary(latencies):
    return {"p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(stats.percentile(latencies, 95), 2),
            "mean_ms": round(statistics.fmean(latencies), 2), "n": len(latencies)}


def index_with_cli(corpus_dir, index_dir):
    seconds, peak, out = procs.run_measured([sys.executable, "-m", "measuresearch.cli", "index", "--corpus",
                                             str(corpus_dir), "--index", str(index_dir)])
    return {"seconds": round(seconds, 1), "peak_mb": round(peak), "output": out.strip()}


def load(base, urls_file, clients, requests):
    out = subprocess.run([sys.executable, str(HERE / "load.py"), str(urls_file), "--base", base, "--clients",
                          str(clients), "--requests", str(requests)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def bench_size(size, query_count, tmp, http, scale_out):
    row = {"size": size}
    print(f"\n== {size:,} synthetic measures", flush=True)
    generator, measures = workload.generator_and_measures(size)
    corpus_dir, index_dir = tmp / f"corpus{size}", tmp / f"index{size}"
    workload.write_corpus(measures, corpus_dir)
    row["index"] = index_with_cli(corpus_dir, index_dir)
    print(f"index: {row['index']['seconds']} s, peak {row['index']['peak_mb']} MB", flush=True)
    requests = workload.query_mix(measures, generator, query_count)
    holder = IndexHolder(index_dir)
    search(holder, requests[0])  # open the index: start-up is measured apart
    row["inprocess"] = summary(timed(lambda r: search(holder, r), requests))
    row["inprocess_warm"] = summary(timed(lambda r: search(holder, r), requests[:100]))
    holder.close()
    print(f"in-process: {row['inprocess']}", flush=True)
    started = time.perf_counter()
    db = fts5.build(measures)
    row["fts5_build_s"] = round(time.perf_counter() - started, 1)
    row["fts5"] = summary(timed(lambda r: fts5.search(db, r), requests))
    db.close()
    row["ratio_p50"] = round(row["inprocess"]["p50_ms"] / row["fts5"]["p50_ms"], 2)
    row["ratio_p95"] = round(row["inprocess"]["p95_ms"] / row["fts5"]["p95_ms"], 2)
    print(f"fts5: {row['fts5']} ratio p50 {row['ratio_p50']}", flush=True)
    urls_file = tmp / f"urls{size}.txt"
    urls_file.write_text("\n".join(workload.url_of(r) for r in requests), encoding="utf-8")
    process, base, ready = procs.start_serve(index_dir)
    try:
        row["service"] = {"ready_s": round(ready, 2)}
        if http:
            row["http_1"] = load(base, urls_file, 1, min(400, query_count))
            row["http_8"] = load(base, urls_file, 8, 2 * min(400, query_count))
            row["http_overhead_p50_ms"] = round(row["http_1"]["p50_ms"] - row["inprocess"]["p50_ms"], 2)
            print(f"http: 1 client {row['http_1']}, 8 clients {row['http_8']}", flush=True)
        else:
            load(base, urls_file, 2, min(200, query_count))
        row["service"]["rss_mb"] = round(procs.rss_mb(process.pid))
    finally:
        procs.stop(process)
    if scale_out:
        row["nginx"] = scale_out_bench(index_dir, urls_file, tmp, min(400, query_count))
    return row


def scale_out_bench(index_dir, urls_file, tmp, requests):
    """Throughput of 1 and 2 `measuresearch serve` processes behind nginx (loopback only)."""
    import nginx
    if not nginx.available():
        return {"skipped": "nginx not installed (apt-get install nginx)"}
    result = {}
    for count in (1, 2):
        servers = [procs.start_serve(index_dir) for _ in range(count)]
        try:
            with nginx.Proxy([base for _, base, _ in servers], tmp / f"nginx{count}") as front:
                load(front, urls_file, 8, 100)  # warm every upstream
                result[f"processes_{count}"] = load(front, urls_file, 8, 2 * requests)
        finally:
            for process, _, _ in servers:
                procs.stop(process)
        print(f"nginx, {count} process(es): {result[f'processes_{count}']}", flush=True)
    return result


def table(results):
    lines = ["", f"{'':<34}" + "".join(f"{r['size']:>18,}" for r in results["runs"])]

    def line(label, get):
        cells = []
        for run in results["runs"]:
            try:
                value = get(run)
            except (KeyError, TypeError):
                value = "-"
            cells.append(f"{value:>18}")
        lines.append(f"{label:<34}" + "".join(cells))
    line("index build, s", lambda r: r["index"]["seconds"])
    line("index build peak memory (PSS), MB", lambda r: r["index"]["peak_mb"])
    line("in-process p50 / p95, ms", lambda r: f"{r['inprocess']['p50_ms']} / {r['inprocess']['p95_ms']}")
    line("FTS5 same work p50 / p95, ms", lambda r: f"{r['fts5']['p50_ms']} / {r['fts5']['p95_ms']}")
    line("ratio measuresearch/FTS5 p50", lambda r: r["ratio_p50"])
    line("ratio measuresearch/FTS5 p95", lambda r: r["ratio_p95"])
    line("HTTP 1 client rps", lambda r: r["http_1"]["rps"])
    line("HTTP 1 client p50 / p95, ms", lambda r: f"{r['http_1']['p50_ms']} / {r['http_1']['p95_ms']}")
    line("HTTP 8 clients rps", lambda r: r["http_8"]["rps"])
    line("HTTP 8 clients p50 / p95, ms", lambda r: f"{r['http_8']['p50_ms']} / {r['http_8']['p95_ms']}")
    line("HTTP overhead p50, ms", lambda r: r["http_overhead_p50_ms"])
    line("nginx + 1 process rps (8 clients)", lambda r: r["nginx"]["processes_1"]["rps"])
    line("nginx + 2 processes rps (8 clients)", lambda r: r["nginx"]["processes_2"]["rps"])
    line("service ready after start, s", lambda r: r["service"]["ready_s"])
    line("service RSS after queries, MB", lambda r: r["service"]["rss_mb"])
    return "\n".join(lines)


def compare(results, previous):
    if not previous:
        return "(no earlier run to compare with)"
    lines = [f"change against {previous['started']}:"]
    old = {r["size"]: r for r in previous["runs"]}
    for run in results["runs"]:
        before = old.get(run["size"])
        if before:
            lines.append(f"  {run['size']:,}: in-process p50 {before['inprocess']['p50_ms']} -> "
                         f"{run['inprocess']['p50_ms']} ms, index {before['index']['seconds']} -> "
                         f"{run['index']['seconds']} s")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="1,000 measures, 100 queries (a smoke run)")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    queries = 100 if args.quick else args.queries
    results = {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
               "queries": queries, "runs": []}
    with tempfile.TemporaryDirectory(prefix="measuresearch-bench-") as tmp:
        for size in sizes:
            results["runs"].append(bench_size(size, queries, pathlib.Path(tmp), http=size == min(sizes),
                                              scale_out=size == min(sizes)))
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    previous = sorted(RESULTS.glob("bench-*.json"))
    print(compare(results, json.loads(previous[-1].read_text()) if previous and not args.quick else None))
    if not args.quick:
        path = RESULTS / f"bench-{results['started'].replace(':', '')}.json"
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written {path}")


if __name__ == "__main__":
    main()
