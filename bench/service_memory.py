"""`make bench`: memory and HTTP latency of a real `measuresearch serve` (waitress) at DTI scale.

    python bench/service_memory.py [--measures 100000] [--searches 400] [--index DIR] [--quick]

Builds an index of synthetic measures with the CLI (workload.py's corpus, the one bench/run.py
uses, in a temporary folder, never corpus/), unless --index names one, and starts `measuresearch
serve` on it. Records the server's memory (RSS, its anonymous part: Python objects; its file part:
the index's mapped files; PSS) idle once /healthz answers, after `--searches` requests of the
bench query mix over HTTP from 1 client, and after as many again from 8 clients; and the latency
of both passes. Writes bench/results/service-*.json.
"""

import argparse
import datetime
import os
import pathlib
import sys
import tempfile
import time

sys.path[:0] = [str(pathlib.Path(__file__).resolve().parent), str(pathlib.Path(__file__).resolve().parent.parent)]

import procs  # noqa: E402
import run  # noqa: E402
import workload  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent


def measure(index_dir, labelled, searches, tmp):
    """Serve index_dir; return memory idle, after 1 client's searches and after 8 clients', and the latencies."""
    urls = tmp / "urls.txt"
    urls.write_text("\n".join(workload.url_of(request) for _, request in labelled), encoding="utf-8")
    process, base, ready = procs.start_serve(index_dir)
    try:
        time.sleep(1.0)  # let start-up settle
        result = {"ready_s": round(ready, 2), "idle": procs.memory_mb(process.pid)}
        result["http_1"] = run.load(base, urls, 1, searches)
        result["after_1_client"] = procs.memory_mb(process.pid)
        result["http_8"] = run.load(base, urls, 8, searches)
        result["after_8_clients"] = procs.memory_mb(process.pid)
    finally:
        procs.stop(process)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=400)
    parser.add_argument("--index", type=pathlib.Path, help="an index built from workload.py's corpus of --measures")
    parser.add_argument("--quick", action="store_true", help="10,000 measures, 100 searches")
    args = parser.parse_args(argv)
    if args.quick:
        args.measures, args.searches = 10_000, 100
    results = {"when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
               "load_before": os.getloadavg(), "measures": args.measures, "searches": args.searches,
               "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX")}  # glibc's arenas: one per thread by default
    generator, measures = workload.generator_and_measures(args.measures)
    labelled = workload.labelled_query_mix(measures, generator, args.searches)
    with tempfile.TemporaryDirectory(prefix="service-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        index_dir = args.index
        if index_dir is None:
            workload.write_corpus(measures, tmp / "corpus")
            index_dir = tmp / "index"
            results["index"] = run.index_with_cli(tmp / "corpus", index_dir)
        results.update(measure(index_dir, labelled, args.searches, tmp))
    results["load_after"] = os.getloadavg()
    for stage in ("idle", "after_1_client", "after_8_clients"):
        print(f"{stage:<16} " + ", ".join(f"{key} {value}" for key, value in results[stage].items()))
    for name in ("http_1", "http_8"):
        figures = results[name]
        print(f"{name:<16} p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, {figures['rps']} rps, "
              f"{figures['errors']} errors")
    print(f"load average before {results['load_before']}, after {results['load_after']}")
    procs.write_results("service", results)


if __name__ == "__main__":
    main()
