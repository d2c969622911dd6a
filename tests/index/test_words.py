"""The segment writer's words of a document against vocabulary.document_words of its texts."""

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from devtools.synthetic import Generator
from measuresearch.index.build.segments import ArraySegmentWriter
from measuresearch.index.format.schema import build_schema, document, join_sections, section_texts
from measuresearch.index.format.vocabulary import document_words


def test_document_words_of_the_word_ids_are_those_of_the_texts(tmp_path, real_measures):
    writer = ArraySegmentWriter(whoosh_index.create_in(str(tmp_path), build_schema()), _lk=False)
    try:
        for measure in list(real_measures) + Generator(seed=3).measures(200):
            sections = section_texts(measure)
            writer.add_document(**document(measure, sections))
            assert writer.document_words("text") == document_words(text for _, text in sections)
    finally:
        writer.cancel()


# letters whose lowercase is longer or odd (ß, İ, ﬁ), combining marks, law numbers, digits
section_text = st.text(alphabet=st.sampled_from("abzAБвқоßİﬁΣς-/0123456789. \u0301\u0307ІoН"), max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("tspvcd"), section_text), min_size=1, max_size=4))
def test_document_words_of_any_text(tmp_path_factory, sections):
    writer = ArraySegmentWriter(whoosh_index.create_in(str(tmp_path_factory.mktemp("w")), build_schema()), _lk=False)
    try:
        writer.add_document(id="x", text=join_sections(sections), exact=join_sections(sections))
        assert writer.document_words("text") == document_words(text for _, text in sections)
    finally:
        writer.cancel()
