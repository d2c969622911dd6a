"""The build's sort of postings (index/build/postings.py) against numpy's stable sort."""

import numpy as np
from hypothesis import given, settings, strategies as st

from measuresearch.index.build.postings import distinct, stable_order


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**62), max_size=300), st.integers(0, 62))
def test_stable_order_is_numpys_stable_argsort(values, shift):
    keys = np.array([v >> shift for v in values], dtype=np.int64)  # from all-equal keys to keys of 62 bits
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))


def test_stable_order_of_many_repeated_keys_keeps_their_order():
    keys = np.random.default_rng(3).integers(0, 50, size=200_000).astype(np.int32)  # the term ranks of a field
    order = stable_order(keys)
    assert np.array_equal(order, np.argsort(keys, kind="stable"))
    assert np.array_equal(stable_order(keys[:0]), np.zeros(0, dtype=np.int64))
    signed = keys.astype(np.int64) - 25  # not packed: numpy's own stable sort
    assert np.array_equal(stable_order(signed), np.argsort(signed, kind="stable"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2**40, 2**62), max_size=300), st.integers(0, 62))
def test_distinct_keys_are_numpys_unique(values, shift):
    keys = np.array([v >> shift for v in values], dtype=np.int64)  # repeats, negative keys, keys of 0 to 62 bits
    assert np.array_equal(distinct(keys), np.unique(keys))
