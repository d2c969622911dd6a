"""Issue 18: what an import refuses (sizes, control and bidi characters, declared sheet dimensions)."""

import csv
import os
import pathlib
import re
import shutil
import sys
import threading
import zipfile

import openpyxl
import pytest

from measuresearch.corpus import importer
from measuresearch.corpus.sources import sheets
from measuresearch.curation import submissions
from measuresearch.domain import limits
from measuresearch.domain import taxonomy
from measuresearch.errors import InputProblems, InvalidParameter

from conftest import CORPUS, SEED

HEADER = ["Country", "Pillar", "Sub-pillar", "Title", "Date", "Description", "Coverage"]
ROW = ["Kazakhstan", "Content access", "Presence of Internet shutdowns", "Test-only title", "Since 2020",
       "Test-only description.", "Horizontal"]
TITLE = "Law of the Republic of Kazakhstan No. 417-V dated November 24, 2015"


@pytest.fixture()
def out(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _refused(paths, out):
    before = _files(out)
    with pytest.raises(InputProblems) as caught:
        importer.import_files(paths, out)
    assert _files(out) == before
    return [str(problem) for problem in caught.value.problems]


BAD = {"NUL": "\x00", "ESC": "\x1b", "RLO": "\u202e", "isolate": "\u2067"}


@pytest.mark.parametrize("name", BAD)
def test_a_page_with_a_control_or_bidi_character_is_refused_like_a_proposal(tmp_path, out, name):
    text = SEED.read_text(encoding="utf-8").replace(TITLE, TITLE + BAD[name] + " evil", 1)
    page = tmp_path / "page.txt"
    page.write_text(text, encoding="utf-8")
    (problem,) = _refused([page], out)
    line = text[:text.index(TITLE)].count("\n") + 1
    assert problem.startswith(f"{page}:{line}: titles: refused character U+{ord(BAD[name]):04X}")
    # the proposal of the same title is refused too (the same classes: domain/limits.py)
    with pytest.raises(InvalidParameter) as caught:
        submissions.check_proposal({**dict(zip(("country", "pillar", "sub_pillar"), ROW)),
                                    "titles": [TITLE + BAD[name]], "dates": ["Since 2020"], "description": "x",
                                    "source_url": "https://example.org/"}, taxonomy.load(out))
    assert caught.value.parameter == "titles"


def test_the_marks_of_right_to_left_text_are_kept():
    assert limits.bad_character("\u0642\u0627\u0646\u0648\u0646 \u200f(No. 5)") is None
    assert limits.bad_character("line one\nline two", multiline=True) is None
    assert limits.bad_character("line one\nline two") == "refused character U+000A at position 9"


def test_a_cell_over_the_shared_limit_is_refused_with_its_row_and_column(tmp_path, out):
    path = tmp_path / "sheet.csv"
    most = limits.TEXT_LIMITS["description"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, ROW, ROW[:5] + ["d" * (most + 1), "Horizontal"]])
    assert _refused([path], out) == [f"{path}:3: column 'Description': description may be at most {most} "
                                     f"characters (got {most + 1})"]
    assert submissions.TEXT_LIMITS["description"] == most  # one limit for proposals and imports


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, out, monkeypatch):
    page = tmp_path / "page.txt"
    shutil.copy(SEED, page)
    monkeypatch.setattr(limits, "FILE_BYTES", page.stat().st_size - 1)
    (problem,) = _refused([page], out)
    assert problem.startswith(f"{page}:1: the file has {page.stat().st_size:,} bytes; at most ")


def test_a_device_that_never_ends_is_refused_at_the_limit(out, monkeypatch):
    # /dev/zero says it holds 0 bytes; read without a bound it fills the memory
    monkeypatch.setattr(limits, "FILE_BYTES", 1000)
    (problem,) = _refused(["/dev/zero"], out)
    assert problem == "/dev/zero:1: the file has more than 1,000 bytes; at most 1,000 are imported at once " \
                      "(split it into several files of one run)"


def _imported(page, tmp_path, folder):
    """Return the corpus files after importing page into a copy of the corpus, the page's name left out."""
    out = tmp_path / folder
    shutil.copytree(CORPUS, out)
    importer.import_files([page], out)
    name = re.escape(pathlib.Path(page).name).encode()
    return {file: re.sub(name, b"PAGE", data) for file, data in _files(out).items()}


def test_a_page_from_a_pipe_is_imported_like_its_file(tmp_path):
    # `measuresearch import <(curl ...)`: a pipe, whose size says 0
    page, fifo = tmp_path / "page.txt", tmp_path / "fifo"
    shutil.copy(SEED, page)
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(SEED.read_bytes()))
    writer.start()
    from_pipe = _imported(fifo, tmp_path, "a")
    writer.join()
    assert from_pipe == _imported(page, tmp_path, "b") != _files(CORPUS)


def test_a_page_saved_with_a_byte_order_mark_is_read_as_its_plain_copy(tmp_path):
    # Windows editors put U+FEFF first: it is no part of the first line ("\ufeffKAZAKHSTAN" is no economy)
    plain, marked = tmp_path / "plain.txt", tmp_path / "marked.txt"
    text = SEED.read_text(encoding="utf-8")
    plain.write_bytes(text.encode("utf-8"))
    for body in (text, text[text.index("KAZAKHSTAN"):]):  # with the page's first lines, and without them
        marked.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
        assert _imported(marked, tmp_path, "a") == _imported(plain, tmp_path, "b") != _files(CORPUS)
        for folder in ("a", "b"):
            shutil.rmtree(tmp_path / folder)


def test_a_page_with_windows_line_ends_is_read_as_its_plain_copy(tmp_path):
    plain, windows = tmp_path / "plain.txt", tmp_path / "windows.txt"
    text = SEED.read_text(encoding="utf-8")
    assert "\r" not in text
    plain.write_bytes(text.encode("utf-8"))
    windows.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert _imported(windows, tmp_path, "a") == _imported(plain, tmp_path, "b") != _files(CORPUS)


def _xlsx(path, rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _rewrite(path, member, change):
    """Rewrite one member of an .xlsx (a zip) with change(text)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[member] = change(members[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_sheet_is_read_by_its_rows_never_by_its_declared_dimension(tmp_path, out):
    path = _xlsx(tmp_path / "sheet.xlsx", [HEADER, ROW])
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>'
    _rewrite(path, "xl/worksheets/sheet1.xml",
             lambda xml: re.sub(r"<dimension ref=\"[^\"]*\" ?/>", "<dimension ref=\"A1:XFD1048576\"/>", xml)
             .replace("</sheetData>", far))
    assert path.stat().st_size < 10_000
    book = openpyxl.load_workbook(path, read_only=True)
    assert (book.active.max_row, book.active.max_column) == (1048576, 16384)  # what the file declares
    book.close()
    (label, rows), = list((label, list(rows)) for label, rows in sheets._sheets(path))
    present = [list(row[:7]) for row in rows if row]
    assert present == [HEADER, ROW, [None] * 7] and max(map(len, rows)) == limits.SHEET_COLUMNS
    report = importer.import_files([path], out)
    assert report.lines()[1].endswith("1 added, 0 changed, 0 unchanged, 0 missing from the page")
    assert report.lines()[0].endswith("[Sheet]: read 1 entries: 1 measures, 0 indicators")


def test_a_small_workbook_that_unpacks_to_a_huge_string_is_refused_unread(tmp_path, out, monkeypatch):
    path = _xlsx(tmp_path / "bomb.xlsx", [HEADER, ROW])
    monkeypatch.setattr(limits, "XLSX_UNPACKED_BYTES", 10 * 2**20)  # the same check, at a test's scale
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace("Test-only description.", "x" * (11 * 2**20)))
    assert path.stat().st_size < 100_000
    (problem,) = _refused([path], out)
    assert problem.startswith(f"{path}:1: the workbook unpacks to ") and "at most 10,485,760 are read" in problem


def test_rows_past_the_limit_are_refused(tmp_path, out, monkeypatch):
    monkeypatch.setattr(limits, "SHEET_ROWS", 3)
    path = tmp_path / "sheet.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER] + [ROW[:3] + [f"Test-only title {n}"] + ROW[4:] for n in range(5)])
    assert f"{path}:4: more than 3 rows; split the sheet" in _refused([path], out)


def test_every_refused_character_is_unprintable_so_printable_text_needs_no_scan():
    # bad_character answers None for printable text without its patterns: that holds while no character
    # the published classes (LINE_CHAR, TEXT_CHAR) refuse is printable. Every code point, both classes.
    line, text = re.compile(limits.LINE_CHAR), re.compile(limits.TEXT_CHAR)
    refused = [chr(c) for c in range(sys.maxunicode + 1) if not (line.fullmatch(chr(c)) and text.fullmatch(chr(c)))]
    assert len(refused) > 60 and not [c for c in refused if c.isprintable()]
    assert limits.bad_character("a\u202eb") == "refused character U+202E at position 2"
