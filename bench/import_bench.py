"""`make bench-import`: time and peak memory of `measuresearch import` at DTI scale.

    python bench/import_bench.py [--measures 100000] [--rows 20000] [--quick]

Generates synthetic measures (devtools/synthetic.py, from corpus/taxonomy.yaml)
at run time, in a temporary folder, never in corpus/: one DTI page per economy
(146 pages), a CSV and an .xlsx sheet. Each case runs the real CLI in a fresh
process: a first import into an empty folder (everything added), the same again
(everything unchanged), and the pages with one description in 50 changed; each is
timed alone, then run again from the same folder for its peak memory. Prints
a table of wall and CPU seconds and peak memory (the machine may be shared: the
load average before and after is kept too) and writes it under
bench/results/import-*.json.
"""

import argparse
import csv
import datetime
import pathlib
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path[:0] = [str(pathlib.Path(__file__).resolve().parent), str(pathlib.Path(__file__).resolve().parent.parent)]

import procs  # noqa: E402

from devtools import synthetic  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
HEADER = ["Country", "Pillar", "Sub-pillar", "Title", "Date", "Description", "Coverage"]


def rows(measures):
    return [[m.country, m.pillar, m.sub_pillar, "\n".join(m.titles), "\n".join(m.dates), m.description,
             m.coverage or ""] for m in measures]


def write_csv(measures, path):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows(measures)])
    return str(path)


def write_xlsx(measures, path):
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("DTI")
    sheet.append(HEADER)
    for row in rows(measures):
        sheet.append(row)
    book.save(path)
    return str(path)


def run_import(files, out):
    """Run the CLI; return wall and CPU seconds (the machine is shared), peak memory and the totals.

    The times are those of a run with nothing watching it; the peak memory is taken by a second run from
    the same starting folder under the sampler (procs.PeakMemory), whose reads of /proc/PID/smaps_rollup
    every 50 ms take a share of a core and stall the processes they read: 0.2-0.7 s of a 100k import.
    """
    argv = [sys.executable, "-m", "measuresearch.cli", "import", *files, "--out", str(out), "--wait", "0"]
    before_run = out.with_name(out.name + ".before")
    shutil.rmtree(before_run, ignore_errors=True)
    if out.exists():
        shutil.copytree(out, before_run, symlinks=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    shutil.rmtree(out)
    if before_run.exists():
        before_run.rename(out)
    _, peak, output = procs.run_measured(argv)
    totals = [0, 0, 0, 0]
    for line in output.splitlines():
        if " added, " in line:  # a corpus file's summary line (the "read N entries" lines are not)
            numbers = [int(word) for word in line.replace(",", "").split() if word.isdigit()]
            totals = [a + b for a, b in zip(totals, numbers[:4])]
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_mb": round(peak),
            "added": totals[0], "changed": totals[1], "unchanged": totals[2], "missing": totals[3]}


def changed_copy(measures, every=50):
    out = list(measures)
    for i in range(0, len(out), every):
        out[i] = synthetic.Measure(**{**out[i].__dict__, "description": out[i].description + " Amended."})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="10,000 measures and 2,000 rows")
    args = parser.parse_args(argv)
    if args.quick:
        args.measures, args.rows = 10_000, 2_000
    results = {"when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
               "machine": platform.platform(), "load_before": os.getloadavg(), "measures": args.measures, "rows": args.rows, "cases": {}}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        root = pathlib.Path(tmp)
        measures = synthetic.Generator(seed=21).measures(args.measures)
        pages = synthetic.write_pages(measures, root / "pages")
        edited = synthetic.write_pages(changed_copy(measures), root / "pages-edited")
        sheet_rows = synthetic.Generator(seed=22).measures(args.rows)
        cases = [
            (f"{len(pages)} pages, {args.measures:,} measures: first import", pages, "pages", True),
            ("the same pages again", pages, "pages", False),
            ("the pages with 1 in 50 descriptions changed", edited, "pages", False),
            (f"CSV of {args.rows:,} rows: first import", [write_csv(sheet_rows, root / "dti.csv")], "csv", True),
            (f"XLSX of {args.rows:,} rows: first import", [write_xlsx(sheet_rows, root / "dti.xlsx")], "xlsx", True),
            ("the same XLSX again", [str(root / "dti.xlsx")], "xlsx", False),
        ]
        for label, files, out_name, fresh in cases:
            out = root / f"out-{out_name}"
            if fresh and out.exists():
                shutil.rmtree(out)
            result = run_import(files, out)
            results["cases"][label] = result
            print(f"{label:<55} {result['seconds']:>7.2f} s {result['cpu_seconds']:>7.2f} s CPU "
                  f"{result['peak_mb']:>6} MB   "
                  f"{result['added']} added, {result['changed']} changed, {result['unchanged']} unchanged",
                  flush=True)
    results["load_after"] = os.getloadavg()
    procs.write_results("import", results)


if __name__ == "__main__":
    main()
