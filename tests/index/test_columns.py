"""The columnar copy of the postings: a build whose copy differs from its Whoosh segments is refused."""

import os

import numpy as np
import pytest

from measuresearch.errors import MeasureSearchError
from measuresearch.index.build import columns as posting_columns
from measuresearch.index.build import indexer, writers


@pytest.mark.parametrize("processes", [False, True], ids=["one-run", "writer-processes"])
def test_a_build_whose_columns_differ_from_whoosh_is_not_made_current(tmp_path, real_measures, monkeypatch, processes):
    """Each writer checks the segments it wrote; a difference found in a forked writer fails the build too."""
    if processes:
        monkeypatch.setattr(writers, "PARALLEL_FROM", 1)
        monkeypatch.setattr(writers, "writer_processes", lambda: 2)
    indexer.build(None, tmp_path, measures=real_measures)
    before = os.readlink(tmp_path / "current")
    written = posting_columns.ColumnsWriter._array

    def off_by_one(self, name, values):
        if name == "docs" and len(values):
            values = np.asarray(values).copy()
            values[-1] += 1  # the last posting of the field's last term names another document
        return written(self, name, values)

    monkeypatch.setattr(posting_columns.ColumnsWriter, "_array", off_by_one)
    with pytest.raises(MeasureSearchError, match="columnar postings"):
        indexer.build(None, tmp_path, measures=real_measures)
    assert os.readlink(tmp_path / "current") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".build-")]


def test_the_check_reads_every_field_of_every_segment(tmp_path, real_measures):
    report = indexer.build(None, tmp_path, measures=real_measures)
    folder = tmp_path / f"build-{report.index_id}"
    tables = [p for p in folder.iterdir() if p.name.startswith("columns-") and p.suffix == ".json"]
    assert len(tables) == 1
    posting_columns.check(folder)  # passes on an untouched build
    data = next(p for p in folder.iterdir() if p.name.startswith("columns-") and p.suffix == ".bin")
    raw = bytearray(data.read_bytes())
    raw[-4:] = (int.from_bytes(raw[-4:], "little") + 1).to_bytes(4, "little")  # the last position of the last field
    data.write_bytes(bytes(raw))
    with pytest.raises(MeasureSearchError, match="columnar postings"):
        posting_columns.check(folder)
