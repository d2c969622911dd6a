"""Write a corpus into the segments of a new index, one writer process per core.

The corpus is cut into runs of consecutive files (measures given in memory:
runs of consecutive measures). Each run is read, checked and written by one
forked process, file by file, into segments of its own: YAML parsing uses
every core and no process holds the whole corpus. A process that meets a
problem stops writing, only checks, and tells the others to do the same; the
build then fails with every problem found, before the live index is touched.
Segments in run order keep the documents in corpus order.
"""

import dataclasses
import multiprocessing
import pathlib
from concurrent.futures import wait
from typing import NamedTuple

from whoosh import index as whoosh_index

from measuresearch.corpus import files as corpus
from measuresearch.corpus import read_cache
from measuresearch.index.build import analysed as analysed_words
from measuresearch.index.build import columns as posting_columns
from measuresearch.index.build import fingerprints
from measuresearch.index.build.segments import ArraySegmentWriter, commit_segments
from measuresearch.index.format import names as economy_names
from measuresearch import processes
from measuresearch.errors import EmptyCorpus, InputProblems
from measuresearch.index.format.facets import FacetColumns
from measuresearch.index.format.layout import file_sum
from measuresearch.index.format.records import RecordWriter, parsed_record
from measuresearch.index.format.schema import document, record_and_json, section_texts
from measuresearch.index.format.vocabulary import WordCounts

# Several processes pay off from about 5,000 measures (or this much YAML).
PARALLEL_FROM = 5_000
PARALLEL_FROM_BYTES = 8_000_000
# A process starts a new segment when its postings pass this much memory, so
# that a build's memory stays bounded however large the corpus grows.
SEGMENT_BYTES = 160_000_000
# What one writer process may take at its peak: a segment's postings, their
# sorted copies while its blocks are written, and the records of its file.
PROCESS_BYTES = 3 * SEGMENT_BYTES
MEASURE_BATCH = 500  # measures given in memory are written this many at a time


@dataclasses.dataclass
class RunResult:
    """What one run wrote and found."""

    segments: list = dataclasses.field(default_factory=list)
    words: WordCounts = dataclasses.field(default_factory=WordCounts)
    columns: FacetColumns = dataclasses.field(default_factory=FacetColumns)
    problems: list = dataclasses.field(default_factory=list)
    seen: dict = dataclasses.field(default_factory=dict)  # id -> (path, line) where first met
    records: list = dataclasses.field(default_factory=list)  # names of its records files
    removed: dict = dataclasses.field(default_factory=dict)  # tombstones of --prune: id -> record
    ids: list = dataclasses.field(default_factory=list)  # each document's measure id, in document order
    prints: list = dataclasses.field(default_factory=list)  # and its fingerprints.fingerprint
    sums: dict = dataclasses.field(default_factory=dict)  # layout.file_sum of each file it wrote
    terms: bytes = b""  # the words it analysed anew: analysed.Analysed.new_json()
    terms_used: bytes = b""  # and the known ones it asked for: analysed.Analysed.used_json()


class Written(NamedTuple):
    """What a corpus's writers wrote, all runs together in document order."""

    columns: FacetColumns
    words: WordCounts
    records: list  # names of the records files
    removed: dict  # tombstones of --prune: id -> record
    ids: list  # each document's measure id
    prints: list  # each document's fingerprints.fingerprint of its record
    sums: dict  # layout.file_sum of each file the runs wrote, taken by the process that wrote it


class Shared:
    """What the runs of one build share: progress per run, and whether any met a problem."""

    def __init__(self, runs, context=None):
        self.done = context.Array("q", runs, lock=False) if context else [0] * runs
        self.failed = context.Array("b", 1, lock=False) if context else [0]


def write(folder, corpus_dir=None, measures=None, progress=None):
    """Write the corpus (or the given measures) into the new index in folder.

    Return a Written. Raise InputProblems with
    every problem of the corpus, or EmptyCorpus. progress(done, total) counts
    bytes of corpus files, or measures when they are given.
    """
    runs, total = _file_runs(corpus_dir) if measures is None else _measure_runs(measures)
    if measures is None:
        read_cache.code_version()  # the code that reads now, before the writers start (a deploy may follow)
    # the terms of the words the last build analysed, read once here and shared with the writers by the fork
    analysed = analysed_words.read(corpus_dir) if measures is None else analysed_words.Analysed()
    report = (lambda shared: progress(sum(shared.done), total)) if progress else None
    if len(runs) == 1:
        results = [_write_run(folder, 0, runs[0], Shared(1), measures, report, analysed)]
    else:
        results = _write_in_processes(folder, runs, measures, report, analysed)
    problems = _problems(results)
    if problems:
        raise InputProblems(problems)
    columns, words = FacetColumns(), WordCounts()
    for result in results:
        columns.extend(result.columns)
        words.merge(result.words)
    if not columns.ids:
        raise EmptyCorpus(f"{corpus_dir or 'the corpus'} holds no measures; the index was not changed")
    if measures is None:
        analysed_words.save(corpus_dir, analysed, [result.terms for result in results],
                            [result.terms_used for result in results])
        read_cache.prune(corpus_dir, [path.name for _, paths in runs for path in paths], [analysed_words.NAME])
    ix = whoosh_index.open_dir(folder)
    commit_segments(ix, [segment for result in results for segment in result.segments])
    ix.close()
    return Written(columns, words, [name for result in results for name in result.records],
                   {measure_id: tomb for result in results for measure_id, tomb in result.removed.items()},
                   [measure_id for result in results for measure_id in result.ids],
                   [mark for result in results for mark in result.prints],
                   {name: found for result in results for name, found in result.sums.items()})


def _file_runs(corpus_dir):
    """Cut the corpus files into one run per process, balanced by size."""
    paths = corpus.corpus_files(corpus_dir)
    sizes = [path.stat().st_size for path in paths]
    total = sum(sizes)
    count = _processes(total >= PARALLEL_FROM_BYTES)
    runs, run, filled = [], [], 0
    for path, size in zip(paths, sizes):
        if run and filled >= total * (len(runs) + 1) / count:
            runs.append(("files", run))
            run = []
        run.append(path)
        filled += size
    runs.append(("files", run))
    return runs, total


def _measure_runs(measures):
    count = _processes(len(measures) >= PARALLEL_FROM)
    cuts = [len(measures) * i // count for i in range(count + 1)]
    return [("measures", (start, end)) for start, end in zip(cuts, cuts[1:])], len(measures)


def _processes(large):
    """Return how many writer processes a corpus gets: writer_processes() if it is large, else 1."""
    return writer_processes() if large else 1


def writer_processes(cores=None, available=None):
    """Return one writer process per core this process may run on, as many as the free memory holds.

    cores and available (bytes of memory free for new processes) are read from
    the system when not given.
    """
    return processes.count(PROCESS_BYTES, cores, available)


def _batches(run, checker, measures):
    """Yield (measures, work units) of a run: a file at a time, or MEASURE_BATCH given measures."""
    kind, items = run
    if kind == "files":
        for path in items:
            yield checker.file(path), path.stat().st_size
    else:
        start, end = items
        for first in range(start, end, MEASURE_BATCH):
            batch = measures[first: min(first + MEASURE_BATCH, end)]
            yield batch, len(batch)


def _write_run(folder, number, run, shared, measures=None, progress=None, analysed=None):
    """Read, check and write one run; return its RunResult. analysed: the analysed.Analysed words it starts with."""
    analysed = analysed or analysed_words.Analysed()
    result, checker, writer, records = RunResult(), corpus.Checker(keep=True), None, None
    names = economy_names.read(folder)
    try:
        for batch, work in _batches(run, checker, measures):
            if checker.problems:
                shared.failed[0] = 1
            if not shared.failed[0] and batch:
                writer = writer or ArraySegmentWriter(whoosh_index.open_dir(folder), _lk=False, words_of="text",
                                                      analysed=analysed)
                records = records or RecordWriter(folder, f"records-{number}")
                _add(writer, records, batch, result, names)
                if writer.postings_bytes() >= SEGMENT_BYTES:
                    finished, writer = writer, None  # closed by finishing, even if its check then fails
                    _finish(finished, result)
            shared.done[number] += work
            if progress:
                progress(shared)
        if writer and not shared.failed[0]:
            finished, writer = writer, None
            _finish(finished, result)
        if records and not shared.failed[0]:
            records.close()
            result.records.append(f"records-{number}")
        if not shared.failed[0]:  # the manifest's sums of its files, here in parallel
            result.sums = _own_sums(folder, result)
    finally:
        if writer:
            writer.cancel()
        if records:
            records.abandon()  # no-op once closed; the failed build's folder is removed
    result.problems, result.seen, result.removed = checker.problems, checker.seen, checker.removed
    if run[0] == "files":  # (measures given in memory keep no terms)
        result.terms, result.terms_used = analysed.new_json(), analysed.used_json()
    result.words.fold()  # here, in parallel, rather than all in the parent once every run is done
    return result


def _own_sums(folder, result):
    """Return {file name: layout.file_sum} of the files of a run's segments and records."""
    marks = [segment.segment_id() for segment in result.segments] + [f"{name}." for name in result.records]
    return {path.name: file_sum(path) for path in pathlib.Path(folder).iterdir()
            if any(mark in path.name for mark in marks)}


def _finish(writer, result):
    """Write a writer's segment and check its columns; count the documents of its words (vocabulary.document_words
    of the sections), and the "text" terms of the romanization keys of its words (WordCounts.note_romanized)."""
    result.words.note_romanized(writer.field_words("roman"))  # before the writer drops its postings
    segments = writer.finish_segment()
    for segment in segments:
        posting_columns.check_segment(writer.storage, writer.schema, segment)
    result.segments.extend(segments)
    result.words.counter.update(writer.document_frequencies())


def _add(writer, records, measures, result, names):
    for measure in measures:
        sections = section_texts(measure, names)
        writer.add_document(**document(measure, sections, names))
        record, text, plain = record_and_json(measure)
        records.add(text)
        # the fingerprint of the record as a reader parses it back (fingerprints.py compares builds by it): the
        # record itself when orjson wrote it (plain JSON data)
        result.ids.append(measure.id)
        result.prints.append(fingerprints.fingerprint(record if plain else parsed_record(text)))
        result.columns.add(measure)


def _problems(results):
    """Return every run's problems and the ids met in two runs, in corpus order."""
    problems, seen = [], {}
    for result in results:
        problems.extend(result.problems)
        for measure_id, where in result.seen.items():
            if measure_id in seen:
                problems.append(corpus.duplicate_id(measure_id, where, seen[measure_id]))
            else:
                seen[measure_id] = where
    return sorted(problems, key=lambda problem: (problem.path, problem.line))


def _write_in_processes(folder, runs, measures, progress, analysed):
    """Write each run in a forked process of its own; return their RunResults in run order."""
    shared = Shared(len(runs), multiprocessing.get_context("fork"))

    def write_run(number):  # in a worker, which inherits measures, shared and analysed by the fork
        return _write_run(folder, number, runs[number], shared, measures, None, analysed)

    died = "an index writer process died (killed, or out of memory); the live index was not changed"
    with processes.forked(write_run, len(runs), died) as submit:
        futures = [submit(number) for number in range(len(runs))]
        while wait(futures, timeout=0.2).not_done:
            if progress:
                progress(shared)
        return [future.result() for future in futures]
