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

import dataclasses
import datetime
import fcntl
import json
import os
import pathlib
import shutil
import time
import uuid

from whoosh import index as whoosh_index

from . import corpus
from .errors import MeasureSearchError
from .schema import FACETS, TEXT_KEYS, build_schema, document, field_text
from .vocabulary import count, document_words

CURRENT = "current"
META = "meta.json"
FACETS_FILE = "facets.json"
WORDS_FILE = "words.json"
PARALLEL_FROM = 5_000


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


def facet_columns(measures):
    """Return per-facet value lists and per-document value numbers (docnum order)."""
    values = {name: [] for name in FACETS if name != "year"}
    numbers = {name: {} for name in values}
    columns = {name: [] for name in values}
    for measure in measures:
        for name in values:
            value = getattr(measure, name)
            if value is None:
                columns[name].append(-1)
                continue
            if value not in numbers[name]:
                numbers[name][value] = len(values[name])
                values[name].append(value)
            columns[name].append(numbers[name][value])
    years = [m.year if m.year is not None else -1 for m in measures]
    return {"values": values, "columns": columns, "year": years, "ids": [m.id for m in measures]}


def build(corpus_dir, index_root, measures=None, progress=None):
    """Validate the corpus, build a new index and make it current; return a BuildReport.

    On a corpus error InputProblems is raised before anything is touched.
    """
    started = time.perf_counter()
    if measures is None:
        measures = corpus.load(corpus_dir)
    root = pathlib.Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    with _Lock(root):
        _remove_stale(root)
        index_id = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        work = root / f".build-{index_id}"
        work.mkdir()
        ix = whoosh_index.create_in(str(work), build_schema())
        words = _write_documents(ix, measures, progress)
        in_docnum_order = _docnum_order(ix, measures)
        ix.close()
        built_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        _write_json(work / FACETS_FILE, facet_columns(in_docnum_order))
        _write_json(work / WORDS_FILE, count(words))
        _write_json(work / META, {"index_id": index_id, "built_at": built_at, "documents": len(measures)})
        _fsync_dir(work)
        final = root / f"build-{index_id}"
        os.rename(work, final)
        _swap(root, final.name)
        _remove_old(root, current=final.name)
    return BuildReport(index_id, len(measures), time.perf_counter() - started, str(final))


def _write_documents(ix, measures, progress):
    """Add every measure to a new index; return each document's word set.

    Large corpora are written by one process per core, each into its own
    segment (Whoosh's MpWriter); merging the segments would cost more time
    than the second process saves, and searching two segments costs little.
    """
    processes = min(2, os.cpu_count() or 1) if len(measures) >= PARALLEL_FROM else 1
    if processes > 1:
        writer = ix.writer(procs=processes, limitmb=256, multisegment=True)
    else:
        writer = ix.writer(limitmb=256)
    words = []
    try:
        for number, measure in enumerate(measures, 1):
            doc = document(measure, number - 1)
            writer.add_document(**doc)
            doc_record = measure.to_dict()
            words.append(document_words(field_text(doc_record, key) for key in TEXT_KEYS))
            if progress:
                progress(number, len(measures))
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=processes == 1)
    return words


def _docnum_order(ix, measures):
    """Return the measures in Whoosh docnum order (read from the seq column)."""
    with ix.reader() as reader:
        order = list(reader.column_reader("seq"))
    if sorted(order) != list(range(len(measures))):
        raise MeasureSearchError("the index does not hold every measure exactly once")
    return [measures[seq] for seq in order]


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
