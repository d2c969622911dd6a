"""Issue 11: importing .csv and .xlsx sheets; the same checks, report and identity as pages."""

import csv
import zipfile

import openpyxl
import pytest

from measuresearch.corpus import files as corpus
from measuresearch.corpus.sources import dti_page as dti
from measuresearch.corpus import importer
from measuresearch.corpus.sources import sheets
from measuresearch.cli.main import main
from measuresearch.errors import InputProblems

from conftest import SEED

HEADER = ["Country", "Pillar", "Sub-pillar", "Title", "Date", "Description", "Coverage"]


@pytest.fixture(scope="module")
def seed_measures():
    measures, problems = dti.parse_page(SEED.read_text(encoding="utf-8"))
    assert not problems
    return measures


def _rows(measures, country=lambda m: m.country.upper()):
    return [[country(m), m.pillar, m.sub_pillar, "\n".join(m.titles), "\n".join(m.dates), m.description,
             m.coverage or ""] for m in measures]


def _csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _xlsx(path, header, rows, title="Measures"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in [header, *rows]:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_sheet_of_the_real_page_imports_like_the_page(tmp_path, seed_measures, kind):
    write = _csv if kind == "csv" else _xlsx
    sheet = write(tmp_path / f"dti.{kind}", HEADER, _rows(seed_measures))
    report = importer.import_files([sheet], tmp_path / "from-sheet")
    importer.import_files([SEED], tmp_path / "from-page")
    source = f"{sheet}[Measures]" if kind == "xlsx" else f"{sheet}"  # a workbook is read sheet by sheet
    assert report.lines() == [f"{source}: read 15 entries: 15 measures, 0 indicators",
                              f"{tmp_path / 'from-sheet' / 'kazakhstan.yaml'}: 15 added, 0 changed, 0 unchanged, "
                              "0 missing from the page"]
    def text(measure):
        return {k: v for k, v in measure.to_dict().items() if k != "source"}
    from_sheet = corpus.load(tmp_path / "from-sheet")
    assert [text(m) for m in from_sheet] == [text(m) for m in corpus.load(tmp_path / "from-page")]
    assert {(m.source["kind"], m.source["name"]) for m in from_sheet} == {("sheet", f"dti.{kind}")}
    # the page after the sheet: the same measures, all unchanged; the sheet's records stay the sheet's
    again = importer.import_files([SEED], tmp_path / "from-sheet")
    assert again.lines()[1].endswith("0 added, 0 changed, 15 unchanged, 0 missing from the page")
    assert [m.to_dict() for m in corpus.load(tmp_path / "from-sheet")] == [m.to_dict() for m in from_sheet]


def test_map_names_other_columns(tmp_path, seed_measures):
    header = ["Economy name", "Pillar", "Indicator", "Measure", "Dates", "Text", "Scope"]
    sheet = _csv(tmp_path / "other.csv", header, _rows(seed_measures[:3]))
    with pytest.raises(InputProblems, match="header row: no column 'Country', 'Sub-pillar', 'Title', 'Description'"):
        importer.import_files([sheet], tmp_path / "out")
    mapping = sheets.parse_mapping(["Economy name=country", "Indicator=sub_pillar", "Measure=titles",
                                    "Text=description", "Scope=coverage"])
    report = importer.import_files([sheet], tmp_path / "out", mapping=mapping)
    assert report.lines()[1].endswith("3 added, 0 changed, 0 unchanged, 0 missing from the page")
    with pytest.raises(ValueError, match="FIELD one of country"):
        sheets.parse_mapping(["Measure=title_text"])


@pytest.mark.parametrize("maps, missing", [
    (["Linkss=sources"], "'Linkss'"),
    (["Coverage (detailled)=coverage"], "'Coverage (detailled)'"),
    (["Linkss=sources", "Coverage (detailled)=coverage"], "'Coverage (detailled)', 'Linkss'"),
    (["Descripton=description"], "'Descripton'"),
])
def test_a_map_naming_a_column_the_header_lacks_is_refused_for_every_field(tmp_path, seed_measures, maps, missing):
    """An optional field's mapped column missing had been ignored: its values, even the default Coverage, dropped."""
    rows = [row + [row[6], "https://example.org/law"] for row in _rows(seed_measures[:2])]
    sheet = _csv(tmp_path / "mapped.csv", HEADER + ["Coverage (detailed)", "Links"], rows)
    with pytest.raises(InputProblems) as caught:
        importer.import_files([sheet], tmp_path / "out", mapping=sheets.parse_mapping(maps))
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"{sheet}:1: header row: no column {missing} (columns: 'Country',"), problem
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.yaml"))
    # spelled as the header has it, the mapped columns are read
    fixed = [item.replace("Linkss", "Links").replace("detailled", "detailed").replace("Descripton", "Description")
             for item in maps]
    importer.import_files([sheet], tmp_path / "out", mapping=sheets.parse_mapping(fixed))
    stored = corpus.load(tmp_path / "out")
    assert [m.sources for m in stored] == [["https://example.org/law"] if "Linkss=sources" in maps else []] * 2
    assert [m.coverage for m in stored] == [m.coverage for m in seed_measures[:2]] and stored[0].coverage


CUT_ROW = 'Kazakhstan,Content access,Restrictions on online advertising,Advertisement Law,Since December 2003,'


@pytest.mark.parametrize("rows, row, line", [
    (CUT_ROW + '"Comparative advertising is prohibited. Advertisement must be reliable and recogn', 2, 2),
    (CUT_ROW + '"Comparative advertising is prohibited.\nAdvertisement must be', 2, 2),
    # the row before holds cells of two lines; the cut row begins on line 6, its cut cell on line 8
    ('Kazakhstan,Content access,Restrictions on online advertising,"Advertisement Law\r\nMass Media Law",'
     '"Since December 2003\r\nSince July 1999","Two\r\nlines.",Horizontal\r\n'
     'Kazakhstan,Content access,Restrictions on online advertising,"Law on Communications\r\nThird\r\nline",'
     'Since 2004,"A description ""quoted"" and cut', 3, 8),
])
def test_a_csv_cut_inside_a_quoted_cell_is_refused_naming_the_line_of_the_quote(tmp_path, capsys, rows, row, line):
    """A quoted cell never closed (a file cut short) had been kept cut, the run exiting 0."""
    sheet = tmp_path / "cut.csv"
    sheet.write_text(",".join(HEADER) + "\n" + rows, encoding="utf-8", newline="")
    with pytest.raises(InputProblems) as caught:
        importer.import_files([sheet], tmp_path / "out")
    assert [str(p) for p in caught.value.problems] == [
        f"{sheet}:{row}: the quoted cell that begins on line {line} is never closed: the file ends inside it "
        "(was it cut short?)"]
    assert main(["import", str(sheet), "--out", str(tmp_path / "out")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.yaml"))


def test_a_csv_with_text_after_a_closing_quote_is_refused_and_a_well_formed_one_read_whole(tmp_path):
    """csv's strict mode refuses a quote inside a quoted cell left single (its text had been glued silently)."""
    sheet = tmp_path / "quotes.csv"
    sheet.write_text(",".join(HEADER) + "\n" + CUT_ROW + '"He said "hi" there.",Horizontal\n', encoding="utf-8")
    with pytest.raises(InputProblems, match=r"quotes.csv:2: line 2 is not well-formed CSV: ',' expected after '\"'"):
        importer.import_files([sheet], tmp_path / "out")
    # doubled quotes, a quote inside an unquoted cell, a quoted last cell with no line break after it: read as written
    sheet.write_text(",".join(HEADER) + "\r\n" + CUT_ROW.replace("Advertisement Law", 'The 5" Law') +
                     '"He said ""hi"" there.","Horizontal"', encoding="utf-8", newline="")
    importer.import_files([sheet], tmp_path / "out")
    [measure] = corpus.load(tmp_path / "out")
    assert (measure.titles, measure.description, measure.coverage) == (['The 5" Law'], 'He said "hi" there.',
                                                                       "Horizontal")


def _rewrite_xlsx(path, change):
    """Rewrite the first worksheet's XML of an .xlsx with change(text), as another program may have written it."""
    with zipfile.ZipFile(path) as archive:
        members = [(member, archive.read(member)) for member in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members:
            if member.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode("utf-8")).encode("utf-8")
            archive.writestr(member, data)
    return path


@pytest.mark.parametrize("kind, line_break", [("csv", "\r\n"), ("csv", "\r"), ("xlsx", "&#13;\n"), ("xlsx", "&#13;"),
                                              ("xlsx", "_x000D_\n"), ("xlsx", "_x000d_")])
def test_line_breaks_inside_cells_are_stored_as_line_feeds_whatever_the_file_wrote(tmp_path, kind, line_break):
    """A CRLF inside a .csv cell had been stored as "\\r\\n": the same sheet with LF line ends reported 1 changed."""
    row = ["Kazakhstan", "Content access", "Restrictions on online advertising", "Advertisement Law\nLaw on Mass Media",
           "Since December 2003\nSince July 1999", "Comparative advertising is prohibited.\nSecond line.", "Horizontal"]
    out = tmp_path / "corpus"
    importer.import_files([_csv(tmp_path / "lf.csv", HEADER, [row])], out)
    if kind == "csv":
        sheet = tmp_path / "other.csv"
        sheet.write_text((",".join(HEADER) + "\n" + ",".join(f'"{cell}"' for cell in row) + "\n")
                         .replace("\n", line_break), encoding="utf-8", newline="")
    else:
        sheet = _rewrite_xlsx(_xlsx(tmp_path / "other.xlsx", HEADER, [row]), lambda xml: xml.replace("\n", line_break))
    report = importer.import_files([sheet], out, dry_run=True)
    assert report.lines()[1].endswith("0 added, 0 changed, 1 unchanged, 0 missing from the page"), report.lines()
    importer.import_files([sheet], tmp_path / "from-other")
    [measure] = corpus.load(tmp_path / "from-other")
    assert measure.description == "Comparative advertising is prohibited.\nSecond line."
    assert (measure.titles, measure.dates) == (["Advertisement Law", "Law on Mass Media"],
                                               ["Since December 2003", "Since July 1999"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_sheet_with_a_header_and_no_entries_is_refused(tmp_path, capsys, kind):
    """A header and no row below it had exited 0 printing nothing, while an empty file is refused."""
    write = _csv if kind == "csv" else _xlsx
    sheet = write(tmp_path / f"header-only.{kind}", HEADER, [])
    where = f"{sheet}[Measures]" if kind == "xlsx" else f"{sheet}"
    with pytest.raises(InputProblems) as caught:
        importer.import_files([sheet], tmp_path / "out")
    assert [str(p) for p in caught.value.problems] == [f"{where}:1: no entries below the header row (one measure a row)"]
    # blank rows around the header hold no entry either; the problem names the header's row
    sheet = write(tmp_path / f"blank-rows.{kind}", [""] * 7, [HEADER, [""] * 7, [None] * 7])
    where = f"{sheet}[Measures]" if kind == "xlsx" else f"{sheet}"
    assert main(["import", str(sheet), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{where}:2: no entries below the header row (one measure a row)" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.yaml"))


def test_a_sheet_with_bad_rows_is_refused_naming_sheet_row_and_column(tmp_path, seed_measures):
    rows = _rows(seed_measures[:4])
    rows[1][1] = "Data policies"  # row 3: unknown pillar
    rows[2][4] = "Since Smarch 2021"  # row 4: bad date line
    rows[3][0] = "KAZAKSTAN"  # row 5: unknown economy
    sheet = _xlsx(tmp_path / "bad.xlsx", HEADER, rows, title="DTI export")
    with pytest.raises(InputProblems) as caught:
        importer.import_files([sheet], tmp_path / "out")
    found = [str(p) for p in caught.value.problems]
    where = f"{sheet}[DTI export]"
    assert found[0].startswith(f"{where}:4: column 'Date': expected a date line such as 'Since July 2018'")
    assert found[1].startswith(f"{where}:3: column 'Pillar': unknown pillar 'Data policies'; did you mean")
    assert found[2].startswith(f"{where}:5: column 'Country': unknown economy 'KAZAKSTAN'; did you mean 'Kazakhstan'")
    assert len(found) == 3
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.yaml"))


def test_empty_cells_and_spreadsheet_dates_are_named(tmp_path, seed_measures):
    import datetime
    rows = _rows(seed_measures[:2])
    rows[0][5] = ""
    rows[1][4] = datetime.datetime(2021, 2, 1)
    sheet = _xlsx(tmp_path / "cells.xlsx", HEADER, rows)
    with pytest.raises(InputProblems) as caught:
        importer.import_files([sheet], tmp_path / "out")
    found = [str(p) for p in caught.value.problems]
    assert found == [f"{sheet}[Measures]:2: column 'Description': empty; every measure needs its description",
                     f"{sheet}[Measures]:3: column 'Date': expected text, found a spreadsheet date "
                     "(2021-02-01 00:00:00); write the date line as text, e.g. 'Since July 2018'"]


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_its_name(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(InputProblems, match="fake.xlsx:1: cannot read .* as a spreadsheet"):
        importer.import_files([fake], tmp_path / "out")


def test_a_sheet_never_overwrites_a_record_of_a_page_and_prunes_only_its_own(tmp_path, seed_measures):
    out = tmp_path / "corpus"
    importer.import_files([SEED], out)
    before = {p.name: p.read_bytes() for p in out.glob("*.yaml")}
    rows = _rows(seed_measures)
    # the first measure's sub-pillar and titles with another figure: not the sheet's record to change
    rows[0] = rows[0][:5] + [rows[0][5].replace("USD 580", "USD 600")] + rows[0][6:]
    sheet = _csv(tmp_path / "dti.csv", HEADER, rows[:1])
    with pytest.raises(InputProblems) as caught:
        importer.import_files([sheet], out, prune=True)
    (problem,) = caught.value.problems
    assert f"has the titles of {seed_measures[0].id}, which came from the DTI page {SEED.name}" in problem.message
    assert "never overwrites a record of another source" in problem.message
    assert {p.name: p.read_bytes() for p in out.glob("*.yaml")} == before
    # a sheet of another measure of that sub-pillar, with --prune: the page's records are not the sheet's to prune
    new = rows[0][:3] + ["Test-only sheet title", rows[0][4], "Test-only sheet description.", rows[0][6]]
    report = importer.import_files([_csv(tmp_path / "new.csv", HEADER, [new])], out, prune=True)
    assert report.lines()[1].endswith("1 added, 0 changed, 0 unchanged, 0 missing from the page")
    assert len(corpus.load(out)) == len(seed_measures) + 1


def test_a_sources_column_is_kept_one_address_a_line_and_checked(tmp_path, seed_measures):
    rows = [row + [source] for row, source in zip(_rows(seed_measures[:2]),
                                                   ["https://example.org/a\nhttp://example.org/b", ""])]
    sheet = _csv(tmp_path / "with-sources.csv", HEADER + ["Sources"], rows)
    importer.import_files([sheet], tmp_path / "out")
    assert [m.sources for m in corpus.load(tmp_path / "out")] == [["https://example.org/a", "http://example.org/b"],
                                                                   []]
    rows[1][-1] = "example.org/no-scheme"
    bad = _csv(tmp_path / "bad-sources.csv", HEADER + ["Sources"], rows)
    with pytest.raises(InputProblems, match=r"bad-sources.csv:3: column 'Sources': expected one http\(s\) address"):
        importer.import_files([bad], tmp_path / "out")


def test_a_page_the_reader_fails_on_unforeseen_is_refused_without_naming_a_spreadsheet(tmp_path, monkeypatch):
    # a page is never a spreadsheet: a failure the page reader does not foresee is named as it is
    def fail(*args, **kwargs):
        raise RuntimeError("unforeseen")
    monkeypatch.setattr(importer.dti, "parse_entries", fail)
    page = tmp_path / "page.txt"
    page.write_text("KAZAKHSTAN\n")
    with pytest.raises(InputProblems) as caught:
        importer.import_files([page], tmp_path / "out")
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith(f"{page}:1: cannot read {page} (RuntimeError: unforeseen)") and "spreadsheet" not in problem
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.yaml"))


def test_a_sheet_row_that_repeats_a_page_record_gives_it_the_sources_it_lists(tmp_path, seed_measures):
    """Word for word the page's entry, plus a source: the record of the page gains the address (sources only grow),
    counted changed; the same sheet again changes nothing."""
    out = tmp_path / "corpus"
    importer.import_files([SEED], out)
    rows = [row + [source] for row, source in zip(_rows(seed_measures[:2]), ["https://example.org/adlaw", ""])]
    sheet = _csv(tmp_path / "repeat.csv", HEADER + ["Sources"], rows)
    report = importer.import_files([sheet], out)
    assert report.lines()[1].endswith("0 added, 1 changed, 1 unchanged, 0 missing from the page"), report.lines()
    records = {m.id: m for m in corpus.load(out)}
    assert records[seed_measures[0].id].sources == ["https://example.org/adlaw"]
    assert records[seed_measures[0].id].source["kind"] == "dti_page"
    assert records[seed_measures[1].id].sources == []
    again = importer.import_files([sheet], out)
    assert again.lines()[1].endswith("0 added, 0 changed, 2 unchanged, 0 missing from the page"), again.lines()
