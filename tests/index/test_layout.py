"""A build records its format and schema fingerprint; a build this version cannot read asks for a rebuild."""

import json
import subprocess
import sys

import falcon.testing
import pytest
from conftest import CORPUS
from whoosh.formats import Positions

from measuresearch.index.format import layout
from measuresearch.index.format import schema
from measuresearch.cli.main import main
from measuresearch.index.engine import IndexHolder
from measuresearch.web.app import create_app


def build_index(root):
    assert main(["index", "--corpus", str(CORPUS), "--index", str(root)]) == 0
    return layout.current_build(root)


def edit_meta(folder, **changes):
    meta = json.loads((folder / layout.META).read_text(encoding="utf-8"))
    meta.update(changes)
    (folder / layout.META).write_text(json.dumps(meta), encoding="utf-8")


def api_search(root):
    holder = IndexHolder(root)
    try:
        return falcon.testing.TestClient(create_app(holder)).simulate_get("/api/search", params={"q": "data"})
    finally:
        holder.close()


def test_the_fingerprint_names_every_class_and_is_the_same_in_another_process():
    code = "from measuresearch.index.format.schema import current_fingerprint; print(current_fingerprint())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == schema.current_fingerprint() == schema.schema_fingerprint(schema.build_schema())


class RenamedPositions(Positions):
    """PackedPositions as if it had been moved to another module under another name."""


def test_a_moved_class_or_a_new_field_changes_the_fingerprint():
    moved = schema.build_schema()
    moved["text"].format.__class__ = RenamedPositions
    assert schema.schema_fingerprint(moved) != schema.current_fingerprint()
    grown = schema.build_schema()
    grown.add("extra", type(grown["id"])())
    assert schema.schema_fingerprint(grown) != schema.current_fingerprint()


def test_another_schema_is_503_rebuild_and_index_if_needed_rebuilds_it(tmp_path, capsys):
    root = tmp_path / "index"
    folder = build_index(root)
    assert layout.usable(root)
    assert api_search(root).status_code == 200
    edit_meta(folder, schema="0123456789abcdef")  # as if built with classes that have since moved
    assert not layout.usable(root)
    response = api_search(root)
    assert response.status_code == 503
    message = response.json["error"]["message"]
    assert "schema" in message and "make index" in message and "Traceback" not in message
    capsys.readouterr()
    assert main(["index", "--if-needed", "--corpus", str(CORPUS), "--index", str(root)]) == 0
    assert capsys.readouterr().out.startswith("indexed ")
    assert layout.current_build(root) != folder and layout.usable(root)
    assert api_search(root).status_code == 200
    assert main(["index", "--if-needed", "--corpus", str(CORPUS), "--index", str(root)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_a_build_of_an_older_format_is_not_usable(tmp_path):
    root = tmp_path / "index"
    folder = build_index(root)
    edit_meta(folder, format=layout.FORMAT_VERSION - 1)
    assert not layout.usable(root)
    assert api_search(root).status_code == 503


def test_a_pickled_class_that_no_longer_exists_is_503_not_a_traceback(tmp_path):
    root = tmp_path / "index"
    folder = build_index(root)
    [toc] = folder.glob("*.toc")
    data = toc.read_bytes()
    name = b"measuresearch.index.format.schema\nPackedPositions"
    assert data.count(name) == 1  # a GLOBAL of the pickled schema
    toc.write_bytes(data.replace(name, name[:-1] + b"Z"))
    response = api_search(root)
    assert response.status_code == 503
    assert "make index" in response.json["error"]["message"]


def _zero(path):
    path.write_bytes(bytes(path.stat().st_size))


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, pattern", [
    (_zero, "columns-*.bin"),  # read as no posting at all: every word found nowhere, 200 and total 0
    (_flip, "records-*.jsonl"),  # another text served as the record's
    (lambda path: path.unlink(), "groups.json"),  # group=EAEU found nothing
    (lambda path: path.write_bytes(path.read_bytes()[:-7]), "facets.json"),
    (lambda path: path.unlink(), "*.seg"),
])
def test_a_build_whose_files_were_damaged_is_refused_and_index_if_needed_rebuilds_it(tmp_path, capsys, damage,
                                                                                   pattern):
    root = tmp_path / "index"
    folder = build_index(root)
    before = api_search(root).json
    [path] = folder.glob(pattern)
    damage(path)
    assert not layout.usable(root)
    response = api_search(root)
    assert response.status_code == 503 and path.name in response.json["error"]["message"]
    capsys.readouterr()
    assert main(["index", "--if-needed", "--corpus", str(CORPUS), "--index", str(root)]) == 0
    assert capsys.readouterr().out.startswith("indexed ")
    after = api_search(root).json
    assert [h["id"] for h in after["hits"]] == [h["id"] for h in before["hits"]] and after["total"] == before["total"]


def test_a_large_file_is_sampled_at_pickup_and_read_whole_by_index_if_needed(tmp_path, monkeypatch):
    # a 100k build is 1.4 GB: its larger files are checked at pickup by size and spread samples (zeroed:
    # refused), and every byte by `index --if-needed`, which a changed byte between samples does not pass
    monkeypatch.setattr(layout, "WHOLE_UNDER", 4096)
    monkeypatch.setattr(layout, "SAMPLE_BYTES", 256)
    root = tmp_path / "index"
    folder = build_index(root)
    [records] = folder.glob("records-*.jsonl")
    size = records.stat().st_size
    assert size > 4 * layout.WHOLE_UNDER
    listed = json.loads((folder / layout.MANIFEST).read_text(encoding="utf-8"))
    assert len(listed[records.name][2]) == layout.SAMPLES
    data = bytearray(records.read_bytes())
    spot = next(at for at in range(size // 2, size) if all(
        not (start <= at < start + layout.SAMPLE_BYTES)
        for start in ((size - layout.SAMPLE_BYTES) * n // (layout.SAMPLES - 1) for n in range(layout.SAMPLES))))
    data[spot] ^= 0x01
    records.write_bytes(bytes(data))
    assert layout.damaged(folder) is None  # between the samples: not seen at pickup
    assert "records" in layout.damaged(folder, whole=True) and not layout.usable(root)
    _zero(records)
    assert "records" in layout.damaged(folder) and api_search(root).status_code == 503
