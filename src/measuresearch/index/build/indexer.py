"""Build a fresh index folder, then swap it in atomically.

The folder's layout (names, format version) is in layout.py. Readers resolve `current` once when they open, so they see one whole build.
The previous build is kept so that searchers still open on it keep working
until they refresh; older ones are removed.
"""

import dataclasses
import datetime
import functools
import os
import pathlib
import shutil
import time
import uuid

from whoosh import index as whoosh_index

from measuresearch.corpus import files as corpus_files
from measuresearch.corpus import transaction
from measuresearch.index.build import fingerprints
from measuresearch.domain import economy_names, groups, taxonomy, taxonomy_names
from measuresearch.index.build import writers
from measuresearch.index.format.codec import document_count
from measuresearch import processes, storage
from measuresearch.errors import BuildLocked, ImportLocked, MeasureSearchError
from measuresearch.index.format.layout import (BUILD_PREFIX, CURRENT, ECONOMIES_FILE, FACETS_FILE, GROUPS_FILE, LOCK,
                                               MANIFEST, META, REMOVED_FILE, TAXONOMY_FILE, WORDS_FILE, WORK_PREFIX,
                                               build_meta, file_sums)
from measuresearch.index.format.schema import build_schema, schema_fingerprint


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


# A build reads the corpus while an import may write it. It notes every corpus file (inode, size, time) when no
# import is writing (the import lock, shared) before it reads, and again once it has written: if one moved, the new
# index would hold two states of the corpus at once, so it is dropped and the build starts again, at most this often.
CORPUS_TRIES = 3


def corpus_state(corpus_dir, wait=60.0):
    """Return {file name: (inode, size, mtime)} of a corpus folder's YAML files, read while no import writes."""
    folder = pathlib.Path(corpus_dir)
    with transaction.locked(folder, wait, dry_run=True):  # shared; refuses an import killed between its renames
        found = {}
        for path in sorted(corpus_files.yaml_paths(folder)):  # the data files too: a build reads them
            try:
                stat = path.stat()
            except OSError:  # a link to nothing: the corpus's reading refuses it, naming it
                continue
            found[path.name] = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        return found


def build(corpus_dir, index_root, measures=None, progress=None):
    """Read and check the corpus (or take the given measures), build a new index, make it current.

    Return a BuildReport. On a corpus problem InputProblems is raised with
    every problem, and EmptyCorpus when there is nothing to index; the live
    index is then untouched. progress: see writers.write. A corpus that an
    import changed while it was read is read again (corpus_state).
    """
    started = time.perf_counter()
    root = pathlib.Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    busy = functools.partial(BuildLocked, f"another build of {root} is running")
    watched = measures is None and corpus_dir is not None
    with storage.locked(root / LOCK, busy), processes.cyclic_gc_paused(), processes.numpy_small_pages():
        _remove_stale(root)
        for _ in range(CORPUS_TRIES):
            before = corpus_state(corpus_dir) if watched else None
            index_id, work, columns = _write_build(root, corpus_dir, measures, progress)
            try:
                same = not watched or corpus_state(corpus_dir) == before
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            if same:
                break
            shutil.rmtree(work, ignore_errors=True)  # a mix of two corpus states: read it again
        else:
            raise ImportLocked(f"imports changed {corpus_dir} while each of {CORPUS_TRIES} builds read it; the live "
                               "index was not changed: run the build again when they have finished")
        final = root / f"{BUILD_PREFIX}{index_id}"
        os.rename(work, final)
        _swap(root, final.name)
        _remove_old(root, current=final.name)
    return BuildReport(index_id, len(columns.ids), time.perf_counter() - started, str(final))


def _check_documents(folder, count):
    """Check that the written segments hold exactly the documents of the facet columns."""
    written = document_count(folder)
    if written != count:
        raise MeasureSearchError(f"the index holds {written} documents, not {count}; it was not made current")


def _write_build(root, corpus_dir, measures, progress):
    """Write a new build into a work folder of root; return (index id, the work folder, its facet columns)."""
    index_id = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    work = root / f"{WORK_PREFIX}{index_id}"
    work.mkdir()
    try:
        schema = build_schema()
        whoosh_index.create_in(str(work), schema).close()
        # the writers index each record's economy under all its names (economy_names.py)
        names = taxonomy.load(corpus_dir)
        storage.write_json(work / ECONOMIES_FILE, economy_names.table(names))
        # the filters take a pillar or sub-pillar by its name or alias in any case (taxonomy_names.py)
        storage.write_json(work / TAXONOMY_FILE, taxonomy_names.table(names))
        written = writers.write(str(work), corpus_dir, measures, progress)
        columns = written.columns
        _check_documents(str(work), len(columns.ids))
        built_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        storage.write_json(work / FACETS_FILE, columns.data())
        storage.write_json(work / WORDS_FILE, written.words.data())
        storage.write_json(work / REMOVED_FILE, written.removed)
        storage.write_json(work / GROUPS_FILE, {"groups": groups.load(corpus_dir)})
        fingerprints.record(work, root, written.ids, written.prints, index_id, built_at)
        storage.write_json(work / META, build_meta(index_id, built_at, len(columns.ids), written.records,
                                            schema_fingerprint(schema)))
        # last: what a reader checks the files against (the writers took the sums of their own files)
        storage.write_json(work / MANIFEST, file_sums(work, written.sums))
        storage.fsync_dir(work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return index_id, work, columns


def _swap(root, name):
    tmp = root / f".current-{uuid.uuid4().hex[:6]}"
    os.symlink(name, tmp)
    os.replace(tmp, root / CURRENT)
    storage.fsync_dir(root)


def _remove_stale(root):
    """Remove what a killed build left behind (we hold the lock, so no build runs)."""
    for path in root.iterdir():
        if path.name.startswith(WORK_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".current-") and path.is_symlink():
            path.unlink(missing_ok=True)


def _remove_old(root, current):
    """Remove every build but the current one and the newest before it."""
    others = sorted((p for p in root.iterdir() if p.name.startswith(BUILD_PREFIX) and p.name != current),
                    key=lambda p: p.stat().st_mtime)
    for path in others[:-1]:
        shutil.rmtree(path, ignore_errors=True)
