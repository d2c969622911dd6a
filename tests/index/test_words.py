"""The segment writer's document frequencies of words against vocabulary.document_words of the texts."""

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from devtools.synthetic import Generator
from measuresearch.index.build.postings import FieldPostings, distinct
from measuresearch.index.build.segments import ArraySegmentWriter
from measuresearch.index.format.schema import build_schema, join_sections, section_texts
from measuresearch.index.format.vocabulary import document_words


def frequencies(folder, texts_of_documents):
    """Return (the writer's document frequencies, those of document_words) of documents given by their sections."""
    writer = ArraySegmentWriter(whoosh_index.create_in(str(folder), build_schema()), _lk=False, words_of="text")
    expected = collections.Counter()
    for number, sections in enumerate(texts_of_documents):
        value = join_sections(sections)
        writer.add_document(id=str(number), text=value, exact=value)
        expected.update(document_words(text for _, text in sections))
    writer.finish_segment()
    return writer.document_frequencies(), dict(expected)


@pytest.mark.parametrize("batch", [None, 50], ids=["one-batch", "small-batches"])
def test_document_frequencies_of_the_word_ids_are_those_of_the_texts(tmp_path, real_measures, monkeypatch, batch):
    if batch:
        monkeypatch.setattr(FieldPostings, "BATCH", batch)
    measures = list(real_measures) + Generator(seed=3).measures(300)
    got, expected = frequencies(tmp_path, [section_texts(measure) for measure in measures])
    assert got == expected
    assert max(expected.values()) > 1


# letters whose lowercase is longer or odd (ß, İ, ﬁ), combining marks, law numbers, digits
section_text = st.text(alphabet=st.sampled_from("abzAБвқоßİﬁΣς-/0123456789. \u0301\u0307ІoН"), max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from("tspvcd"), section_text), min_size=1, max_size=4), max_size=4))
def test_document_frequencies_of_any_text(tmp_path_factory, documents):
    got, expected = frequencies(tmp_path_factory.mktemp("w"), documents)
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=-2**62, max_value=2**62) | st.integers(min_value=0, max_value=20), max_size=200))
def test_distinct_is_numpy_unique(keys):
    keys = np.array(keys, dtype=np.int64)
    assert np.array_equal(distinct(keys), np.unique(keys))
    assert distinct(keys).dtype == np.int64


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20), st.sampled_from([1.0, 2.5]))
def test_an_id_value_is_its_one_term_as_whoosh_indexes_it(value, boost):
    from whoosh.fields import ID
    field = ID(unique=True, field_boost=boost)
    postings = FieldPostings("id", field)
    assert postings.whole
    term_ids, boosts = postings._item(value, remember=False)
    expected = list(field.index(value))
    assert [list(postings.term_ids)[i] for i in term_ids] == [term for term, _, _, _ in expected]
    assert boosts == [weight for _, _, weight, _ in expected]
