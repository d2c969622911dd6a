"""Records files: written run by run, read back by docnum."""

import json

import pytest

from measuresearch.index.format.records import RecordWriter, Records


def test_records_of_several_files_read_back_by_docnum(tmp_path):
    written = [[{"id": f"a{i}", "description": "Закон o «данных»\n" * i} for i in range(3)],
               [], [{"id": "b0", "titles": ["x"]}]]
    names = []
    for number, records in enumerate(written):
        writer = RecordWriter(tmp_path, f"records-{number}")
        for record in records:
            writer.add(json.dumps(record, ensure_ascii=False))
        writer.close()
        names.append(f"records-{number}")
    records = Records(tmp_path, names)
    try:
        flat = [record for run in written for record in run]
        assert len(records) == len(flat) == 4
        assert [records.get(d) for d in range(4)] == flat
        with pytest.raises(IndexError):
            records.get(4)
    finally:
        records.close()
