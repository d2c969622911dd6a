"""`make stress`: the long checks of the index life cycle and of hostile traffic.

    python stress/run.py [--size 10000] [--kill-trials 20] [--soak-minutes 30]

1. reindex under load: 16 clients query without pause while `measuresearch
   index` rebuilds a 10k synthetic corpus three times;
2. crash safety: the indexer is SIGKILLed at random moments, then checked;
3. the hostile request suite over HTTP: statuses, latency, memory growth;
4. soak: a steady request rate, open file descriptors and memory sampled.
Synthetic corpora live in a temporary folder, never in corpus/.
"""

import argparse
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT)]

import procs  # noqa: E402
import workload  # noqa: E402
from hostile_inputs import requests as hostile_requests  # noqa: E402

from devtools.synthetic import Generator  # noqa: E402

MARKER = "stressmarker"


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def index(corpus, index_dir):
    return subprocess.run([sys.executable, "-m", "measuresearch.cli", "index", "--corpus", str(corpus), "--index",
                           str(index_dir)], capture_output=True, text=True)


def corpora(tmp, size):
    """Two corpora: A (size measures) and B (A plus one marker measure)."""
    generator = Generator(seed=5)
    measures = generator.measures(size + 1)
    marker = measures[-1]
    marker.description += f" {MARKER}"
    from measuresearch.domain.model import measure_id
    marker.id = measure_id(marker.country, marker.pillar, marker.sub_pillar, marker.titles, marker.dates,
                           marker.description)
    a, b = tmp / "corpus-a", tmp / "corpus-b"
    workload.write_corpus(measures[:-1], a)
    workload.write_corpus(measures, b)
    return a, b


def reindex_under_load(tmp, size, corpus_a, corpus_b):
    index_dir = tmp / "index-load"
    index(corpus_a, index_dir)
    server, base, _ = procs.start_serve(index_dir)
    report = {"rebuilds": []}
    try:
        client = subprocess.Popen([sys.executable, str(HERE / "client.py"), base, "--threads", "16", "--seconds",
                                   "600", "--expect-documents", f"{size},{size + 1}"],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        for n, corpus in enumerate((corpus_b, corpus_a, corpus_b)):
            started = time.perf_counter()
            result = index(corpus, index_dir)
            built = time.perf_counter() - started
            new_id = result.stdout.strip().rsplit("build-", 1)[-1]
            swapped = time.perf_counter()
            while get_json(base + "/healthz")["index_id"] != new_id:
                time.sleep(0.05)
                if time.perf_counter() - swapped > 30:
                    break
            report["rebuilds"].append({"build_s": round(built, 1), "exit": result.returncode,
                                       "new_index_answering_after_s": round(time.perf_counter() - swapped, 2)})
            print(f"  rebuild {n + 1}: {report['rebuilds'][-1]}", flush=True)
        time.sleep(2)
        client.terminate()  # the client stops at once and prints its figures
        out, _ = client.communicate(timeout=60)
    finally:
        procs.stop(server)
    report["load"] = json.loads(out) if out.strip() else {"error": "client printed nothing"}
    return report


def run_client_for(base, seconds, expect):
    out = subprocess.run([sys.executable, str(HERE / "client.py"), base, "--threads", "16", "--seconds",
                          str(seconds), "--expect-documents", expect], capture_output=True, text=True)
    return json.loads(out.stdout)


def kill_trials(tmp, trials, size):
    """SIGKILL the indexer at random moments; after each, check the service and the folder."""
    small_a, small_b = tmp / "kill-a", tmp / "kill-b"
    generator = Generator(seed=9)
    measures = generator.measures(size + 1)
    workload.write_corpus(measures[:-1], small_a)
    workload.write_corpus(measures, small_b)
    index_dir = tmp / "index-kill"
    index(small_a, index_dir)
    started = time.perf_counter()
    index(small_b, index_dir)
    full = time.perf_counter() - started
    server, base, _ = procs.start_serve(index_dir)
    rng = random.Random(42)
    results = []
    try:
        for trial in range(trials):
            before = get_json(base + "/healthz")
            corpus = small_a if trial % 2 else small_b
            process = subprocess.Popen([sys.executable, "-m", "measuresearch.cli", "index", "--corpus", str(corpus),
                                        "--index", str(index_dir)], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(rng.uniform(0, full * 1.1))
            killed = process.poll() is None
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the indexer and its writer processes
            except ProcessLookupError:
                pass  # it had finished
            process.wait()
            during = get_json(base + "/healthz")
            current = index_dir / "current"
            complete = all((current / name).exists() for name in ("meta.json", "facets.json", "words.json"))
            leftovers = len([p for p in index_dir.iterdir() if p.name.startswith(".build-")])
            after = index(corpus, index_dir)
            clean = [p.name for p in index_dir.iterdir() if p.name.startswith(".build-")]
            builds = [p.name for p in index_dir.iterdir() if p.name.startswith("build-")]
            results.append({
                "killed_mid_build": killed, "service_ok": during["status"] == "ok",
                "served_documents": during["documents"], "before_documents": before["documents"],
                "current_complete": complete, "leftover_build_folders": leftovers,
                "next_build_ok": after.returncode == 0, "build_folders_after": len(builds),
                "temp_folders_after": len(clean)})
    finally:
        procs.stop(server)
    ok = [r for r in results if r["service_ok"] and r["current_complete"] and r["next_build_ok"]
          and r["temp_folders_after"] == 0 and r["build_folders_after"] <= 2
          and r["served_documents"] in (size, size + 1)]
    return {"trials": trials, "killed_mid_build": sum(r["killed_mid_build"] for r in results),
            "all_checks_passed": len(ok), "full_build_s": round(full, 1),
            "max_leftover_before_next_build": max(r["leftover_build_folders"] for r in results),
            "failures": [r for r in results if r not in ok][:5]}


def hostile_over_http(tmp, corpus):
    index_dir = tmp / "index-hostile"
    index(corpus, index_dir)
    server, base, _ = procs.start_serve(index_dir)
    import http.client
    import urllib.parse
    target = urllib.parse.urlparse(base)
    statuses, slowest, count = {}, 0.0, 0
    try:
        rss_before = None
        for round_ in range(3):  # the first round warms the caches; growth is measured over the next two
            if round_ == 1:
                rss_before = procs.rss_mb(server.pid)
            for path, query in hostile_requests():
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                started = time.perf_counter()
                try:
                    connection.request("GET", path + ("?" + query if query else ""))
                    status = connection.getresponse().status
                except (OSError, http.client.HTTPException) as error:
                    status = f"error {type(error).__name__}"
                finally:
                    connection.close()
                slowest = max(slowest, time.perf_counter() - started)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                count += 1
        rss_after = procs.rss_mb(server.pid)
    finally:
        procs.stop(server)
    server_errors = sum(n for s, n in statuses.items() if not s.isdigit() or int(s) >= 500)
    return {"requests": count, "statuses": statuses, "server_errors": server_errors,
            "slowest_s": round(slowest, 3), "rss_before_mb": round(rss_before), "rss_after_mb": round(rss_after),
            "growth_mb": round(rss_after - rss_before, 1)}


def soak(tmp, corpus, minutes, rate=20):
    index_dir = tmp / "index-soak"
    index(corpus, index_dir)
    server, base, _ = procs.start_serve(index_dir)
    samples = []
    try:
        client = subprocess.Popen([sys.executable, str(HERE / "client.py"), base, "--threads", "4", "--seconds",
                                   str(minutes * 60), "--rate", str(rate)], stdout=subprocess.PIPE, text=True)
        started = time.monotonic()
        while client.poll() is None:
            samples.append({"t_s": round(time.monotonic() - started), "rss_mb": round(procs.rss_mb(server.pid), 1),
                            "open_fds": len(os.listdir(f"/proc/{server.pid}/fd"))})
            time.sleep(min(30, max(1, minutes * 60 / 20)))
        out, _ = client.communicate()
    finally:
        procs.stop(server)
    steady = samples[len(samples) // 4:] or samples
    return {"minutes": minutes, "rate_rps": rate, "load": json.loads(out), "first": samples[0], "last": samples[-1],
            "rss_range_after_warmup_mb": [min(s["rss_mb"] for s in steady), max(s["rss_mb"] for s in steady)],
            "fd_range_after_warmup": [min(s["open_fds"] for s in steady), max(s["open_fds"] for s in steady)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--kill-size", type=int, default=2_000)
    parser.add_argument("--kill-trials", type=int, default=20)
    parser.add_argument("--soak-minutes", type=float, default=30)
    parser.add_argument("--only", choices=("reindex", "kill", "hostile", "soak"))
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory(prefix="measuresearch-stress-") as tmp:
        tmp = pathlib.Path(tmp)
        corpus_a, corpus_b = corpora(tmp, args.size)
        steps = {"reindex": lambda: reindex_under_load(tmp, args.size, corpus_a, corpus_b),
                 "kill": lambda: kill_trials(tmp, args.kill_trials, args.kill_size),
                 "hostile": lambda: hostile_over_http(tmp, corpus_a),
                 "soak": lambda: soak(tmp, corpus_a, args.soak_minutes)}
        for name, step in steps.items():
            if args.only and name != args.only:
                continue
            print(f"== {name}", flush=True)
            report[name] = step()
            print(json.dumps(report[name], indent=2), flush=True)
    failed = (report.get("reindex", {}).get("load", {}).get("failed", 0)
              or report.get("hostile", {}).get("server_errors", 0)
              or (report.get("kill") and report["kill"]["all_checks_passed"] != report["kill"]["trials"]))
    print("\nstress: " + ("FAILED" if failed else "all checks passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
