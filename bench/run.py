"""`make bench`: measuresearch against tantivy and SQLite FTS5 on the same synthetic corpus and queries.

    python bench/run.py [--sizes 10000,100000] [--queries 400] [--quick] [--no-http]

Each engine does the same work per request (top 20 by BM25 with highlighted
titles and a snippet, the exact total, five disjunctive facet counts), in this
process; figures per query kind, and the first (cold) pass after opening an
index beside a second (warm) one.

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
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path[:0] = [str(pathlib.Path(__file__).resolve().parent), str(pathlib.Path(__file__).resolve().parent.parent)]

import fts5  # noqa: E402
import procs  # noqa: E402
import stats  # noqa: E402
import tantivy_side  # noqa: E402
import workload  # noqa: E402

from measuresearch.index.build import indexer  # noqa: E402
from measuresearch.index.engine import IndexHolder  # noqa: E402
from measuresearch.search.service import search  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results"
INDEX_RUNS = 3  # CLI builds timed at each size: their median is reported (a rebuild), the first (from the YAML) apart


def timed(function, items, cpu=None):
    """Return the wall-clock ms of function(item) for each item; the CPU ms of this process into `cpu` if given.

    The CPU time is the figure to compare on a shared, loaded machine: waiting
    for a core does not count in it.
    """
    latencies = []
    for item in items:
        started, started_cpu = time.perf_counter(), time.process_time()
        function(item)
        latencies.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
    return latencies


def summary(latencies):
    return {"p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(stats.percentile(latencies, 95), 2),
            "mean_ms": round(statistics.fmean(latencies), 2), "n": len(latencies)}


def index_with_cli(corpus_dir, index_dir, runs=1):
    """Index with the CLI: wall and CPU seconds of the build's processes (the machine is shared), peak memory.

    The times are the median of `runs` builds into fresh folders, with nothing watching them. The first reads the
    YAML (the corpus was just written), the next ones the copies it kept (corpus/read_cache.py), as an operator's
    rebuild does: `first_seconds` is the first alone. The peak memory
    is taken by one more build under the sampler (procs.PeakMemory), whose reads of /proc/PID/smaps_rollup
    every 50 ms take a share of a core and hold the build's memory maps: it made a 10k build 20% slower.
    """
    timed = []
    for _ in range(runs):
        shutil.rmtree(index_dir, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "measuresearch.cli", "index", "--corpus", str(corpus_dir),
                              "--index", str(index_dir)], capture_output=True, text=True, check=True).stdout
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        timed.append((seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), out))
    seconds, cpu, out = sorted(timed)[len(timed) // 2]
    shutil.rmtree(index_dir, ignore_errors=True)
    _, peak, _ = procs.run_measured([sys.executable, "-m", "measuresearch.cli", "index", "--corpus",
                                     str(corpus_dir), "--index", str(index_dir)])
    return {"seconds": round(seconds, 2), "first_seconds": round(timed[0][0], 2), "cpu_seconds": round(cpu, 1),
            "peak_mb": round(peak), "runs_s": [round(t, 2) for t, _, _ in timed],
            "cpu_runs_s": [round(c, 2) for _, c, _ in timed], "output": out.strip()}


def load(base, urls_file, clients, requests):
    out = subprocess.run([sys.executable, str(HERE / "load.py"), str(urls_file), "--base", base, "--clients",
                          str(clients), "--requests", str(requests)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def passes(answer, labelled, open_index):
    """Open an index and answer the mix twice: cold (caches empty, after the first query) and warm.

    Return {"open_ms": opening plus the first query, "cold": ..., "warm": ..., per kind}.
    The corpus files were just written, so the operating system's page cache is warm either way.
    """
    requests = [request for _, request in labelled]
    started = time.perf_counter()
    handle = open_index()
    answer(handle, requests[0])
    figures = {"open_ms": round((time.perf_counter() - started) * 1000, 1)}
    for name in ("cold", "warm"):
        cpu = []
        latencies = timed(lambda r: answer(handle, r), requests, cpu)
        figures[name] = summary(latencies)
        figures[f"{name}_by_kind"] = by_kind(labelled, latencies)
        figures[f"{name}_by_kind_p95"] = by_kind(labelled, latencies, percentile=95)
        figures[f"{name}_cpu"] = summary(cpu)
        figures[f"{name}_cpu_by_kind"] = by_kind(labelled, cpu)
        figures[f"{name}_cpu_by_kind_p95"] = by_kind(labelled, cpu, percentile=95)
    return handle, figures


def by_kind(labelled, latencies, percentile=50):
    """Return {query kind: p50 ms (or another percentile)} of one pass."""
    kinds = {}
    for (kind, _), latency in zip(labelled, latencies):
        kinds.setdefault(kind, []).append(latency)
    pick = statistics.median if percentile == 50 else (lambda values: stats.percentile(values, percentile))
    return {kind: round(pick(values), 2) for kind, values in sorted(kinds.items())}


def bench_size(size, query_count, tmp, http, scale_out):
    row = {"size": size}
    print(f"\n== {size:,} synthetic measures", flush=True)
    generator, measures = workload.generator_and_measures(size)
    corpus_dir, index_dir = tmp / f"corpus{size}", tmp / f"index{size}"
    workload.write_corpus(measures, corpus_dir)
    row["index"] = index_with_cli(corpus_dir, index_dir, runs=INDEX_RUNS)
    print(f"index (CLI, from the corpus files): {row['index']['seconds']} s (runs {row['index']['runs_s']}, CPU "
          f"{row['index']['cpu_runs_s']}, the first "
          "from the YAML, the next from the copies it kept), "
          f"peak {row['index']['peak_mb']} MB", flush=True)
    started = time.perf_counter()
    indexer.build(None, tmp / f"memory{size}", measures=measures)
    row["index_from_memory_s"] = round(time.perf_counter() - started, 1)
    shutil.rmtree(tmp / f"memory{size}")
    labelled = workload.labelled_query_mix(measures, generator, query_count)
    requests = [request for _, request in labelled]
    # held as `serve` holds it (freeze=True, engine._freeze_what_is_held); here its pick-up freezes the bench's
    # own objects too (the generated measures, which a server never holds) before either engine's passes
    holder, row["measuresearch"] = passes(search, labelled, lambda: IndexHolder(index_dir, freeze=True))
    holder.close()
    row["inprocess"] = row["measuresearch"]["cold"]  # the figure earlier runs reported
    print(f"in-process: {row['measuresearch']}", flush=True)
    started = time.perf_counter()
    tantivy_side.build(measures, _fresh(tmp / f"tantivy{size}"))
    row["tantivy_build_s"] = round(time.perf_counter() - started, 2)
    # the machine's speed varies from run to run (tantivy's own build here: 0.9 to 1.6 s at 10k): a build's
    # figure to compare across runs is its ratio to tantivy's in the same run
    row["ratio_tantivy_build"] = round(row["index"]["seconds"] / row["tantivy_build_s"], 2)
    row["ratio_tantivy_build_from_memory"] = round(row["index_from_memory_s"] / row["tantivy_build_s"], 2)
    searcher, row["tantivy"] = passes(lambda s, r: s.search(r), labelled,
                                      lambda: tantivy_side.Searcher(tantivy_side.open_index(tmp / f"tantivy{size}")))
    del searcher
    print(f"tantivy: built in {row['tantivy_build_s']} s, {row['tantivy']}", flush=True)
    started = time.perf_counter()
    db = fts5.build(measures)
    row["fts5_build_s"] = round(time.perf_counter() - started, 1)
    latencies = timed(lambda r: fts5.search(db, r), requests)
    row["fts5"], row["fts5_by_kind"] = summary(latencies), by_kind(labelled, latencies)
    db.close()
    for name in ("cold", "warm", "cold_cpu", "warm_cpu"):
        for figure in ("p50", "p95"):
            row[f"ratio_tantivy_{figure}_{name}"] = round(row["measuresearch"][name][f"{figure}_ms"]
                                                          / row["tantivy"][name][f"{figure}_ms"], 2)
    row["ratio_p50"] = round(row["inprocess"]["p50_ms"] / row["fts5"]["p50_ms"], 2)
    row["ratio_p95"] = round(row["inprocess"]["p95_ms"] / row["fts5"]["p95_ms"], 2)
    print(f"fts5: {row['fts5']} ratio p50 {row['ratio_p50']}", flush=True)
    if http or scale_out:
        _bench_http(row, index_dir, requests, tmp, http, scale_out)
    return row


def _fresh(folder):
    folder.mkdir()
    return folder


def _bench_http(row, index_dir, requests, tmp, http, scale_out):
    size, query_count = row["size"], len(requests)
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
    lines = ["", f"{'':<46}" + "".join(f" {r['size']:>23,}" for r in results["runs"])]

    def line(label, get):
        cells = []
        for run in results["runs"]:
            try:
                value = get(run)
            except (KeyError, TypeError):
                value = "-"
            cells.append(f" {value:>23}")  # a space apart, however wide the value
        if any(cell.strip() != "-" for cell in cells):  # rows of parts not run (--no-http) are left out
            lines.append(f"{label:<46}" + "".join(cells))
    line("index build (CLI, corpus files), s", lambda r: r["index"]["seconds"])
    line("index build, first (no kept copies), s", lambda r: r["index"]["first_seconds"])
    line("index build CPU (all its processes), s", lambda r: r["index"]["cpu_seconds"])
    line("index build peak memory (PSS), MB", lambda r: r["index"]["peak_mb"])
    line("index build (measures in memory), s", lambda r: r["index_from_memory_s"])
    line("tantivy build (measures in memory), s", lambda r: r["tantivy_build_s"])
    line("FTS5 build (measures in memory), s", lambda r: r["fts5_build_s"])
    line("build ratio to tantivy (CLI / in memory)",
         lambda r: f"{r['ratio_tantivy_build']} / {r['ratio_tantivy_build_from_memory']}")
    line("open + first query, ms", lambda r: r["measuresearch"]["open_ms"])
    line("tantivy open + first query, ms", lambda r: r["tantivy"]["open_ms"])
    line("cold pass p50 / p95, ms", lambda r: f"{r['inprocess']['p50_ms']} / {r['inprocess']['p95_ms']}")
    line("warm pass p50 / p95, ms", lambda r: _pair(r["measuresearch"]["warm"]))
    line("tantivy cold p50 / p95, ms", lambda r: _pair(r["tantivy"]["cold"]))
    line("tantivy warm p50 / p95, ms", lambda r: _pair(r["tantivy"]["warm"]))
    line("FTS5 same work p50 / p95, ms", lambda r: _pair(r["fts5"]))
    line("ratio to tantivy p50, cold", lambda r: r["ratio_tantivy_p50_cold"])
    line("ratio to tantivy p50, warm", lambda r: r["ratio_tantivy_p50_warm"])
    line("ratio to tantivy p95, cold", lambda r: r["ratio_tantivy_p95_cold"])
    line("ratio to tantivy p95, warm", lambda r: r["ratio_tantivy_p95_warm"])
    for name in ("cold", "warm"):
        line(f"CPU {name} p50 / p95, ms", lambda r, n=name: _pair(r["measuresearch"][f"{n}_cpu"]))
        line(f"tantivy CPU {name} p50 / p95, ms", lambda r, n=name: _pair(r["tantivy"][f"{n}_cpu"]))
        line(f"CPU ratio to tantivy p50 / p95, {name}", lambda r, n=name: (
            f"{r[f'ratio_tantivy_p50_{n}_cpu']} / {r[f'ratio_tantivy_p95_{n}_cpu']}"))
    line("ratio to FTS5 p50", lambda r: r["ratio_p50"])
    line("ratio to FTS5 p95", lambda r: r["ratio_p95"])
    kinds = sorted({k for r in results["runs"] for k in r.get("fts5_by_kind", {})})
    for kind in kinds:
        line(f"p50 {kind} (cold: ms/tantivy/FTS5)", lambda r, k=kind: "/".join(
            str(v) for v in (r["measuresearch"]["cold_by_kind"][k], r["tantivy"]["cold_by_kind"][k],
                             r["fts5_by_kind"][k])))
        line(f"p95 {kind} (cold: ms/tantivy)", lambda r, k=kind: "/".join(
            str(v) for v in (r["measuresearch"]["cold_by_kind_p95"][k], r["tantivy"]["cold_by_kind_p95"][k])))
        line(f"ratio {kind[:15]} p50/p95 (cold/tantivy)", lambda r, k=kind: "{:.2f} / {:.2f}".format(
            *(r["measuresearch"][f"cold_by_kind{p}"][k] / r["tantivy"][f"cold_by_kind{p}"][k] for p in ("", "_p95"))))
        line(f"ratio {kind[:15]} p50/p95 (warm/tantivy)", lambda r, k=kind: "{:.2f} / {:.2f}".format(
            *(r["measuresearch"][f"warm_by_kind{p}"][k] / r["tantivy"][f"warm_by_kind{p}"][k] for p in ("", "_p95"))))
        line(f"CPU {kind[:15]} p50/p95 (ms/tantivy)", lambda r, k=kind: "{}/{} / {}/{}".format(
            r["measuresearch"]["cold_cpu_by_kind"][k], r["tantivy"]["cold_cpu_by_kind"][k],
            r["measuresearch"]["cold_cpu_by_kind_p95"][k], r["tantivy"]["cold_cpu_by_kind_p95"][k]))
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


def _pair(figures):
    return f"{figures['p50_ms']} / {figures['p95_ms']}"


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
    parser.add_argument("--no-http", action="store_true", help="in-process figures only (no HTTP, no nginx)")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    queries = 100 if args.quick else args.queries
    results = {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "load_average": os.getloadavg()},
               "queries": queries, "runs": []}
    with tempfile.TemporaryDirectory(prefix="measuresearch-bench-") as tmp:
        for size in sizes:
            over_http = size == min(sizes) and not args.no_http
            results["runs"].append(bench_size(size, queries, pathlib.Path(tmp), http=over_http, scale_out=over_http))
    results["machine"]["load_average_end"] = os.getloadavg()
    print(table(results))
    print(f"load average (1, 5, 15 min) at the start {results['machine']['load_average']}, "
          f"at the end {results['machine']['load_average_end']} on {results['machine']['cpus']} cores")
    RESULTS.mkdir(exist_ok=True)
    previous = sorted(RESULTS.glob("bench-*.json"))
    print(compare(results, json.loads(previous[-1].read_text()) if previous and not args.quick else None))
    if not args.quick:
        path = RESULTS / f"bench-{results['started'].replace(':', '')}.json"
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written {path}")


if __name__ == "__main__":
    main()
