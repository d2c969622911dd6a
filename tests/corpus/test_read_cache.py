"""The build's kept copies of corpus files (read_cache.py) read as the YAML does, and never in its place when stale.

The reference is the corpus file read by PyYAML (a Checker that keeps nothing): its measures, tombstones, ids
with their lines, and every problem with its line must come out the same through a kept copy, and a build from
the copies must write the same records, facets and words as a build from the YAML.
"""

import dataclasses
import hashlib
import os
import pathlib
import shutil
import threading

import orjson
import pytest
import yaml

from measuresearch import storage
from measuresearch.corpus import files as corpus
from measuresearch.corpus import read_cache, yamlout
from measuresearch.domain import model, provenance
from measuresearch.index.build import indexer

from conftest import CORPUS


def _read(folder, keep):
    """Return everything a Checker finds in a corpus folder, as plain data."""
    checker = corpus.Checker(keep=keep)
    measures = [m.to_dict() for path in corpus.corpus_files(folder) for m in checker.file(path)]
    return measures, sorted(map(str, checker.problems)), checker.seen, checker.removed


def _no_yaml(monkeypatch):
    """Make reading a corpus file's YAML (by yamlin or PyYAML) fail the test (taxonomy.yaml and groups.yaml are
    read as ever)."""
    real = corpus._read_text

    def refuse(path, *args):
        assert pathlib.Path(path).name in corpus.DATA_FILES, f"the YAML of {path} was read"
        return real(path, *args)
    monkeypatch.setattr(corpus, "_read_text", refuse)


@pytest.fixture()
def folder(tmp_path):
    """A corpus of the real measures in two files, with tombstones and an accepted edit."""
    measures = corpus.load(CORPUS)
    edit = {"by": "proposal 3", "on": "2026-12-03", "url": "https://example.org/test-only/reader", "replaced": "a" * 40}
    kept = [*measures[:-3], dataclasses.replace(measures[-3], edited=edit)]
    removed = [provenance.tombstone(m.to_dict(), "pruned", "2026-12-03") for m in measures[-2:]]
    for name in corpus.DATA_FILES:
        shutil.copy(CORPUS / name, tmp_path / name)
    (tmp_path / "a.yaml").write_text(yamlout.dump(corpus.document(kept[:6])), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yamlout.dump(corpus.document(kept[6:], removed=removed)), encoding="utf-8")
    return tmp_path


def test_a_kept_copy_reads_as_the_yaml_does_without_parsing_it(folder, monkeypatch):
    reference = _read(folder, keep=False)
    assert not (folder / read_cache.FOLDER).exists()
    assert _read(folder, keep=True) == reference  # reads the YAML, keeps a copy of each file
    assert sorted(p.name for p in (folder / read_cache.FOLDER).iterdir()) == ["a.yaml.json", "b.yaml.json"]
    assert reference[0] and reference[3] and not reference[1]
    _no_yaml(monkeypatch)
    assert _read(folder, keep=True) == reference
    assert _read(folder, keep=True) == reference  # a kept copy's tombstones are not changed by reading them


def test_an_edited_file_and_other_code_are_read_from_the_yaml_again(folder, monkeypatch):
    _read(folder, keep=True)
    path = folder / "a.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("description: ", "description: Edited. ", 1),
                    encoding="utf-8")
    reference = _read(folder, keep=False)
    assert any(m["description"].startswith("Edited. ") for m in reference[0])
    assert _read(folder, keep=True) == reference
    parsed = []
    real = corpus._read_text
    monkeypatch.setattr(corpus, "_read_text", lambda *a, **k: parsed.append(a[0]) or real(*a, **k))
    assert _read(folder, keep=True) == reference and parsed == []
    monkeypatch.setattr(read_cache, "code_version", lambda: "another version of the code")
    assert _read(folder, keep=True) == reference
    assert sorted(map(str, parsed)) == [str(folder / "a.yaml"), str(folder / "b.yaml")]


def test_a_duplicate_id_across_kept_files_names_the_lines_the_yaml_does(folder, monkeypatch):
    shutil.copy(folder / "a.yaml", folder / "c.yaml")
    # and by hand, the id a measure's third key: the problem names the id's line, not the measure's
    text = (folder / "a.yaml").read_text(encoding="utf-8")
    first = text.index("- id: ")
    end = text.index("\n", first)
    moved = text[:first] + "- country:" + text[end:].split("country:", 1)[1]
    moved = moved.replace("  pillar:", "  " + text[first + 2:end] + "\n  pillar:", 1)
    (folder / "d.yaml").write_text(moved, encoding="utf-8")
    reference = _read(folder, keep=False)
    assert any("duplicate id" in line and str(folder / "c.yaml") in line for line in reference[1])
    assert not any(line.startswith(f"{folder / 'd.yaml'}:3: ") for line in reference[1])
    assert any(line.startswith(f"{folder / 'd.yaml'}:4: duplicate id") for line in reference[1])
    _read(folder, keep=True)
    _no_yaml(monkeypatch)
    assert _read(folder, keep=True) == reference


def test_a_problem_met_in_a_kept_file_names_its_key_line_as_the_yaml_does(folder, monkeypatch):
    _read(folder, keep=True)
    target = corpus.load(folder)[7].id
    real = model.validate

    def validate(data):  # a check that changed since the copy was kept (a taxonomy edited, a new rule)
        return real(data) + ([("titles", "flagged by the test")] if data.get("id") == target else [])
    monkeypatch.setattr(model, "validate", validate)
    reference = _read(folder, keep=False)
    flagged = [line for line in reference[1] if "flagged by the test" in line]
    assert len(flagged) == 1
    measure_line = int(flagged[0].split(":")[1])
    assert _read(folder, keep=True) == reference
    text = (folder / "b.yaml").read_text(encoding="utf-8").splitlines()
    assert text[measure_line - 1].strip() == "titles:"  # the key's own line, which only the YAML knows


def _entry(path):
    head, _, body = read_cache.entry_path(path).read_bytes().partition(b"\n")
    return orjson.loads(head), orjson.loads(body)


def _write_entry(path, header, body, sign=True):
    body = orjson.dumps(body)
    if sign:  # the copy's bytes as save() signs them: only its shape is wrong
        header = {**header, "sha1": hashlib.sha1(body).hexdigest()}
    read_cache.entry_path(path).write_bytes(orjson.dumps(header) + b"\n" + body)


DAMAGED = {
    "not json": lambda header, body: b"not json",
    "another key": lambda header, body: (header | {"key": "stale"}, body),
    "a description changed, the signature not": lambda header, body: (header, {**body, "data": {
        **body["data"], "measures": [{**body["data"]["measures"][0], "description": "Injected."},
                                     *body["data"]["measures"][1:]]}}, False),
    "measures not a list": lambda header, body: (header, {**body, "data": {"measures": "not a list"}}),
    "a measure not a mapping": lambda header, body: (header, {**body, "data": {
        **body["data"], "measures": ["text", *body["data"]["measures"][1:]]}}),
    "a line missing": lambda header, body: (header, {**body, "lines": body["lines"][:-1]}),
    "a line not a pair": lambda header, body: (header, {**body, "lines": [3, *body["lines"][1:]]}),
    "a line as text": lambda header, body: (header, {**body, "lines": [["3", 3], *body["lines"][1:]]}),
    "a tombstone without its id": lambda header, body: (header, {**body, "data": {
        **body["data"], "removed": [{"titles": []}, *body["data"]["removed"][1:]]}}),
    "cut short": lambda header, body: orjson.dumps(header) + b"\n" + orjson.dumps(body)[:-40],
}


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_kept_copy_that_does_not_fit_is_ignored_and_written_again(folder, damage):
    reference = _read(folder, keep=False)
    _read(folder, keep=True)
    path = folder / "b.yaml"  # the file with tombstones
    kept = read_cache.entry_path(path).read_bytes()
    damaged = DAMAGED[damage](*_entry(path))
    if isinstance(damaged, bytes):
        read_cache.entry_path(path).write_bytes(damaged)
    else:
        _write_entry(path, *damaged)
    assert read_cache.entry_path(path).read_bytes() != kept
    assert _read(folder, keep=True) == reference
    assert read_cache.entry_path(path).read_bytes() == kept


def test_a_fifo_a_link_or_a_folder_in_a_copys_place_neither_blocks_nor_litters(folder):
    reference = _read(folder, keep=False)
    cache = folder / read_cache.FOLDER
    cache.mkdir()
    os.mkfifo(read_cache.entry_path(folder / "a.yaml"))  # a read of it would wait for a writer forever
    read_cache.entry_path(folder / "b.yaml").mkdir()
    outside = folder.parent / "outside.json"
    outside.write_bytes(b"x")
    found = []
    reader = threading.Thread(target=lambda: found.append(_read(folder, keep=True)), daemon=True)
    reader.start()
    reader.join(30)
    assert found == [reference]
    assert sorted(p.name for p in cache.iterdir()) == ["a.yaml.json", "b.yaml.json"]  # nothing left beside them
    read_cache.entry_path(folder / "a.yaml").unlink()
    read_cache.entry_path(folder / "a.yaml").symlink_to(outside)
    assert _read(folder, keep=True) == reference
    assert outside.read_bytes() == b"x" and not read_cache.entry_path(folder / "a.yaml").is_symlink()


def test_a_build_removes_the_copies_of_files_no_longer_in_the_corpus(folder, tmp_path):
    indexer.build(folder, tmp_path / "index")
    stray = folder / read_cache.FOLDER / ".a.yaml.json.x1y2.tmp"  # a write killed before its rename
    stray.write_bytes(b"{")
    (folder / "a.yaml").rename(folder / "c.yaml")
    indexer.build(folder, tmp_path / "index")
    assert sorted(p.name for p in (folder / read_cache.FOLDER).iterdir()) == ["b.yaml.json", "c.yaml.json", "terms.json"]


@pytest.mark.parametrize("written", [
    ".inf", "-.Inf", ".NaN", "1.0e+400", "1" + "0" * 400 + ".5", "1_" + "000_" * 120 + "000.5", "2024-05-01",
    "2024-05-01 12:30:00", str(2 ** 70), "0x" + "F" * 20, "!!omap [{a: 1}]", "!!pairs [{a: 1}, {a: 2}]",
    "!!set {a, b}", "!!binary aGVsbG8=", "{1: one}", "1.53", "-0.0", str(2 ** 63), "1.0e-400", "yes"])
def test_a_value_json_would_give_back_as_another_is_read_from_the_yaml(folder, written, monkeypatch):
    # an indicator's value is the number its page prints; its `source` is a mapping a hand may write anything in
    path = folder / "a.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["measures"].append({
        "id": "kazakhstan-effective-tariff-rate-test-only", "country": "Kazakhstan",
        "pillar": "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods",
        "sub_pillar": "Effective tariff rate on ICT goods (applied weighted average)", "titles": ["Rate (test-only)"],
        "kind": "indicator", "values": [{"label": "Rate (test-only)", "value": 1.25, "unit": "%"}],
        "source": {"kind": "manual", "name": "test", "url": None, "first_imported": "2026-12-04", "note": "NOTE"},
        "last_imported": "2026-12-04"})
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    for marker in ("1.25", "NOTE"):  # the value as a page gives it, and anything in a mapping
        path.write_text(text.replace(marker, written), encoding="utf-8")
        reference = _read(folder, keep=False)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not corpus.read_document(path)[2]  # a file the build would keep a copy of
        assert _read(folder, keep=True) == reference
        kept = read_cache.load(path, path.read_bytes())
        assert kept is None or kept[0] == data, (written, marker)
        if kept is not None:  # and equal as JSON types too: no tuple for a list, no 1 for a True
            assert orjson.dumps(kept[0]) == orjson.dumps(data)
        if not reference[1]:  # (a problem sends the read back to the YAML for its line)
            parsed = []
            real = corpus._read_text
            monkeypatch.setattr(corpus, "_read_text", lambda *a: parsed.append(a[0]) or real(*a))
            assert _read(folder, keep=True) == reference
            monkeypatch.undo()
            assert (str(path) in map(str, parsed)) == (kept is None)


def test_a_folder_that_cannot_be_written_changes_nothing_but_the_time(folder, monkeypatch):
    def refuse(*_, **__):
        raise PermissionError("read-only")
    monkeypatch.setattr(storage, "write_text", refuse)
    assert _read(folder, keep=True) == _read(folder, keep=False)
    assert not any((folder / read_cache.FOLDER).glob("*"))


def test_a_build_from_kept_copies_writes_what_a_build_from_the_yaml_writes(folder, tmp_path, monkeypatch):
    def written(root):
        build = root / "current"
        return {name: (build / name).read_bytes() for name in (
            "records-0.jsonl", "records-0.offsets", "facets.json", "words.json", "removed.json", "fingerprints.json")}
    indexer.build(folder, tmp_path / "first")
    assert (folder / read_cache.FOLDER / "b.yaml.json").exists()
    _no_yaml(monkeypatch)
    indexer.build(folder, tmp_path / "second")
    first, second = written(tmp_path / "first"), written(tmp_path / "second")
    first.pop("fingerprints.json"), second.pop("fingerprints.json")  # names its build
    assert first == second


def test_a_library_file_rewritten_in_place_makes_every_copy_stale(tmp_path, monkeypatch):
    # `confusable_homoglyphs update` rewrites the data the analysis reads and keeps the library's version
    assert any(name.endswith("confusables.json") for name, _, _ in read_cache._installed("confusable_homoglyphs"))
    library = tmp_path / "lib" / "a_library_of_the_test"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("", encoding="utf-8")
    (library / "data.json").write_text('{"a": "а"}', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    monkeypatch.setattr(read_cache, "LIBRARIES", (*read_cache.LIBRARIES, "a_library_of_the_test"))
    read_cache.code_version.cache_clear()
    before = read_cache.code_version()
    (library / "data.json").write_text('{"a": "а", "b": "в"}', encoding="utf-8")
    read_cache.code_version.cache_clear()
    try:
        assert read_cache.code_version() != before
    finally:
        read_cache.code_version.cache_clear()


@pytest.mark.parametrize("written", ["x: !!bool y", "x: !!int", "x: !!float",
                                     "removed:\n- id: x\n  sub_pillar: y\n  titles: [t]\n  removed_on: '2024-01-01'\n"
                                     "  record: &r {a: *r}"])
def test_a_value_its_tag_cannot_read_or_a_record_holding_itself_is_a_problem_not_a_traceback(folder, written):
    path = folder / "a.yaml"
    path.write_text(path.read_text(encoding="utf-8") + written + "\n", encoding="utf-8")
    for keep in (False, True):
        problems = _read(folder, keep)[1]
        assert any(line.startswith(f"{path}:") for line in problems), problems
    assert not (folder / read_cache.FOLDER / "a.yaml.json").exists()
