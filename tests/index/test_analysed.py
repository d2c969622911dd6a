"""The terms a build kept of each word (index/build/analysed.py) are the analysis's, and a build from them is the same.

The reference is text/analysis.terms itself, asked of every word kept, and a build of the same corpus that
kept nothing: its postings (the columnar copy of every field, segment by segment), records, facets and words
must come out byte for byte the same from a build that read the terms the last one kept.
"""

import collections
import json
import pathlib
import shutil

import orjson
import pytest
from whoosh import index as whoosh_index

from measuresearch import storage
from measuresearch.corpus import files as corpus
from measuresearch.corpus import read_cache
from measuresearch.index.build import analysed, indexer, writers
from measuresearch.index.format import layout
from measuresearch.index.format.codec import segment_ids
from measuresearch.index.format.columns import file_names
from measuresearch.text.analysis import is_law_number, terms
from devtools.synthetic import Generator

from conftest import CORPUS


@pytest.fixture()
def folder(tmp_path):
    """Synthetic measures (a temporary folder, never corpus/) and the real ones, one file per country."""
    target = tmp_path / "corpus"
    target.mkdir()
    for name in corpus.DATA_FILES:
        shutil.copy(CORPUS / name, target / name)
    by_country = collections.defaultdict(list)
    for measure in [*Generator(seed=3).measures(600), *corpus.load(CORPUS)]:
        by_country[measure.country].append(measure)
    for number, (_, group) in enumerate(sorted(by_country.items())):
        storage.write_text(target / f"{number:03d}.yaml", corpus.dump(group))
    return target


@pytest.fixture(autouse=True)
def two_writers(monkeypatch):
    """Two writer processes, whatever the corpus's size and the machine's cores: each sends its new words back."""
    monkeypatch.setattr(writers, "PARALLEL_FROM_BYTES", 1)
    monkeypatch.setattr(writers, "writer_processes", lambda: 2)


def _written(root):
    """Return the postings of every field (columnar copies, segment by segment), records, facets and words."""
    build = layout.current_build(root)
    ix = whoosh_index.open_dir(str(build))
    with ix.reader() as reader:
        segments = [segment for segment, _ in segment_ids(reader)]
    ix.close()
    found = {}
    for number, segment in enumerate(segments):  # in document order
        data, table = (build / name for name in file_names(segment))
        found[f"columns {number}"] = (json.loads(table.read_text()), data.read_bytes())
    for name in ("records-0.jsonl", "records-1.jsonl", "facets.json", "words.json"):
        found[name] = (build / name).read_bytes()
    return found


def _kept(folder):
    """Return the copy's layers, each as {kind: {word: [term, ...]}}, and all of them merged."""
    path = folder / read_cache.FOLDER / analysed.NAME
    layers = [{kind: {word: joined.split(" ") if joined else [] for word, joined in zip(words, terms, strict=True)}
               for kind, (words, terms) in layer.items()}
              for layer in orjson.loads(path.read_bytes().partition(b"\n")[2])]
    merged = collections.defaultdict(dict)
    for layer in layers:
        for kind, table in layer.items():
            merged[kind].update(table)
    return layers, merged


def test_the_terms_kept_are_the_analysis_of_each_word(folder, tmp_path):
    indexer.build(folder, tmp_path / "index")
    layers, merged = _kept(folder)
    assert len(layers) == 3 and layers[0] == {kind: {} for kind in analysed.KINDS}  # none known; two writers' words
    assert all(len(merged[kind]) > 1_000 for kind in analysed.KINDS)
    for kind, table in merged.items():
        for word, found in table.items():
            assert found == list(terms(word, is_law_number(word), kind)), (kind, word)


def test_a_build_from_the_kept_terms_writes_what_a_build_without_them_writes(folder, tmp_path, monkeypatch):
    # with words whose terms a joined text cannot keep: "Ъ" and "ь" (romanization key ""), U+FC62 (a space in it)
    path = sorted(folder.glob("0*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace("description: ", "description: Ъ ь \ufc62 ", 1),
                    encoding="utf-8")
    indexer.build(folder, tmp_path / "first")
    kept = (folder / read_cache.FOLDER / analysed.NAME).read_bytes()
    asked = []
    monkeypatch.setattr(analysed, "_analyse", lambda *args: asked.append(args) or terms(*args))
    indexer.build(folder, tmp_path / "second")
    assert asked == []  # in this process; the forked writers' new words would have been kept again:
    assert (folder / read_cache.FOLDER / analysed.NAME).read_bytes() == kept
    assert _written(tmp_path / "first") == _written(tmp_path / "second")


def test_new_words_are_added_to_the_kept_ones_and_other_code_keeps_none(folder, tmp_path, monkeypatch):
    indexer.build(folder, tmp_path / "index")
    before = _kept(folder)[1]
    path = sorted(folder.glob("0*.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace("description: ", "description: Zyxwvut qwertyuiop. ", 1),
                    encoding="utf-8")
    indexer.build(folder, tmp_path / "index")
    layers, merged = _kept(folder)
    assert len(layers) == 2 and layers[0] == before  # what it knew, then the new words of the one writer with some
    assert "zyxwvut" in merged["exact"] and set(merged["exact"]) - set(before["exact"]) == {"zyxwvut", "qwertyuiop"}
    monkeypatch.setattr(read_cache, "code_version", lambda: "another version of the code")
    assert analysed.read(folder).known == {kind: {} for kind in analysed.KINDS}


@pytest.mark.parametrize("damage", ["signature", "not layers", "a term not text", "words and terms apart",
                                    "a kind unknown"])
def test_damaged_kept_terms_are_read_as_none_and_the_build_is_the_same(folder, tmp_path, damage):
    indexer.build(folder, tmp_path / "first")
    path = folder / read_cache.FOLDER / analysed.NAME
    head, _, body = path.read_bytes().partition(b"\n")
    layers = orjson.loads(body)
    if damage == "signature":
        body = body.replace(b'"exact":[["', b'"exact":[["forged', 1)  # a word changed, its SHA-1 not
    else:
        layers = {"not layers": "x", "a term not text": [{"text": [["data"], [1]]}],
                  "words and terms apart": [{"text": [["data", "law"], ["data"]]}],
                  "a kind unknown": [{"other": [[], []]}]}[damage]
        body = orjson.dumps(layers)
        head = orjson.dumps({**orjson.loads(head), "sha1": __import__("hashlib").sha1(body).hexdigest()})
    path.write_bytes(head + b"\n" + body)
    assert analysed.read(folder).known == {kind: {} for kind in analysed.KINDS}
    indexer.build(folder, tmp_path / "second")
    assert _written(tmp_path / "first") == _written(tmp_path / "second")
    assert pathlib.Path(path).exists()


def test_words_gone_from_the_corpus_go_from_the_kept_terms_when_they_are_written_again(folder, tmp_path):
    path = sorted(folder.glob("0*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("description: ", "description: Zyxwvut. ", 1), encoding="utf-8")
    indexer.build(folder, tmp_path / "index")
    assert "zyxwvut" in _kept(folder)[1]["exact"]
    path.write_text(text.replace("description: ", "description: Qwertyuiop. ", 1), encoding="utf-8")
    indexer.build(folder, tmp_path / "index")
    merged = _kept(folder)[1]
    assert "qwertyuiop" in merged["exact"] and "zyxwvut" not in merged["exact"]
    corpus_words = set(merged["exact"])
    fresh = tmp_path / "fresh"
    shutil.copytree(folder, fresh, ignore=shutil.ignore_patterns(read_cache.FOLDER))
    indexer.build(fresh, tmp_path / "fresh-index")
    assert set(_kept(fresh)[1]["exact"]) == corpus_words  # what a build of the same corpus from nothing keeps


def test_a_word_whose_terms_hold_the_separator_is_analysed_but_not_kept(monkeypatch):
    monkeypatch.setattr(analysed, "_analyse", lambda word, law, kind: ("two words", word))
    table = analysed.Analysed()
    assert table.terms("text", "data") == ["two words", "data"]
    assert table.known["text"] == {} and table.new_json() == b""  # read back, "two words" would be two terms


def test_a_word_without_terms_is_kept_as_none(monkeypatch):
    table = analysed.Analysed({kind: {} for kind in analysed.KINDS})
    monkeypatch.setattr(analysed, "_analyse", lambda word, law, kind: ())
    assert table.terms("exact", "the") == []
    assert table.terms("exact", "the") == []  # known now, read back from its joined terms
    assert orjson.loads(table.new_json())["exact"] == [["the"], [""]]


@pytest.mark.parametrize("word", ["ь", "Ъ", "\ufc62", "\u037a", "data", "the", "418-V", "Закон", "қaz"])
def test_a_word_s_terms_read_back_from_the_kept_copy_are_the_analysis_s(word):
    # "ь" has one romanization key, "" (joined: no term at all); NFKC gives U+FC62 and U+037A a term with a space
    table = analysed.Analysed()
    for kind in analysed.KINDS:
        expected = list(terms(word, is_law_number(word), kind))
        assert table.terms(kind, word) == expected
        assert table.terms(kind, word) == expected, kind  # known now
    layer = orjson.loads(table.new_json() or b"{}")
    kept = analysed.Analysed({kind: dict(zip(*layer.get(kind, [[], []]))) for kind in analysed.KINDS})
    for kind in analysed.KINDS:
        assert kept.terms(kind, word) == list(terms(word, is_law_number(word), kind)), kind
