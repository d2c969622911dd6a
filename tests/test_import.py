"""Issue 11: re-importing DTI pages (replayed on edited copies of the real page)."""

import pytest

from measuresearch import importer
from measuresearch.errors import InputProblems

from conftest import SEED


def _page(tmp_path, text, name="page.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def _line_of(text, fragment):
    return text[:text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize("old, new, message", [
    ("Pillar Content access", "Pillar Data policies",
     "unknown pillar 'Data policies'; did you mean 'Domestic data policies' or 'Cross-border data policies'? "
     "To add a new one, edit pillars in "),
    ("KAZAKHSTAN\n\nSince December 2003", "KAZAKSTAN\n\nSince December 2003",
     "unknown economy 'KAZAKSTAN'; did you mean 'Kazakhstan'"),
    ("Sub-pillar Presence of Internet shutdowns", "Sub-pillar Presence of Internet shutdown\n",
     "unknown sub-pillar of 'Content access' 'Presence of Internet shutdown'; did you mean "
     "'Presence of Internet shutdowns'?"),
])
def test_unknown_names_are_refused_before_anything_is_written(tmp_path, old, new, message):
    seed = SEED.read_text(encoding="utf-8")
    edited = seed.replace(old, new, 1)
    assert edited != seed
    page = _page(tmp_path, edited)
    out = tmp_path / "out"
    importer.import_pages([_page(tmp_path, seed, "seed.txt")], out)
    before = _files(out)
    with pytest.raises(InputProblems) as caught:
        importer.import_pages([page], out)
    assert [f"{p.path}:{p.line}" for p in caught.value.problems] == [f"{page}:{_line_of(edited, new.strip())}"]
    assert caught.value.problems[0].message.startswith(message)
    assert "taxonomy.yaml" in caught.value.problems[0].message
    assert _files(out) == before
