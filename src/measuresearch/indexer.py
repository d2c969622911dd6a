"""Build a fresh index folder, then swap it in atomically.

Layout of the index root:

    index/current          symlink to the live build (replaced atomically)
    index/build-<id>/      a complete build: Whoosh files, meta.json, facets.json, words.json
    index/.build-<id>/     a build in progress; left over only by a crash
    index/.lock            flock()ed while a build runs; the kernel drops it if we die

Readers resolve `current` once when they open, so they see one whole build.
The previous build is kept so that searchers still open on it keep working
until they refresh; older ones are removed.
"""

import ctypes
import dataclasses
import datetime
import fcntl
import json
import multiprocessing
import os
import pathlib
import shutil
import signal
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from whoosh import index as whoosh_index

from . import corpus
from .errors import EmptyCorpus, MeasureSearchError
from .schema import FACETS, build_schema, document, section_texts
from .segments import ArraySegmentWriter, commit_segments
from .vocabulary import WordCounts, document_words

CURRENT = "current"
META = "meta.json"
FACETS_FILE = "facets.json"
WORDS_FILE = "words.json"
PARALLEL_FROM = 5_000
PR_SET_PDEATHSIG = 1  # prctl(2)
# Bumped whenever the schema or the side files change; a service refuses older builds.
FORMAT_VERSION = 3


class BuildLocked(MeasureSearchError):
    """Raised when another build holds the index lock."""

    status = 409
    code = "build_running"


@dataclasses.dataclass
class BuildReport:
    """What one build did."""

    index_id: str
    documents: int
    seconds: float
    path: str

    def line(self):
        """Return the one-line summary printed by `measuresearch index`."""
        return f"indexed {self.documents} measures in {self.seconds:.2f} s -> {self.path}"


class _Lock:
    def __init__(self, root):
        self.path = pathlib.Path(root) / ".lock"
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise BuildLocked(f"another build of {self.path.parent} is running") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


class FacetColumns:
    """Per-facet value lists and per-document value numbers, filled as documents are added."""

    def __init__(self):
        self.values = {name: [] for name in FACETS if name != "year"}
        self.numbers = {name: {} for name in self.values}
        self.columns = {name: [] for name in self.values}
        self.years, self.ids = [], []

    def add(self, measure):
        for name, column in self.columns.items():
            value = getattr(measure, name)
            if value is None:
                column.append(-1)
                continue
            if value not in self.numbers[name]:
                self.numbers[name][value] = len(self.values[name])
                self.values[name].append(value)
            column.append(self.numbers[name][value])
        self.years.append(measure.year if measure.year is not None else -1)
        self.ids.append(measure.id)

    def in_order(self, order):
        """Return the columns as plain data, documents in the given (docnum) order."""
        return {"values": self.values,
                "columns": {name: [column[i] for i in order] for name, column in self.columns.items()},
                "year": [self.years[i] for i in order], "ids": [self.ids[i] for i in order]}


def build(corpus_dir, index_root, measures=None, progress=None):
    """Validate the corpus, build a new index and make it current; return a BuildReport.

    On a corpus error InputProblems is raised before anything is touched,
    and so is EmptyCorpus when there is nothing to index.
    """
    started = time.perf_counter()
    if measures is None:
        measures = corpus.load(corpus_dir)
    if not measures:
        raise EmptyCorpus(f"{corpus_dir or 'the corpus'} holds no measures; the index was not changed")
    root = pathlib.Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    with _Lock(root):
        _remove_stale(root)
        index_id = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        work = root / f".build-{index_id}"
        work.mkdir()
        whoosh_index.create_in(str(work), build_schema()).close()
        words = _write_documents(str(work), measures, progress)
        if progress:
            progress(len(measures), len(measures))
        columns = FacetColumns()
        for measure in measures:
            columns.add(measure)
        order = _docnum_order(str(work), len(measures))
        built_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        _write_json(work / FACETS_FILE, columns.in_order(order))
        _write_json(work / WORDS_FILE, words.data())
        _write_json(work / META, {"index_id": index_id, "built_at": built_at, "documents": len(measures),
                                  "format": FORMAT_VERSION})
        _fsync_dir(work)
        final = root / f"build-{index_id}"
        os.rename(work, final)
        _swap(root, final.name)
        _remove_old(root, current=final.name)
    return BuildReport(index_id, len(measures), time.perf_counter() - started, str(final))


def _write_documents(folder, measures, progress):
    """Write the measures into an index's segments; return their word counts.

    A large corpus is cut into one run of consecutive measures per core, each
    written by a forked process into its own segment (the measures reach it
    through the fork, not a pickle). The segments, in run order, keep the
    documents in corpus order; searching two segments costs little.
    """
    processes = min(2, os.cpu_count() or 1) if len(measures) >= PARALLEL_FROM else 1
    cuts = [len(measures) * i // processes for i in range(processes + 1)]
    runs = list(zip(cuts, cuts[1:]))
    if processes == 1:
        count = (lambda done: progress(done, len(measures))) if progress else None
        results = [_write_run(folder, measures, 0, len(measures), count)]
    else:
        results = _write_in_processes(folder, measures, runs, progress)
    ix = whoosh_index.open_dir(folder)
    commit_segments(ix, [segment for segment, _ in results])
    ix.close()
    words = WordCounts()
    for _, counter in results:
        words.counter.update(counter)
    return words


def _write_run(folder, measures, start, end, progress=None):
    """Write measures start:end as one new segment; return (segment, word counts)."""
    writer = ArraySegmentWriter(whoosh_index.open_dir(folder), _lk=False)
    words = WordCounts()
    try:
        for seq in range(start, end):
            sections = section_texts(measures[seq])
            writer.add_document(**document(measures[seq], seq, sections))
            words.add(document_words(text for _, text in sections))
            if progress:
                progress(seq - start + 1)
        return writer.finish_segment(), words.counter
    except BaseException:
        writer.cancel()
        raise


# What forked writer processes read: the measures and one progress counter per run.
# Set only while a build's processes run; the fork hands it over without a copy.
_FORKED = None


def _write_in_processes(folder, measures, runs, progress):
    global _FORKED
    context = multiprocessing.get_context("fork")
    counters = context.Array("q", len(runs), lock=False)
    _FORKED = measures, counters
    try:
        with ProcessPoolExecutor(len(runs), mp_context=context, initializer=_die_with_parent) as pool:
            futures = [pool.submit(_write_forked_run, folder, number, start, end)
                       for number, (start, end) in enumerate(runs)]
            while wait(futures, timeout=0.2).not_done:
                if progress:
                    progress(sum(counters), len(measures))
            return [future.result() for future in futures]
    except BrokenProcessPool:
        raise MeasureSearchError("an index writer process died (killed, or out of memory); "
                                 "the live index was not changed") from None
    finally:
        _FORKED = None


def _write_forked_run(folder, number, start, end):
    measures, counters = _FORKED

    def count(done):
        counters[number] = done
    return _write_run(folder, measures, start, end, count)


def _die_with_parent():
    """Ask Linux to kill this writer process when the build that forked it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _docnum_order(folder, size):
    """Return, for each Whoosh docnum, the corpus position of its measure (the seq column)."""
    ix = whoosh_index.open_dir(folder)
    with ix.reader() as reader:
        order = list(reader.column_reader("seq"))
    ix.close()
    if sorted(order) != list(range(size)):
        raise MeasureSearchError("the index does not hold every measure exactly once")
    return order


def _swap(root, name):
    tmp = root / f".current-{uuid.uuid4().hex[:6]}"
    os.symlink(name, tmp)
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)


def _remove_stale(root):
    """Remove what a killed build left behind (we hold the lock, so no build runs)."""
    for path in root.iterdir():
        if path.name.startswith(".build-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".current-") and path.is_symlink():
            path.unlink(missing_ok=True)


def _remove_old(root, current):
    """Remove every build but the current one and the newest before it."""
    others = sorted((p for p in root.iterdir() if p.name.startswith("build-") and p.name != current),
                    key=lambda p: p.stat().st_mtime)
    for path in others[:-1]:
        shutil.rmtree(path, ignore_errors=True)


def current_build(index_root):
    """Return the folder of the live build, or None when there is none."""
    link = pathlib.Path(index_root) / CURRENT
    try:
        name = os.readlink(link)
    except OSError:
        return None
    return pathlib.Path(index_root) / name


def usable(index_root):
    """Return True when the live build exists and has this version's format."""
    folder = current_build(index_root)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8")) if folder else None
    except (OSError, ValueError):
        return False
    return bool(meta) and meta.get("format") == FORMAT_VERSION
