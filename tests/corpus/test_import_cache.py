"""The import's JSON copy of each corpus file it writes (.import-cache) holds what the file holds.

The copy is written with orjson, which shows an infinite number as null and refuses an integer past
64 bits: a page can hold both (an indicator's value is the number the page prints), and the copy must
not turn them into something else. The reference is the corpus file read by PyYAML.
"""

import hashlib
import json

import pytest
import yaml

from measuresearch.corpus import importer

from conftest import SEED

P1 = "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods"
INDICATOR = ("\n\nKAZAKHSTAN\n\nN/A\n\nPillar " + P1 + "  |  Indicator Effective tariff rate on ICT goods "
             "(applied weighted average)\nEffective rate\n{value}\nCoverage: ICT goods\n")


@pytest.mark.parametrize("value", ["1.53%", "1" + "0" * 400 + ".5%", "9" * 30 + "%", "-" + "9" * 20])
def test_the_cache_holds_what_the_corpus_file_holds_and_the_next_import_finds_nothing_changed(tmp_path, value):
    page = tmp_path / "page.txt"
    page.write_text(SEED.read_text(encoding="utf-8") + INDICATOR.format(value=value), encoding="utf-8")
    out = tmp_path / "out"
    importer.import_files([page], out)
    raw = (out / "kazakhstan.yaml").read_bytes()
    cache = json.loads((out / importer.CACHE / "kazakhstan.yaml.json").read_text(encoding="utf-8"))
    assert cache["sha1"] == hashlib.sha1(raw).hexdigest()
    assert cache["document"] == yaml.safe_load(raw)
    assert [m for m in cache["document"]["measures"] if m.get("kind") == "indicator"][0]["values"][0]["value"] == \
        yaml.safe_load(f"[{value.rstrip('%')}]")[0]
    for _ in range(2):  # the first time from the copy, the second from the copy again
        report = importer.import_files([page], out)
        assert [(len(f.added), len(f.changed), f.unchanged) for f in report.files] == [(0, 0, 16)]
        assert (out / "kazakhstan.yaml").read_bytes() == raw


def test_a_copy_that_cannot_be_written_leaves_the_import_and_the_other_copies_whole(tmp_path):
    # the copies are written on a thread while the next is made: one that fails (its place taken by a folder)
    # is only a copy missed; the corpus files and every other copy are written
    from devtools import synthetic
    pages = synthetic.write_pages(synthetic.Generator(seed=5, tail=500, countries=4).measures(200), tmp_path / "pages")
    out = tmp_path / "out"
    importer.import_files(pages, tmp_path / "first")
    names = sorted(p.name for p in (tmp_path / "first").glob("*.yaml"))
    assert len(names) == 4
    (out / importer.CACHE / f"{names[1]}.json").mkdir(parents=True)
    importer.import_files(pages, out)
    assert {n: (out / n).read_bytes() for n in names} == {n: (tmp_path / "first" / n).read_bytes() for n in names}
    for name in names[:1] + names[2:]:
        cache = json.loads((out / importer.CACHE / f"{name}.json").read_text(encoding="utf-8"))
        assert cache["sha1"] == hashlib.sha1((out / name).read_bytes()).hexdigest()
    assert (out / importer.CACHE / f"{names[1]}.json").is_dir()
