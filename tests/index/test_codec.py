"""ArraySegmentWriter against Whoosh's own SegmentWriter: the same segment, read back."""

import functools
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.fields import ID, TEXT, Schema, UnknownFieldError

from measuresearch.text.analysis import index_terms, roman_analyzer, text_analyzer
from measuresearch.index.build.segments import ArraySegmentWriter, commit_segments
from measuresearch.index.format.codec import posting_extent
from measuresearch.index.build.postings import FieldPostings, SortedPostings
from measuresearch.index.format.schema import SCORED_FIELDS, SECTION_BOOSTS, build_schema, document, join_sections
from devtools.synthetic import Generator


def build_with_whoosh(folder, docs, compression):
    ix = whoosh_index.create_in(str(folder), build_schema())
    with ix.writer(codec=W3Codec(compression=compression)) as writer:
        for doc in docs:
            writer.add_document(**doc)
    return whoosh_index.open_dir(str(folder))


def build_with_arrays(folder, docs, compression):
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ArraySegmentWriter(ix, _lk=False, codec=W3Codec(compression=compression))
    for doc in docs:
        writer.add_document(**doc)
    commit_segments(ix, writer.finish_segment())
    return whoosh_index.open_dir(str(folder))


def term_record(reader, fieldname, term):
    """Everything the index says of one term: its statistics and its posting blocks as bytes."""
    info = reader.term_info(fieldname, term)
    offset, length = posting_extent(info)
    postfile = reader._terms._postfile
    postfile.seek(offset)
    stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight(),
             info.min_id(), info.max_id())
    return stats, postfile.read(length)


# (compression, tokens grouped at a time, postings per window): the defaults, and batch and
# window sizes so small that their boundaries fall inside documents and long posting lists
# (windows of 40 postings: a few terms each, or one term with more; a window of 1 costs the
# numpy set-up of a window per term, 100 s for this corpus)
WRITES = [(0, None, None), (3, None, None), (0, 97, 300), (3, 1, 40)]


@pytest.fixture(scope="module")
def docs(real_measures):
    return [document(measure) for measure in list(real_measures) + Generator(seed=11).measures(400)]


@pytest.fixture(scope="module")
def whoosh_builds(tmp_path_factory, docs):
    """Stock Whoosh's index of the documents, built once per compression level."""
    return functools.cache(lambda compression: build_with_whoosh(tmp_path_factory.mktemp("whoosh"), docs, compression))


@pytest.fixture(scope="module", params=WRITES, ids=["uncompressed", "zlib", "small-batches", "one-by-one"])
def two_indexes(request, tmp_path_factory, docs, whoosh_builds):
    compression, batch, window = request.param
    whoosh_ix = whoosh_builds(compression)
    with pytest.MonkeyPatch.context() as patch:
        if batch:
            patch.setattr(FieldPostings, "BATCH", batch)
            patch.setattr(SortedPostings, "WINDOW", window)
        arrays_ix = build_with_arrays(tmp_path_factory.mktemp("arrays"), docs, compression)
    with whoosh_ix.reader() as expected, arrays_ix.reader() as got:
        yield expected, got


def test_same_terms_statistics_and_posting_bytes(two_indexes):
    expected, got = two_indexes
    terms = list(expected.all_terms())
    assert list(got.all_terms()) == terms
    assert {name for name, _ in terms} >= {"text", "roman", "id", "country", "year"}
    for fieldname, term in terms:
        assert term_record(got, fieldname, term) == term_record(expected, fieldname, term), (fieldname, term)


def test_same_lengths_stored_fields_and_columns(two_indexes):
    expected, got = two_indexes
    count = expected.doc_count_all()
    assert got.doc_count_all() == count
    for fieldname in SCORED_FIELDS:
        assert got.field_length(fieldname) == expected.field_length(fieldname)
        assert ([got.doc_field_length(d, fieldname) for d in range(count)]
                == [expected.doc_field_length(d, fieldname) for d in range(count)])
    assert list(got.all_stored_fields()) == list(expected.all_stored_fields())
    # the stored column (written for all documents at once) byte for byte, its lengths table included
    for (leaf, _), (whoosh_leaf, _) in zip(got.leaf_readers(), expected.leaf_readers(), strict=True):
        assert stored_column_bytes(leaf) == stored_column_bytes(whoosh_leaf)
    # the segments' field lengths as the TOC pickles them (their order too), and each lengths column's bytes
    for (leaf, _), (whoosh_leaf, _) in zip(got.leaf_readers(), expected.leaf_readers(), strict=True):
        assert list(leaf._segment._fieldlengths.items()) == list(whoosh_leaf._segment._fieldlengths.items())
        for fieldname in SCORED_FIELDS:
            column = _lenfield(fieldname)
            assert leaf._perdoc.has_column(column) == whoosh_leaf._perdoc.has_column(column)
            if whoosh_leaf._perdoc.has_column(column):
                assert column_bytes(leaf, column) == column_bytes(whoosh_leaf, column)


def stored_column_bytes(leaf):
    colfile, offset, length = leaf._perdoc._get_column_file("_stored")
    return colfile.get(offset, length)


def column_bytes(leaf, column):
    reader = leaf._perdoc.column_reader(column, LENGTHS_COLUMN)
    return reader._count, reader._dbfile.get(reader._basepos, reader._count)


def test_blocks_of_a_long_posting_list_match(two_indexes):
    # "the" is in every synthetic description: several 128-posting blocks, the last one partial
    expected, got = two_indexes
    assert expected.doc_frequency("text", "the") > 3 * 128
    assert term_record(got, "text", "the") == term_record(expected, "text", "the")


section_text = st.text(alphabet=st.sampled_from("abz AБвқо-/0123456789.\u0301ІoН"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("tspvcd"), section_text), max_size=4))
def test_index_terms_are_the_analyzers_tokens(sections):
    value = join_sections(sections)
    for kind, analyzer, boosts in (("text", text_analyzer(SECTION_BOOSTS), SECTION_BOOSTS),
                                   ("roman", roman_analyzer(), None)):
        tokens = [(t.text, t.pos, t.boost) for t in analyzer(value, positions=True, boosts=True)]
        assert list(zip(*index_terms(value, kind, boosts))) == tokens


class ScoredID(ID):
    """An ID field whose lengths count in scores (at module level: the index pickles its schema)."""

    scorable = True


def test_unsupported_fields_are_refused(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), Schema(body=TEXT(vector=True)))
    with pytest.raises(TypeError, match="term vectors"):
        ArraySegmentWriter(ix, _lk=False)
    # what only Whoosh's per-document writer would write: a sortable field's column, a scored unanalysed field's lengths
    for schema in (Schema(body=TEXT(sortable=True)), Schema(tag=ID(sortable=True)), Schema(tag=ScoredID())):
        with pytest.raises(TypeError, match="not written"):
            ArraySegmentWriter(whoosh_index.create_in(str(tmp_path), schema), _lk=False)


def test_a_field_outside_the_schema_is_refused(tmp_path):
    writer = ArraySegmentWriter(whoosh_index.create_in(str(tmp_path), build_schema()), _lk=False)
    with pytest.raises(UnknownFieldError, match="'title'"):
        writer.add_document(id="a", title="Law")
    writer.add_document(id="b", text="Law")  # the refused document took no number
    commit_segments(whoosh_index.open_dir(str(tmp_path)), writer.finish_segment())
    with whoosh_index.open_dir(str(tmp_path)).searcher() as searcher:
        assert [fields["id"] for fields in searcher.all_stored_fields()] == ["b"]


def test_positions_are_little_endian_uint32_on_any_machine():
    from measuresearch.index.format.schema import PackedPositions
    encoded = PackedPositions().encode([1, 258, 70_000])
    assert encoded == b"\x01\x00\x00\x00" + b"\x02\x01\x00\x00" + b"\x70\x11\x01\x00"
    assert PackedPositions().decode_positions(encoded) == [1, 258, 70_000]


def test_another_whoosh_release_is_refused_with_a_message():
    from measuresearch.index.format.codec import check_whoosh
    from measuresearch.errors import UnsupportedWhoosh
    check_whoosh((2, 7, 5))
    for version in ((2, 7, 4), (2, 7, 6), (3, 0, 0)):
        with pytest.raises(UnsupportedWhoosh, match=r"Whoosh 2\.7\.5.*but Whoosh \d\.\d\.\d is installed"):
            check_whoosh(version)


def test_the_command_line_says_which_whoosh_it_needs(tmp_path):
    code = ("import sys, whoosh; whoosh.__version__ = (2, 7, 6); from measuresearch.cli.main import main; "
            f"sys.exit(main(['search', 'data', '--index', {str(tmp_path)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 3
    assert done.stderr.startswith("measuresearch: measuresearch reads and writes Whoosh 2.7.5's private")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("fixed", [False, True], ids=["whoosh-2.7.5-1-tuple", "fixed-int"])
def test_posting_extent_reads_the_length_either_way(two_indexes, monkeypatch, fixed):
    from whoosh.codec.whoosh3 import W3TermInfo

    from measuresearch.index.format.codec import term_blocks
    _, got = two_indexes
    leaf, base = next(iter(got.leaf_readers()))
    before = term_blocks(leaf, "text", "the", base)
    if fixed:
        original = W3TermInfo.extent
        monkeypatch.setattr(W3TermInfo, "extent", lambda self: (original(self)[0], original(self)[1][0]))
    offset, length = posting_extent(got.term_info("text", "the"))
    assert isinstance(length, int) and length > 3 * 128
    assert isinstance(W3TermInfo.extent(got.term_info("text", "the"))[1], int if fixed else tuple)
    after = term_blocks(leaf, "text", "the", base)
    assert [b[0].tolist() for b in after] == [b[0].tolist() for b in before]
    assert [b[2] for b in after] == [b[2] for b in before]


def test_stored_lengths_read_at_once_equal_whoosh_per_document(tmp_path, real_measures):
    from measuresearch.index.format.codec import stored_lengths
    docs = [document(measure) for measure in list(real_measures) + Generator(seed=4).measures(300)]
    for doc in docs[-3:]:  # the last documents have no romanization: the column ends before them
        del doc["roman"]
    ix = build_with_arrays(tmp_path, docs, 0)
    with ix.reader() as reader:
        perdoc = reader._perdoc
        for name in ("text", "roman", "country"):
            # Whoosh says None where a document has no length (the column's default)
            expected = [reader.doc_field_length(d, name) or 0 for d in range(len(docs))]
            assert stored_lengths(perdoc, name, len(docs)).tolist() == expected
        assert stored_lengths(perdoc, "roman", len(docs))[-3:].tolist() == [0, 0, 0]
        column = perdoc.column_reader(_lenfield("roman"), LENGTHS_COLUMN)
        assert column._count == len(docs) - 3  # the default tail is really exercised


def _segment_file(reader, suffix):
    segment = reader.segment()
    return reader._storage.open_file(segment.make_filename(suffix)).read()


def test_terms_tables_are_whoosh_s_byte_for_byte(two_indexes):
    """The terms file (term records, the 256 hash tables of linear probing, their directory, the key index) is the
    file Whoosh's own writer writes: blocks.write_hashes packs the hash tables Whoosh writes slot by slot."""
    expected, got = two_indexes
    assert _segment_file(got, ".trm") == _segment_file(expected, ".trm")


def test_positions_past_the_counting_slice_are_whoosh_s(tmp_path):
    # a document with many sections: its positions pass postings.COUNTING (each section moves them 100 further)
    from measuresearch.index.build.postings import COUNTING
    sections = [part for n in range(300) for part in (("t", f"Law {n} on data"), ("d", "data flows No. 418-V"),
                                                      ("d", "data"))]
    value = join_sections(sections)
    docs = [{"id": "long", "text": value, "exact": value}, {"id": "short", "text": "data law", "exact": "data law"}]
    (tmp_path / "w").mkdir(), (tmp_path / "a").mkdir()
    expected_ix, got_ix = build_with_whoosh(tmp_path / "w", docs, 0), build_with_arrays(tmp_path / "a", docs, 0)
    with expected_ix.reader() as expected, got_ix.reader() as got:
        positions = list(got.postings("text", "data").items_as("positions"))
        assert positions[0][1][-1] > len(COUNTING)
        assert positions == list(expected.postings("text", "data").items_as("positions"))
        for fieldname, term in (("text", "data"), ("text", "law"), ("text", "418-v"), ("exact", "data")):
            assert term_record(got, fieldname, term) == term_record(expected, fieldname, term), (fieldname, term)
