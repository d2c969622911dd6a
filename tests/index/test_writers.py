"""Builds cut into runs (processes) and segments answer exactly like a one-segment build."""

import collections
import json
import os
import pathlib

import pytest

from measuresearch import processes, storage
from measuresearch.corpus import files as corpus
from measuresearch.index.build import fingerprints, indexer
from measuresearch.index.format.records import Records
from measuresearch.index.format.schema import build_schema, document, section_texts
from measuresearch.index.format.vocabulary import document_words
from measuresearch.text.analysis import is_law_number, word_runs
from measuresearch.text.writing_systems import LATIN_KEY, fold_readings
from measuresearch.index.format import layout
from measuresearch.index.build import writers
from measuresearch.index.engine import IndexHolder
from measuresearch.errors import InputProblems
from measuresearch.search.service import SearchRequest, search
from devtools.synthetic import Generator

QUERIES = [SearchRequest(q="data"), SearchRequest(q="government internet"), SearchRequest(q="закон"),
           SearchRequest(q="418-V"), SearchRequest(q='"personal data"'), SearchRequest(q="data", page=3),
           SearchRequest(q="services", filters={"pillar": ("Content access",)}), SearchRequest()]


def write_synthetic_corpus(folder, count, seed=5):
    """Write synthetic measures (a temporary folder, never corpus/), one file per country."""
    by_country = collections.defaultdict(list)
    for measure in Generator(seed=seed).measures(count):
        by_country[measure.country].append(measure)
    for number, (_, group) in enumerate(sorted(by_country.items())):
        storage.write_text(folder / f"{number:03d}.yaml", corpus.dump(group))
    return folder


@pytest.fixture(scope="module")
def synthetic_corpus(tmp_path_factory):
    return write_synthetic_corpus(tmp_path_factory.mktemp("corpus"), 1_500)


def answers(root):
    holder = IndexHolder(root)
    snapshot = holder.acquire()
    try:
        searcher = snapshot.searcher()
        stored_ids = [searcher.stored_fields(d)["id"] for d in range(searcher.doc_count_all())]
        segments = len(list(searcher.reader().leaf_readers()))
        results = [search(holder, request) for request in QUERIES]
    finally:
        holder.release(snapshot)
        holder.close()
    for result in results:
        result.pop("took_ms", None)
    return stored_ids, snapshot.facets.ids, segments, results


@pytest.fixture(scope="module")
def many_runs(tmp_path_factory, synthetic_corpus):
    """The synthetic corpus built by several writer processes into many small segments: (root, report)."""
    root = tmp_path_factory.mktemp("many")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writers, "PARALLEL_FROM_BYTES", 1)
        patch.setattr(writers, "SEGMENT_BYTES", 300_000)
        patch.setattr(writers, "writer_processes", lambda: 2)  # two runs whatever the machine's cores
        return root, indexer.build(synthetic_corpus, root)


def test_runs_and_segments_answer_like_one_segment(tmp_path, synthetic_corpus, many_runs):
    indexer.build(synthetic_corpus, tmp_path / "one")
    one_ids, one_facet_ids, one_segments, one_results = answers(tmp_path / "one")
    many_ids, many_facet_ids, many_segments, many_results = answers(many_runs[0])
    assert one_segments == 1 and many_segments >= 4
    corpus_order = [m.id for m in corpus.load(synthetic_corpus)]
    assert one_ids == one_facet_ids == many_ids == many_facet_ids == corpus_order
    for one, many in zip(one_results, many_results):
        assert [h["id"] for h in many["hits"]] == [h["id"] for h in one["hits"]]
        scores = [h["score"] or 0.0 for h in one["hits"]]  # no score when sorted by date
        assert [h["score"] or 0.0 for h in many["hits"]] == pytest.approx(scores, rel=1e-5)
        assert (many["total"], many["facets"]) == (one["total"], one["facets"])
    assert one_results[0]["total"] > 0
    one_words, many_words = (json.loads((layout.current_build(root) / layout.WORDS_FILE).read_text(
        encoding="utf-8")) for root in (tmp_path / "one", many_runs[0]))
    measures = corpus.load(synthetic_corpus)
    assert one_words == many_words  # each run folds its own words and gathers its own romanization keys
    assert {key: one_words[key] for key in ("words", "df")} == brute_force_words(measures)
    assert one_words["romanized"] == brute_force_romanized(measures)
    assert len(one_words["romanized"]) > 100


def brute_force_words(measures):
    """words.json of measures: each document's lowercased words counted once, then summed by look-alike reading."""
    counts = collections.Counter()
    for measure in measures:
        counts.update(document_words(text for _, text in section_texts(measure)))
    readings = collections.Counter()
    for word, documents in counts.items():
        for reading in fold_readings(word):
            readings[reading] += documents
    return {"words": sorted(readings), "df": [readings[word] for word in sorted(readings)]}


def brute_force_romanized(measures):
    """words.json's "romanized": each romanization key of a word of the "roman" field not written in Latin
    letters (every key but LATIN_KEY's) -> the "text" tokens of the words with that key, from the analyzers."""
    schema = build_schema()
    found = collections.defaultdict(set)
    for measure in measures:
        for _, words, _ in word_runs(document(measure)["roman"]):
            for word in words:
                if word.isascii() or is_law_number(word):
                    continue
                tokens = {t.text for t in schema["text"].analyzer(word, mode="index")}
                for key in (t.text for t in schema["roman"].analyzer(word, mode="index")):
                    if not key.startswith(LATIN_KEY):
                        found[key] |= tokens
    return {key: sorted(found[key]) for key in sorted(found)}


def test_fingerprints_of_several_runs_are_those_of_the_records_read_back(synthetic_corpus, many_runs):
    """The writers fingerprint each record as they write it; the reference reads the finished build's records."""
    report = many_runs[1]
    folder = pathlib.Path(report.path)
    meta = layout.read_meta(folder)
    assert len(meta["records"]) == 2  # two runs, each its own records file
    records = Records(folder, meta["records"])
    try:
        read_back = [records.get(n) for n in range(len(records))]
    finally:
        records.close()
    written = json.loads((folder / layout.FINGERPRINTS_FILE).read_text(encoding="utf-8"))
    assert written["ids"] == [r["id"] for r in read_back] == [m.id for m in corpus.load(synthetic_corpus)]
    assert written["fingerprints"] == [fingerprints.fingerprint(r) for r in read_back]
    assert len(set(written["fingerprints"])) == len(read_back)


def test_the_manifest_of_several_runs_is_every_file_read_again(many_runs):
    # each writer process takes the sums of the files it wrote; the manifest must be what reading them all says
    folder = layout.current_build(many_runs[0])
    listed = json.loads((folder / layout.MANIFEST).read_text(encoding="utf-8"))
    assert listed == layout.file_sums(folder)
    assert sum(name.startswith("records-") for name in listed) >= 4 and sum(".seg" in name for name in listed) >= 4


def test_problems_of_every_run_are_reported_and_the_index_kept(tmp_path, synthetic_corpus, monkeypatch):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    files = sorted(p for p in synthetic_corpus.iterdir() if p.is_file())  # not the build's .read-cache
    for path in files:
        (corpus_dir / path.name).write_bytes(path.read_bytes())
    indexer.build(corpus_dir, tmp_path / "index")
    before = layout.current_build(tmp_path / "index")
    first, last = corpus_dir / files[0].name, corpus_dir / files[-1].name
    first.write_text(first.read_text(encoding="utf-8").replace("pillar: ", "pillar: Nope ", 1), encoding="utf-8")
    # the last file's first measure takes the id of a measure in the second file (another run)
    second = corpus.check_files([corpus_dir / files[1].name])[0][0]
    replaced = corpus.check_files([last])[0][0]
    last.write_text(last.read_text(encoding="utf-8").replace(replaced.id, second.id, 1), encoding="utf-8")
    monkeypatch.setattr(writers, "PARALLEL_FROM_BYTES", 1)
    with pytest.raises(InputProblems) as caught:
        indexer.build(corpus_dir, tmp_path / "index")
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{first}:") and "Nope" in m for m in messages)
    assert any(m.startswith(f"{last}:") and f"duplicate id {second.id!r}" in m for m in messages)
    assert layout.current_build(tmp_path / "index") == before
    assert not [p for p in os.listdir(tmp_path / "index") if p.startswith(".build-")]


@pytest.mark.parametrize("cores, available, expected", [
    (8, 100 * writers.PROCESS_BYTES, 8),      # one per core
    (8, 3 * writers.PROCESS_BYTES + 1, 3),    # as many as the memory holds
    (2, writers.PROCESS_BYTES - 1, 1),        # never none
    (1, 100 * writers.PROCESS_BYTES, 1),
])
def test_writer_processes_one_per_core_up_to_the_memory(cores, available, expected):
    assert writers.writer_processes(cores, available) == expected


def test_writer_processes_read_from_the_system():
    count = writers.writer_processes()
    assert 1 <= count <= len(os.sched_getaffinity(0))
    assert count == writers.writer_processes(len(os.sched_getaffinity(0)), processes.available_memory())
