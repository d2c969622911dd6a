"""The pickles of many blocks built with numpy (pickles.py, blocks.py) against pickle.dumps of each block."""

from pickle import dumps

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from measuresearch.index.build.blocks import (FieldBlocks, _Blocks, _PositionPieces, frequency_values,
                                              sequential_sums)
from measuresearch.index.build.pickles import floats, grouped, ints, join, memo_puts, rows, tuples

LIMIT = 5  # small blocks: terms of several blocks, tuples of 1-3 items and longer ones

small_ints = st.one_of(st.integers(0, 300), st.integers(0, 70_000), st.integers(0, 2 ** 31 - 1))
weights = st.sampled_from([1.0, 0.5, 2.0, 1.5, 3.25, 0.1, 1e-3])
posting = st.tuples(small_ints, weights, st.lists(st.integers(0, 2 ** 32 - 1), min_size=1, max_size=4))
terms = st.lists(st.lists(posting, min_size=1, max_size=12), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(small_ints, max_size=40), st.lists(st.floats(allow_nan=False), max_size=10),
       st.lists(st.integers(0, 100_000), max_size=10))
def test_ints_floats_memo_puts_are_pickles_opcodes(numbers, reals, memos):
    assert rows(ints(np.array(numbers, dtype=np.int64))) == [dumps(n, 2)[2:-1] for n in numbers]
    assert rows(floats(np.array(reals))) == [dumps(r, 2)[2:-1] for r in reals]
    # BINPUT below 256, LONG_BINPUT from there (pickle.py: Pickler.put)
    assert rows(memo_puts(np.array(memos, dtype=np.int64))) == [
        (b"q" + bytes([m]) if m < 256 else b"r" + m.to_bytes(4, "little")) for m in memos]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(small_ints, min_size=1, max_size=7), min_size=1, max_size=8))
def test_tuples_of_ints(groups):
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    ends = np.cumsum(sizes)
    built = tuples(grouped(ints(np.array(sum(groups, []), dtype=np.int64)), ends - sizes, ends), sizes)
    assert rows(join(built)) == [dumps(tuple(g), 2)[2:-3] for g in groups]  # without PUT and STOP


def block_pickles(postings, blocks, values):
    """The blocks as Whoosh's W3 writer pickles them: (ids, weights, values), each posting given as a tuple."""
    expected = []
    for a, b in zip(blocks.starts.tolist(), blocks.ends.tolist()):
        docs = [p[0] for p in postings[a:b]]
        ids = tuple([docs[0]] + [y - x for x, y in zip(docs, docs[1:])])
        ws = [float(np.float32(p[1])) for p in postings[a:b]]
        w = None if all(x == 1.0 for x in ws) else ws[0] if len(set(ws)) == 1 else tuple(ws)
        expected.append(dumps((ids, w, values(postings[a:b])), 2))
    return expected


@settings(max_examples=200, deadline=None)
@given(terms)
def test_block_pickles_match_pickle(term_postings):
    postings, starts, ends = [], [], []
    for term in term_postings:
        starts.append(len(postings))
        docs = np.cumsum([1 + p[0] % 1000 for p in term]).tolist()  # ascending within a term
        postings += [(d, w, ps) for d, (_, w, ps) in zip(docs, term)]
        ends.append(len(postings))
    blocks = _Blocks(np.array(starts), np.array(ends), LIMIT)
    docs = np.array([p[0] for p in postings], dtype=np.int64)
    first = np.zeros(len(docs), dtype=bool)
    first[blocks.starts] = True
    deltas = np.where(first, docs, np.diff(docs, prepend=0))
    w = np.array([p[1] for p in postings])
    kind, *_, tupled = blocks.stats(w, np.ones(len(docs), dtype=np.int64))
    head = FieldBlocks._heads(blocks, deltas, w.astype(np.float32).astype(np.float64), kind)
    counts = np.array([len(p[2]) for p in postings], dtype=np.int64)
    positions = np.array(sum((p[2] for p in postings), []), dtype="<u4").view(np.uint8)
    got = rows(join(head, _PositionPieces(LIMIT).pickled(positions, counts * 4, blocks, tupled)))
    as_bytes = lambda ps: tuple(np.array(p[2], dtype="<u4").tobytes() for p in ps)
    assert got == block_pickles(postings, blocks, as_bytes)
    got = rows(join(head, frequency_values(counts.astype(np.uint32), blocks, tupled)))
    assert got == block_pickles(postings, blocks, lambda ps: np.array([len(p[2]) for p in ps], ">u4").tobytes())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(-1e6, 1e6), max_size=9), max_size=6))
def test_sequential_sums_add_as_python_sum(groups):
    sizes = np.array([len(g) for g in groups])
    ends = np.cumsum(sizes)
    assert sequential_sums(np.array(sum(groups, [])), ends - sizes, ends).tolist() == [sum(g) for g in groups]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=70), min_size=1, max_size=30),
       st.lists(st.integers(1, 2 ** 20), min_size=1, max_size=30), st.sampled_from([0, 60_000, 2 ** 31, 2 ** 40]))
def test_terms_table_hashes_and_positions_as_whoosh_adds_them(keys, steps, start):
    from whoosh.filedb.filetables import md5_hash
    from whoosh.util.numlists import GrowableArray

    from measuresearch.index.build.blocks import _extend, _md5_hashes
    assert _md5_hashes(keys).tolist() == [md5_hash(key) for key in keys]
    increasing = np.cumsum([start] + steps).tolist()
    one_by_one, at_once = GrowableArray("H"), GrowableArray("H")
    for n in increasing:
        one_by_one.append(n)
    _extend(at_once, increasing)
    assert (at_once.typecode, list(at_once)) == (one_by_one.typecode, list(one_by_one))
