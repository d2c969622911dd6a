"""Issue 21: a large import reads its pages in forked processes; what it writes, reports and refuses is what
the same import does in one process."""

import csv
import datetime
import multiprocessing
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from measuresearch import processes, storage
from measuresearch.corpus import importer
from measuresearch.corpus.sources import dti_page
from measuresearch.errors import InputProblems, MeasureSearchError
from devtools import synthetic

from conftest import SEED

from .test_dti_layouts import Page, layout_entry


def _tree(folder):
    """Every file under folder (the import cache's too) by its path inside it, with its bytes."""
    folder = pathlib.Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Synthetic pages of 12 economies, with the real Kazakhstan page, pages of every DTI layout and a CSV sheet
    of 1,200 rows among them (its progress comes between the pages'); then the same synthetic pages with every
    fifth description changed and more measures."""
    root = tmp_path_factory.mktemp("sources")
    measures = synthetic.Generator(seed=21, tail=2000, countries=12).measures(1200)
    pages = synthetic.write_pages(measures, root / "pages")
    sheet = root / "rows.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as handle:
        rows = [[m.country, m.pillar, m.sub_pillar, "\n".join(m.titles), "\n".join(m.dates), m.description,
                 m.coverage or ""] for m in synthetic.Generator(seed=22, tail=500, countries=12).measures(1200)]
        csv.writer(handle).writerows([["Country", "Pillar", "Sub-pillar", "Title", "Date", "Description",
                                       "Coverage"], *rows])
    # entries of every layout of the DTI pages (test_dti_layouts.py's made-up entries), among the others
    layouts = root / "layouts"
    layouts.mkdir()
    Page([layout_entry(layout, n) for n, layout in enumerate(["A", "B", "D", "F", "G", "H", "I", "N/A", "H-N/A"])]
         ).write(layouts / "mixed.txt")
    Page([layout_entry("C", 10), layout_entry("C", 11, titles=2)], blank_lines=False).write(layouts / "c.txt")
    first = [*pages[:5], str(sheet), str(SEED), str(layouts / "mixed.txt"), *pages[5:8], str(layouts / "c.txt"),
             *pages[8:]]
    changed = list(measures)
    for i in range(0, len(changed), 5):
        changed[i] = synthetic.Measure(**{**changed[i].__dict__, "description": changed[i].description + " Amended."})
    more = synthetic.Generator(seed=23, tail=2000, countries=12).measures(150)
    second = synthetic.write_pages(changed + more, root / "pages-changed")
    return first, second


def _import(monkeypatch, count, paths, out, **options):
    """Import with `count` processes per import whatever the machine's cores (pages of any size)."""
    with monkeypatch.context() as patch:
        patch.setattr(importer, "_processes", lambda large: count)
        return importer.import_files(paths, out, today=datetime.date(2026, 12, 3), **options)


def _forks(monkeypatch):
    """Return the process counts that processes.forked is called with from now on."""
    counts, real = [], processes.forked

    def forked(function, count, died):
        counts.append(count)
        return real(function, count, died)

    monkeypatch.setattr(processes, "forked", forked)
    return counts


def test_processes_write_and_report_what_one_process_does(tmp_path, monkeypatch, sources):
    first, second = sources
    reads = []
    for count in (1, 2):
        out = tmp_path / f"out-{count}"
        progress = []
        report = _import(monkeypatch, count, first, out, progress=progress.append)
        again = _import(monkeypatch, count, second, out, prune=True)
        reads.append((report.lines(details=True), progress, again.lines(details=True), _tree(out)))
    one, two = reads
    assert any("out-1" in line for line in one[0])  # the summary lines name their own folders
    assert [line.replace("out-1", "out-2") for line in one[0]] == two[0]
    assert one[1] == two[1] == [1] * 5 + [1000] + [1] * (len(first) - 6)  # one a page, the sheet by 1,000 rows
    assert [line.replace("out-1", "out-2") for line in one[2]] == two[2]
    assert any(" changed" in line and not line.startswith("0 ") for line in two[2])
    assert one[3] == two[3]
    assert len([name for name in two[3] if name.endswith(".yaml")]) == 13
    assert len([name for name in two[3] if name.startswith(".import-cache/")]) == 13


def test_problems_come_in_the_order_of_the_pages_and_nothing_is_written(tmp_path, monkeypatch, sources):
    first, _ = sources
    bad = tmp_path / "bad.txt"
    bad.write_text(SEED.read_text(encoding="utf-8").replace("KAZAKHSTAN", "KAZAKSTAN", 1), encoding="utf-8")
    paths = [first[0], str(bad), first[1], str(tmp_path / "missing.txt"), *first[2:]]
    found = []
    for count in (1, 2):
        with pytest.raises(InputProblems) as caught:
            _import(monkeypatch, count, paths, tmp_path / f"out-{count}")
        found.append([str(problem) for problem in caught.value.problems])
        assert not (tmp_path / f"out-{count}").exists() or not list((tmp_path / f"out-{count}").glob("*.yaml"))
    assert found[0] == found[1]
    assert [p.split(":")[0] for p in found[0]][:2] == [str(bad), str(tmp_path / "missing.txt")]


def test_pages_are_read_in_processes_from_their_size_on_and_never_more_than_them(tmp_path, monkeypatch, sources):
    first, _ = sources
    size = sum(os.path.getsize(path) for path in first if path.endswith(".txt"))
    counts = _forks(monkeypatch)
    monkeypatch.setattr(processes, "count", lambda process_bytes: 8)  # an 8-core machine
    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", size + 1)
    importer.import_files(first, tmp_path / "below", dry_run=True)
    assert counts == []
    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", size)
    importer.import_files(first, tmp_path / "at", dry_run=True)
    assert counts == [8]
    pages = [path for path in first if path.endswith(".txt")][:2]
    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", 0)
    report = importer.import_files(iter(pages), tmp_path / "two", dry_run=True)  # an iterator is read once
    assert counts == [8, 2]
    assert len(report.files) == 2 and len(report.read) == 2


def test_a_dead_page_reader_fails_the_import_and_leaves_no_process(tmp_path, monkeypatch, sources):
    first, _ = sources
    out = tmp_path / "out"
    parent = os.getpid()
    real = dti_page.parse_entries

    def dies_in_a_worker(*args, **kwargs):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    monkeypatch.setattr(dti_page, "parse_entries", dies_in_a_worker)
    with pytest.raises(MeasureSearchError, match="a worker process of the import died"):
        _import(monkeypatch, 2, first, out)
    assert multiprocessing.active_children() == []
    assert not out.exists() or not list(out.glob("*.yaml"))
    monkeypatch.undo()
    _import(monkeypatch, 2, first, out)  # the next import does the whole job
    assert len(list(out.glob("*.yaml"))) == 13


def test_a_writer_dying_midway_changes_no_file_and_leaves_nothing_behind(tmp_path, monkeypatch, sources):
    """The workers dump and write the corpus files for the commit: one killed once it has written a file, while
    the other has written others (and their JSON copies), leaves every corpus file as it was, no temporary file
    and no process; the next import writes what one process writes."""
    first, second = sources
    out, alone = tmp_path / "out", tmp_path / "alone"
    _import(monkeypatch, 2, first, out)
    _import(monkeypatch, 1, first, alone)
    before = _tree(out)
    parent, real = os.getpid(), storage.write_into
    seventh = sorted(name for name in before if name.endswith(".yaml"))[6]

    def dies_in_a_worker(path, *args, **kwargs):
        real(path, *args, **kwargs)
        if os.getpid() != parent and pathlib.Path(path).name.startswith(f".{seventh}."):
            os.kill(os.getpid(), signal.SIGKILL)  # its temporary file written, its answer never sent

    monkeypatch.setattr(storage, "write_into", dies_in_a_worker)
    with pytest.raises(MeasureSearchError, match="a worker process of the import died"):
        _import(monkeypatch, 2, second, out, prune=True)
    assert multiprocessing.active_children() == []
    after = _tree(out)
    copies = [name for name in before if name.startswith(".import-cache/")]
    assert any(after[name] != before[name] for name in copies)  # the other worker had written some

    def corpus(tree):
        return {k: v for k, v in tree.items() if not k.startswith(".import-cache/")}
    assert corpus(after) == corpus(before)
    monkeypatch.undo()
    # the other worker, stopped by the pool while it wrote a JSON copy, may leave its temporary file (seen
    # once): the next import takes it away
    (out / ".import-cache" / ".antarctica.yaml.json.1tiofvo0.tmp").write_bytes(b"")
    _import(monkeypatch, 2, second, out, prune=True)
    _import(monkeypatch, 1, second, alone, prune=True)
    assert _tree(out) == _tree(alone)


_INTERRUPTED = """
import os, sys, time
from measuresearch.corpus import importer
from measuresearch.corpus.sources import dti_page
from measuresearch.cli.main import main
importer.PARALLEL_FROM_BYTES = 0
parent, real = os.getpid(), dti_page.parse_entries
def slow(*args, **kwargs):
    if os.getpid() != parent:
        open(os.path.join(sys.argv[1], f"reading-{os.getpid()}"), "w").close()
        time.sleep(30)
    return real(*args, **kwargs)
dti_page.parse_entries = slow
sys.exit(main(["import", *sys.argv[3:], "--out", sys.argv[2]]))
"""


def test_ctrl_c_stops_the_readers_quietly(tmp_path, sources):
    first, _ = sources
    process = subprocess.Popen([sys.executable, "-c", _INTERRUPTED, str(tmp_path), str(tmp_path / "out"), *first],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while len(list(tmp_path.glob("reading-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(list(tmp_path.glob("reading-*"))) >= 2, "the page readers did not start"
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole process group
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130
    assert err == ""  # no traceback, from the command or from a reader
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):  # no reader is left in the group
        os.killpg(process.pid, 0)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.yaml"))
