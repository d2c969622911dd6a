"""Building, swapping and protecting the index."""

import gc
import logging
import os
import signal
import threading
import weakref

import pytest

from measuresearch.index.build import indexer
from measuresearch.index.format import layout
from measuresearch.index.build import writers
from measuresearch.index.engine import IndexHolder
from measuresearch.errors import EmptyCorpus, InputProblems, MeasureSearchError
from measuresearch.search.service import SearchRequest, search


def test_build_swaps_in_a_complete_folder(tmp_path, real_measures):
    report = indexer.build(None, tmp_path, measures=real_measures)
    assert report.documents == 15
    current = layout.current_build(tmp_path)
    assert current.name == f"build-{report.index_id}"
    assert {"meta.json", "facets.json"} <= {p.name for p in current.iterdir()}


def test_rebuilds_keep_only_current_and_previous(tmp_path, real_measures):
    ids = [indexer.build(None, tmp_path, measures=real_measures).index_id for _ in range(4)]
    builds = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("build-"))
    assert len(builds) == 2 and f"build-{ids[-1]}" in builds and f"build-{ids[-2]}" in builds


def test_corpus_error_leaves_the_index_untouched(tmp_path, corpus_copy, real_measures):
    indexer.build(None, tmp_path / "index", measures=real_measures)
    before = os.readlink(tmp_path / "index" / "current")
    with open(corpus_copy / "kazakhstan.yaml", "a", encoding="utf-8") as handle:
        handle.write("  - id: broken\n    pillar: Nope\n")
    with pytest.raises(InputProblems):
        indexer.build(corpus_copy, tmp_path / "index")
    assert os.readlink(tmp_path / "index" / "current") == before
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".build-")]


def test_leftovers_of_a_killed_build_are_cleaned(tmp_path, real_measures):
    (tmp_path / ".build-crashed").mkdir(parents=True)
    (tmp_path / ".build-crashed" / "junk").write_text("x")
    os.symlink("build-nothing", tmp_path / ".current-abc123")
    indexer.build(None, tmp_path, measures=real_measures)
    assert not (tmp_path / ".build-crashed").exists()
    assert not os.path.lexists(tmp_path / ".current-abc123")


def test_a_second_concurrent_build_is_refused(tmp_path, real_measures):
    import fcntl
    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(indexer.BuildLocked):
            indexer.build(None, tmp_path, measures=real_measures)


def test_a_reader_picks_up_a_new_build_by_itself(tmp_path, real_measures):
    indexer.build(None, tmp_path, measures=real_measures[:5])
    holder = IndexHolder(tmp_path)
    try:
        assert search(holder, SearchRequest())["total"] == 5
        indexer.build(None, tmp_path, measures=real_measures)
        assert search(holder, SearchRequest())["total"] == 15
    finally:
        holder.close()


class _Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


def test_a_serving_holder_freezes_each_build_it_picks_up_and_frees_what_it_froze_at_the_next(tmp_path, real_measures):
    indexer.build(None, tmp_path, measures=real_measures[:5])
    holder, cycle = IndexHolder(tmp_path, freeze=True), _Cycle()
    held = weakref.ref(cycle)
    try:
        assert search(holder, SearchRequest())["total"] == 5  # the build picked up: what is held is frozen
        snapshot = holder.acquire()
        holder.release(snapshot)
        assert not any(o is snapshot.facets for o in gc.get_objects())  # a full collection does not visit it
        del cycle, snapshot
        gc.collect()
        assert held() is not None  # garbage since the freeze, kept by it
        assert search(holder, SearchRequest())["total"] == 5
        assert held() is not None  # the same build again: no collection on a request's path
        indexer.build(None, tmp_path, measures=real_measures)
        assert search(holder, SearchRequest())["total"] == 15  # the next build: put back and collected
        assert held() is None  # (a freeze without its clean-up would leak it)
    finally:
        holder.close()
        gc.unfreeze()  # the rest of the test session collects as usual


def test_a_retired_build_goes_with_its_last_request_without_the_collector(tmp_path, real_measures):
    # its tables would otherwise wait in reference cycles for the collector (for a serving holder, a frozen
    # build's until the next build)
    indexer.build(None, tmp_path, measures=real_measures[:5])
    holder = IndexHolder(tmp_path, freeze=True)
    gc.disable()
    try:
        snapshot = holder.acquire()
        request = SearchRequest(filters={"country": ("Kazakhstan",)}, year_from=2000, in_force_on="2024-01")
        assert search(holder, request)["total"] == 5  # the build's caches filled (facets and dates)
        facets, dates = weakref.ref(snapshot.facets), weakref.ref(snapshot.facets.dates)
        indexer.build(None, tmp_path, measures=real_measures)
        assert search(holder, SearchRequest())["total"] == 15  # picked up; the old one still in use
        assert facets() is not None
        holder.release(snapshot)
        del snapshot
        assert facets() is None and dates() is None
    finally:
        gc.enable()
        holder.close()
        gc.unfreeze()


class _Messages(logging.Handler):
    """Keeps the messages of the records a logger hands it."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_a_request_that_read_the_link_before_a_build_was_picked_up_does_not_go_back_to_the_old_one(
        tmp_path, real_measures):
    indexer.build(None, tmp_path, measures=real_measures[:5])
    holder = IndexHolder(tmp_path)
    read, carry_on, answers = threading.Event(), threading.Event(), []
    original = holder._resolve
    logger, pick_ups = logging.getLogger("measuresearch.index"), _Messages()
    level = logger.level

    def slow_resolve():  # the first request reads the link, then is overtaken
        target = original()
        if threading.current_thread().name == "first":
            read.set()
            carry_on.wait(10)
        return target

    def first():
        answers.append(search(holder, SearchRequest())["total"])

    try:
        assert search(holder, SearchRequest())["total"] == 5
        holder._resolve = slow_resolve
        # its pick-ups from here on, on a handler of its own: whatever an earlier test left the logger's level,
        # handlers or propagation at (the first build's pick-up above was counted when one had left INFO on)
        logger.addHandler(pick_ups)
        logger.setLevel(logging.INFO)
        thread = threading.Thread(target=first, name="first")
        thread.start()
        assert read.wait(10)
        indexer.build(None, tmp_path, measures=real_measures)
        second = threading.Thread(target=lambda: answers.append(search(holder, SearchRequest())["total"]))
        second.start()
        second.join(0.5)  # it waits for the first, or (reading the link alone) picks the new build up at once
        carry_on.set()
        thread.join(10)
        second.join(10)
        assert sorted(answers) == [5, 15] and search(holder, SearchRequest())["total"] == 15
        picked = [message for message in pick_ups.messages if "picked up" in message]
        assert len(picked) == 1 and "15 measures" in picked[0]  # the new build once, the old one never again
    finally:
        carry_on.set()
        holder.close()
        logger.removeHandler(pick_ups)
        logger.setLevel(level)


def test_a_closed_build_unmaps_its_columns_though_its_terms_were_looked_up(tmp_path, real_measures):
    indexer.build(None, tmp_path, measures=real_measures)
    holder = IndexHolder(tmp_path)
    assert search(holder, SearchRequest(q='"electronic commerce" Kazakhstan'))["total"] > 0  # terms looked up
    snapshot = holder.acquire()
    holder.release(snapshot)
    maps = [columns.map for columns, _ in snapshot.columns.segments]
    holder.close()
    assert maps and all(m.closed for m in maps)  # not left to the snapshot's last reference


def test_a_holder_for_a_short_use_freezes_nothing(tmp_path, real_measures):
    indexer.build(None, tmp_path, measures=real_measures[:5])
    holder, cycle = IndexHolder(tmp_path), _Cycle()
    held = weakref.ref(cycle)
    try:
        assert search(holder, SearchRequest())["total"] == 5
        del cycle
        gc.collect()
        assert held() is None
    finally:
        holder.close()


def test_docnums_follow_the_corpus_order(tmp_path, real_measures):
    indexer.build(None, tmp_path, measures=real_measures)
    holder = IndexHolder(tmp_path)
    snapshot = holder.acquire()
    try:
        searcher = snapshot.searcher()
        assert [searcher.stored_fields(d)["id"] for d in range(15)] == snapshot.facets.ids
    finally:
        holder.release(snapshot)
        holder.close()


def test_an_empty_corpus_is_refused_and_the_index_kept(tmp_path, real_measures):
    indexer.build(None, tmp_path / "index", measures=real_measures)
    before = layout.current_build(tmp_path / "index")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCorpus, match="holds no measures"):
        indexer.build(tmp_path / "empty", tmp_path / "index")
    assert layout.current_build(tmp_path / "index") == before


def test_a_dead_writer_process_fails_the_build_cleanly(tmp_path, real_measures, monkeypatch):
    indexer.build(None, tmp_path, measures=real_measures)
    before = layout.current_build(tmp_path)
    monkeypatch.setattr(writers, "PARALLEL_FROM", 2)
    monkeypatch.setattr(writers, "_write_run", lambda *args: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(MeasureSearchError, match="writer process died"):
        indexer.build(None, tmp_path, measures=real_measures)
    assert layout.current_build(tmp_path) == before
    monkeypatch.undo()
    indexer.build(None, tmp_path, measures=real_measures)  # the next build cleans up and succeeds
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".build-")] == []


def _overtaken_by_imports(monkeypatch, tmp_path, times):
    """Make the first `times` builds' writing be overtaken by an import of a changed seed page (a new USD figure
    each time), committed after the build read the corpus: what a build running beside `import` meets."""
    from conftest import SEED
    from measuresearch.corpus import importer
    original, calls = writers.write, []

    def written_then_imported(folder, corpus_dir=None, measures=None, progress=None):
        result = original(folder, corpus_dir, measures, progress)
        if len(calls) < times:
            calls.append(corpus_dir)
            page = tmp_path / f"page-{len(calls)}.txt"
            page.write_text(SEED.read_text(encoding="utf-8").replace("is USD 580.", f"is USD {600 + len(calls)}."),
                            encoding="utf-8")
            importer.import_files([page], corpus_dir)
        return result
    monkeypatch.setattr(writers, "write", written_then_imported)
    return calls


def test_a_build_that_an_import_overtakes_reads_the_corpus_again(tmp_path, corpus_copy, monkeypatch):
    # the index must hold one state of the corpus: never the files read before an import beside those after it
    calls = _overtaken_by_imports(monkeypatch, tmp_path, 1)
    indexer.build(corpus_copy, tmp_path / "index")
    assert len(calls) == 1
    holder = IndexHolder(tmp_path / "index")
    try:
        assert search(holder, SearchRequest(q='"USD 601"'))["total"] == 1
        assert search(holder, SearchRequest(q='"USD 580"'))["total"] == 0
    finally:
        holder.close()


def test_a_corpus_that_imports_keep_changing_is_refused_and_the_index_kept(tmp_path, corpus_copy, real_measures,
                                                                         monkeypatch):
    indexer.build(None, tmp_path / "index", measures=real_measures)
    before = sorted(p.name for p in (tmp_path / "index").iterdir())  # current, and the build it names
    _overtaken_by_imports(monkeypatch, tmp_path, indexer.CORPUS_TRIES)
    with pytest.raises(MeasureSearchError, match="changed .* while each of 3 builds read it"):
        indexer.build(corpus_copy, tmp_path / "index")
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == before
