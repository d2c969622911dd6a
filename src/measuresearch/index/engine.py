"""Open the live index once and keep it fresh: one snapshot per build.

A Snapshot holds the Whoosh index of one build, its facet columns and the
columnar copy of its postings (columns.py, mapped once for all threads). Each
thread gets its own Whoosh searcher on the snapshot (opened once, reused);
when `current` points to a new build, new requests get a new snapshot and
the old one is closed after its last request ends. No writer is ever opened.
"""

import contextlib
import datetime
import gc
import json
import logging
import os
import pathlib
import threading

from whoosh.filedb.filestore import FileStorage

from measuresearch.index.format import jurisdictions as grouping
from measuresearch.index.format import names as facet_names
from measuresearch.index.format.history import History
from measuresearch.index.format.codec import field_lengths, segment_ids
from measuresearch.index.format.columns import Columns
from measuresearch.errors import IndexUnavailable
from measuresearch.index.format.facets import FacetData
from measuresearch.index.format.layout import (CURRENT, FACETS_FILE, REMOVED_FILE, WORDS_FILE, damaged, read_meta,
                                               unusable)
from measuresearch.index.format.records import Records
from measuresearch.index.format.vocabulary import Vocabulary

log = logging.getLogger("measuresearch.index")


class Snapshot:
    """One build of the index, shared by the requests that use it."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.meta = read_meta(self.folder)
        problem = unusable(self.meta) or damaged(self.folder)
        if problem:  # checked before Whoosh unpickles the schema
            raise IndexUnavailable(f"the index in {self.folder} {problem}")
        self.facets = FacetData(json.loads((self.folder / FACETS_FILE).read_text(encoding="utf-8")))
        self.facets.set_groups(grouping.read(self.folder))
        self.facets.economies = facet_names.read(self.folder)
        self.facets.taxonomy = facet_names.read_taxonomy(self.folder)
        self.history = History(self.folder)  # read on first use (changes.py)
        self.vocabulary = Vocabulary(json.loads((self.folder / WORDS_FILE).read_text(encoding="utf-8")))
        removed = self.folder / REMOVED_FILE
        self.removed = json.loads(removed.read_text(encoding="utf-8")) if removed.exists() else {}
        # plain reads, not mmap: every thread's searcher would map the files again
        # and count them in the service's RSS once per thread
        self.index = FileStorage(str(self.folder), supports_mmap=False, readonly=True).open_index()
        with self.index.reader() as reader:
            self.lengths = field_lengths(reader)
            segments = segment_ids(reader)
        self.records = Records(self.folder, self.meta["records"])
        if len(self.records) != self.facets.size:
            self.records.close()
            raise IndexUnavailable(f"the index in {self.folder} is incomplete (records)")
        try:
            self.columns = Columns(self.folder, segments)
        except (OSError, ValueError) as exc:
            self.records.close()
            raise IndexUnavailable(f"the index in {self.folder} is incomplete (columns: {exc})") from None
        self._local = threading.local()
        self._searchers = []
        self._lock = threading.Lock()
        self._users = 0
        self._retired = False

    def stamp(self):
        """Return which build answers, as exports, feeds, matrices and /healthz say it."""
        return {"index_id": self.meta["index_id"], "index_built_at": self.meta["built_at"]}

    def searcher(self):
        """Return this thread's searcher on the snapshot."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self.index.searcher()
            self._local.searcher = searcher
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def _enter(self):
        with self._lock:
            self._users += 1

    def _leave(self):
        with self._lock:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self.close()

    def retire(self):
        """Close the snapshot as soon as no request uses it."""
        with self._lock:
            self._retired = True
            close = self._users == 0
        if close:
            self.close()

    def close(self):
        """Close every searcher and the index; let go of the build's tables (facets.close())."""
        with self._lock:
            searchers, self._searchers = self._searchers, []
        for searcher in searchers:
            searcher.close()
        self.index.close()
        self.records.close()
        self.columns.close()
        self.facets.close()


def _freeze_what_is_held():
    """Keep what the process holds now, a new snapshot's tables above all, out of the collector's full passes.

    A full collection of CPython's cyclic collector visits every object it tracks: the build's facets,
    names and vocabulary, the queries' caches. It came every few hundred requests and stopped every thread
    for 22-39 ms in a `serve` over 10k or 100k measures (README, twentieth session). gc.freeze() moves them
    to the permanent generation, which collections skip. What an earlier freeze kept that has become
    garbage since (anything in a reference cycle, which only the collector frees) is put back and collected
    first, once per build picked up. A retired build's tables are no such garbage: Snapshot.close() breaks
    their cycles, so they go when their last request ends. gc.collect() does nothing while another
    thread's collection runs: what it would have freed then waits for the next build.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _log_pick_up(snapshot):
    """Log one line when a build starts being served (the first one, and every new one after it)."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    log.info("%s index %s built %s picked up: %d measures", now, snapshot.meta["index_id"],
             snapshot.meta["built_at"], snapshot.facets.size)


class IndexHolder:
    """Hands out the snapshot of the live build, refreshing when it changes."""

    def __init__(self, root, freeze=False):
        """freeze: a long-running server's holder (`serve`): each build it picks up is kept out of the
        collector's full passes (_freeze_what_is_held); not for a command's or a test's short use, which the
        full collection that takes would only slow."""
        self.root = pathlib.Path(root)
        self.freeze = freeze
        self._snapshot = None
        self._target = None
        self._lock = threading.Lock()

    def _resolve(self):
        try:
            return os.readlink(self.root / CURRENT)
        except OSError:
            raise IndexUnavailable(f"no index in {self.root}: run `make index` to build it") from None

    def acquire(self):
        """Return the current snapshot, counted as in use until release()."""
        picked_up = False
        with self._lock:
            # read under the lock: a request that had read the link just before a build was picked up went
            # back to the previous build (and picked the new one up again after it)
            target = self._resolve()
            if target != self._target:
                try:
                    fresh = Snapshot(self.root / target)
                except Exception as exc:  # a half-deleted or unreadable build
                    if self._snapshot is None:
                        raise IndexUnavailable(f"cannot open the index in {self.root} ({exc}): "
                                               "run `make index` to rebuild it") from None
                else:
                    old, self._snapshot, self._target = self._snapshot, fresh, target
                    _log_pick_up(fresh)
                    if old is not None:
                        old.retire()
                    picked_up = True
            snapshot = self._snapshot
            snapshot._enter()
        if picked_up and self.freeze:  # after the lock, though the collection stops every thread while it runs
            try:
                _freeze_what_is_held()
            except BaseException:  # (an interrupt): the snapshot is not handed out, so not counted in use
                snapshot._leave()
                raise
        return snapshot

    def release(self, snapshot):
        """Mark the end of one use of a snapshot."""
        snapshot._leave()

    @contextlib.contextmanager
    def using(self):
        """Hold the current snapshot for the length of a with block."""
        snapshot = self.acquire()
        try:
            yield snapshot
        finally:
            self.release(snapshot)

    def close(self):
        """Close the live snapshot."""
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.retire()
                self._snapshot, self._target = None, None
