"""Our posting-array evaluation against Whoosh's own matchers and BM25F on the same index."""

import functools

import numpy as np
import pytest
from whoosh import query as wq
from whoosh import scoring

from measuresearch.index.build import writers
from measuresearch.query import matching
from measuresearch.query.matching import Evaluation, word_terms
from measuresearch.query.parser import ParsedQuery, parse
from devtools.synthetic import Generator

SIZE = 3_000


@pytest.fixture(scope="module")
def synthetic_holder(tmp_path_factory):
    from measuresearch.index.build import indexer
    from measuresearch.index.engine import IndexHolder
    root = tmp_path_factory.mktemp("synthetic")
    measures = Generator(seed=3).measures(SIZE)
    with pytest.MonkeyPatch.context() as patch:  # three writer processes whatever the machine: three segments
        patch.setattr(writers, "PARALLEL_FROM", SIZE)  # the parallel build of a large corpus, at a test's size
        patch.setattr(writers, "writer_processes", lambda: 3)
        indexer.build(None, root, measures=measures)
    holder = IndexHolder(root)
    yield holder
    holder.close()


QUERIES = ["data", "government internet", "localisation licence", "информатизации", "418-V", "the of"]


def whoosh_query(parsed):
    """The same query in Whoosh's own terms."""
    clauses = [wq.Or([wq.Or([wq.Term(f, t, boost=b) for f, t, b in word_terms(o)]) for o in c.options])
               for c in parsed.positive]
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


def test_the_index_has_several_segments(synthetic_holder):
    snapshot = synthetic_holder.acquire()
    try:
        assert len(list(snapshot.searcher().reader().leaf_readers())) == 3
    finally:
        synthetic_holder.release(snapshot)


@pytest.mark.parametrize("q", QUERIES)
def test_masks_and_scores_equal_whoosh(synthetic_holder, q):
    parsed = parse(q)
    snapshot = synthetic_holder.acquire()
    try:
        searcher = snapshot.index.searcher(weighting=scoring.BM25F())
        evaluation = Evaluation(searcher, snapshot.lengths, snapshot.columns)
        mask = evaluation.matching(parsed)
        # BM25F alone: the proximity term (parsed.pairs) is checked in test_differential.py
        scores = evaluation.scores(ParsedQuery(parsed.clauses))
        results = searcher.search(whoosh_query(parsed), limit=None)
        expected = {hit.docnum: hit.score for hit in results}
        assert set(np.flatnonzero(mask).tolist()) == set(expected)
        assert len(expected) > 0
        for docnum, score in expected.items():
            assert scores[docnum] == pytest.approx(score, rel=1e-5)
        searcher.close()
    finally:
        synthetic_holder.release(snapshot)


@pytest.mark.parametrize("q", QUERIES + ['"the data"', 'government "of the internet"', "internet localisation"])
def test_scores_within_some_documents_are_those_of_the_whole_index(synthetic_holder, q):
    # a page is ranked on the documents its filters allow: only those are read, each the same value to the bit
    parsed = parse(q)
    snapshot = synthetic_holder.acquire()
    try:
        evaluation = Evaluation(snapshot.searcher(), snapshot.lengths, snapshot.columns)
        rng = np.random.default_rng(11)
        for relaxed in (False, True):
            whole = evaluation.scores(parsed, relaxed=relaxed)
            matches = np.flatnonzero(evaluation.matching(parsed, relaxed))
            # many documents (postings picked by mask) and few (looked up one by one: columns.SPARSE_SHARE)
            for share, every in [(0.3, 2), (0.001, 25)]:
                within = np.random.default_rng(5).random(SIZE) < share  # some documents, matching or not,
                within[matches[::every]] = True  # and some matches
                assert (within & (whole > 0)).any() and (~within & (whole > 0)).any()
                some = evaluation.scores(parsed, within=within, relaxed=relaxed)
                assert np.array_equal(some[within], whole[within])
            # FEW documents or fewer (a rare word's page, a filter's few), scored one by one
            for count in (1, 2, 7, matching.FEW):
                within = np.zeros(SIZE, dtype=bool)
                within[rng.choice(matches, min(count, len(matches)), replace=False)] = True
                within[rng.integers(0, SIZE, 1)] = True  # and maybe one that does not match
                within[np.flatnonzero(within)[matching.FEW:]] = False
                some = evaluation.scores(parsed, within=within, relaxed=relaxed)
                assert np.array_equal(some[within], whole[within]) and (some[within] > 0).any()
    finally:
        synthetic_holder.release(snapshot)


# phrases in many documents and in 8; pairs typed together that stand together in 3 and in 13 (seed 3)
@pytest.mark.parametrize("q", ['"the data"', 'government "of the internet"', '"data localisation"',
                               "ministry blocking", "central african"])
def test_a_phrase_or_a_pair_in_a_handful_of_documents_scores_as_when_scored_over_its_lists(synthetic_holder, q,
                                                                                             monkeypatch):
    # a phrase's words score where it stands (only=), a pair typed together where it stands together
    parsed = parse(q)
    snapshot = synthetic_holder.acquire()
    try:
        found, few = {}, matching.FEW
        for kept in (few, 0):  # 0: every list scored whole (or picked), as before FEW
            monkeypatch.setattr(matching, "FEW", kept)
            evaluation = Evaluation(snapshot.searcher(), snapshot.lengths, snapshot.columns)
            found[kept] = evaluation.scores(parsed)
        assert np.array_equal(found[few], found[0]) and (found[0] > 0).any()
    finally:
        synthetic_holder.release(snapshot)


def test_postings_of_some_documents_are_those_a_scan_of_the_whole_list_keeps(synthetic_holder):
    # Columns.postings(only=mask): by binary search when the mask holds few documents, else by the mask
    snapshot = synthetic_holder.acquire()
    try:
        columns = snapshot.columns
        rng = np.random.default_rng(9)
        table = columns.segments[0][0].fields["text"]
        terms = [table.term(number) for number in range(table.size)]
        frequency = {term: columns.doc_frequency("text", term) for term in terms}
        # terms in nearly every document, in many, in some, in one
        for text in [min(terms, key=lambda t: (abs(frequency[t] - target), t)) for target in (SIZE, 600, 150, 40, 1)]:
            docs, weights = columns.postings("text", text)
            assert len(docs)
            for share in (0.001, 0.005, 0.01, 0.3, 1.0):
                only = rng.random(SIZE) < share
                only[docs[::37]] = True  # some documents that hold the term, some that do not
                kept = only[docs]
                got_docs, got_weights = columns.postings("text", text, only)
                assert got_docs.tolist() == docs[kept].tolist() and got_weights.tolist() == weights[kept].tolist()
                # a handful of documents looked up one by one (Evaluation.term_scores, FEW), any number here
                at_docs, at_weights = columns.postings_at("text", text, np.flatnonzero(only).tolist())
                assert at_docs.dtype == got_docs.dtype and at_weights.dtype == got_weights.dtype
                assert at_docs.tolist() == docs[kept].tolist() and at_weights.tolist() == weights[kept].tolist()
                # and their positions (Evaluation._position_keys)
                scanned, at = columns.positions("text", text, only), columns.positions_at(
                    "text", text, np.flatnonzero(only).tolist())
                assert [a.dtype for a in at] == [a.dtype for a in scanned] and len(scanned[0]) >= kept.sum()
                assert at[0].tolist() == scanned[0].tolist() and at[1].tolist() == scanned[1].tolist()
    finally:
        synthetic_holder.release(snapshot)


def test_postings_equal_whoosh_postings(synthetic_holder):
    snapshot = synthetic_holder.acquire()
    try:
        searcher = snapshot.searcher()
        evaluation = Evaluation(searcher, snapshot.lengths, snapshot.columns)
        reader = searcher.reader()
        for text in ("data", "govern", "internet", "zzzz"):
            ids, weights = evaluation.postings("text", text)
            if reader.doc_frequency("text", text):
                matcher = reader.postings("text", text)
                expected = []
                while matcher.is_active():  # weight(), not items_as("weight"): the latter decodes term frequency
                    expected.append((matcher.id(), matcher.weight()))
                    matcher.next()
                assert ids.tolist() == [d for d, _ in expected]
                assert weights.tolist() == pytest.approx([w for _, w in expected])
            else:
                assert len(ids) == 0
    finally:
        synthetic_holder.release(snapshot)


def test_field_lengths_equal_whoosh(synthetic_holder):
    snapshot = synthetic_holder.acquire()
    try:
        reader = snapshot.searcher().reader()
        lengths, average = snapshot.lengths["text"]
        # both sides of each segment boundary (three segments of SIZE // 3 documents)
        for docnum in (0, SIZE // 3 - 1, SIZE // 3, 2 * SIZE // 3 - 1, 2 * SIZE // 3, SIZE - 1):
            assert lengths[docnum] == reader.doc_field_length(docnum, "text")
        assert average == pytest.approx(reader.field_length("text") / reader.doc_count_all())
    finally:
        synthetic_holder.release(snapshot)


# in many documents, and (the last three: 13, 16 and 7 documents with both words, seed 3) in a handful, whose
# positions are looked up one by one (FEW)
@pytest.mark.parametrize("q", ['"personal data"', '"of the"', '"data protection authority"', '"the the"',
                               '"central african"', '"lisen zami"', '"naverper foreign"'])
def test_phrases_equal_whoosh_phrase_query(synthetic_holder, q):
    parsed = parse(q)
    phrase = parsed.positive[0].options[0]
    snapshot = synthetic_holder.acquire()
    try:
        searcher = snapshot.searcher()
        ours = set(np.flatnonzero(Evaluation(searcher, snapshot.lengths, snapshot.columns).matching(parsed)).tolist())
        stems = [w.text.lower() for w in phrase.words]
        from measuresearch.text.stemming import stem
        whoosh = set(wq.Phrase("text", [stem(s) for s in stems]).docs(searcher))
        assert ours == whoosh
    finally:
        synthetic_holder.release(snapshot)


def _whoosh_postings(leaf, field, term, positions):
    """Return [(docnum, weight, positions or None)] of one term in one segment, by Whoosh's own matcher."""
    matcher, found = leaf.postings(field, term), []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value_as("positions") if positions else None))
        matcher.next()
    return found


def test_columns_hold_every_posting_of_the_whoosh_segments(synthetic_holder):
    """The columnar copy the engine reads (index/format/columns.py) against Whoosh's reader: every field,
    every term, every posting of each of the three segments: documents, weights and positions."""
    snapshot = synthetic_holder.acquire()
    try:
        reader = snapshot.index.reader()
        segments = dict(zip([base for _, base in reader.leaf_readers()], snapshot.columns.segments))
        checked = 0
        for leaf, base in reader.leaf_readers():
            columns, column_base = segments[base]
            assert column_base == base
            for field in ("text", "exact", "roman", "id", "country"):
                table = columns.fields[field]
                terms = [table.term(i) for i in range(table.size)]
                assert terms == list(leaf.lexicon(field))
                # a term is found at its number; a word before, between or after the terms is not found
                assert [table.find(term) for term in terms] == list(range(len(terms)))
                assert {table.find(t) for t in (b"", b"\xff\xff", *(term + b"\x00" for term in terms))} == {-1}
                for number, term in enumerate(terms):
                    start, end = table.extent(number)
                    expected = _whoosh_postings(leaf, field, term, table.has_positions)
                    assert table.docs[start:end].tolist() == [d for d, _, _ in expected]
                    assert table.weights[start:end].tolist() == [w for _, w, _ in expected]
                    if table.has_positions:
                        stored = table.positions[table.position_starts[start]: table.position_starts[end]]
                        assert stored.tolist() == [p for _, _, ps in expected for p in ps]
                        assert np.diff(table.position_starts[start: end + 1]).tolist() == [
                            len(ps) for _, _, ps in expected]
                    checked += end - start
        reader.close()
        assert checked > 100_000
    finally:
        synthetic_holder.release(snapshot)


def test_terms_with_the_same_postings_are_told_apart_as_whoosh_reads_them(synthetic_holder):
    """Columns.same_postings (a term scored or read once for another at the very same places, as the
    Cyrillic spellings of one Latin word in "roman") against Whoosh's own postings of both terms in every segment."""
    snapshot = synthetic_holder.acquire()
    try:
        reader = snapshot.index.reader()
        leaves = list(reader.leaf_readers())
        alike, compared = 0, 0
        for field in ("text", "exact", "roman"):
            with_positions = snapshot.columns.segments[0][0].fields[field].has_positions
            lexicon = sorted(set().union(*(leaf.lexicon(field) for leaf, _ in leaves)))
            # the terms of 20+ documents, in pairs of equal document frequency (the only ones that can be alike)
            by_frequency = {}
            for term in lexicon:
                frequency = reader.doc_frequency(field, term.decode("utf-8"))
                if frequency >= 20:
                    by_frequency.setdefault(frequency, []).append(term)
            pairs = [(a, b) for terms in by_frequency.values() for a in terms[:4] for b in terms[:4] if a < b]
            held = [set(leaf.lexicon(field)) for leaf, _ in leaves]
            postings = functools.cache(lambda t: [_whoosh_postings(leaf, field, t, with_positions) if t in terms else None
                                                  for (leaf, _), terms in zip(leaves, held)])
            compared += len(pairs)
            for a, b in pairs:
                whoosh = [postings(a), postings(b)]
                expected = whoosh[0] == whoosh[1]
                weights_only = [[[(d, w) for d, w, _ in p] if p is not None else None for p in ps] for ps in whoosh]
                assert snapshot.columns.same_postings(field, a, b, positions=True) == expected, (field, a, b)
                assert snapshot.columns.same_postings(field, a, b) == (weights_only[0] == weights_only[1])
                alike += expected
        assert alike and alike < compared  # both answers are met
        reader.close()
    finally:
        synthetic_holder.release(snapshot)
