"""Read measures from a spreadsheet: .xlsx (openpyxl, read-only) or .csv with a header row.

The header names the columns; by default Country, Pillar, Sub-pillar, Title,
Date, Description, Coverage and Sources (any case; plurals too; Coverage and
Sources may be left out). `--map COLUMN=field` names another column for a
field; a COLUMN the header lacks is refused, whatever the field. A Title, Date
or Sources cell may hold several lines, one title, date line or http(s)
address each. Every problem names the sheet, row and column.
Sheets hold measures: a numeric indicator's values (kind, values, status)
have no columns, as no sheet of the DTI's shows how it would write them.
An .xlsx is read by the rows it holds, never by the dimension it declares
(`A1:XFD1048576` in a small file), at most limits.SHEET_ROWS rows and
limits.SHEET_COLUMNS columns, after its unpacked size is checked. A .csv is
read strictly: a quoted cell never closed (a file cut short) is refused, never
kept cut. A line break inside a cell is stored as "\\n", whatever the file wrote.
"""

import csv
import datetime
import re
import zipfile

from measuresearch.domain import limits

from measuresearch.corpus.sources.dti_page import Entry
from measuresearch.errors import InputProblems, Problem
from measuresearch.domain.fields import BY_NAME, SHEET_COLUMNS
from measuresearch.domain import model
from measuresearch.domain.model import SOURCE_URL, DateError, Measure, events_of, first_year, measure_id

FIELDS = tuple(SHEET_COLUMNS)
REQUIRED = tuple(field for field in FIELDS if field in model.REQUIRED["measure"])
_LINES = tuple(field for field in FIELDS if BY_NAME[field].value in ("lines", "addresses"))  # one item a line
DEFAULT_COLUMNS = SHEET_COLUMNS  # field -> the heading its column has unless --map says otherwise
_ALSO = {"titles": ("titles",), "dates": ("dates",), "country": ("economy",), "sub_pillar": ("subpillar", "sub pillar")}
# a line break as a file may write it: CRLF, a lone CR, Excel's escape of CR (openpyxl hands it over as text)
_LINE_BREAK = re.compile(r"(?:\r|_x000[dD]_)\n?")


def parse_mapping(items):
    """Turn ["COLUMN=field", ...] into {field: column}; raise ValueError with a message on a bad item."""
    mapping = {}
    for item in items or ():
        column, sep, field = item.rpartition("=")
        field = field.strip().lower().replace("-", "_")
        if not sep or not column.strip() or field not in FIELDS:
            raise ValueError(f"--map {item!r}: expected COLUMN=FIELD with FIELD one of {', '.join(FIELDS)}")
        mapping[field] = column.strip()
    return mapping


def is_sheet(path):
    """Return True for the file kinds this module reads."""
    return str(path).lower().endswith((".xlsx", ".csv"))


def read_sheet(path, names, mapping=None, progress=None):
    """Read every sheet of a file; return (entries, problems)."""
    entries, problems = [], []
    for label, rows in _sheets(path):
        try:
            sheet_entries, sheet_problems = _read_rows(label, rows, names, mapping or {}, progress)
        except InputProblems as exc:  # a .csv that stops being CSV (_csv_rows): none of its rows is imported
            sheet_entries, sheet_problems = [], exc.problems
        entries.extend(sheet_entries)
        problems.extend(sheet_problems)
    return entries, problems


def _sheets(path):
    path = str(path)
    if path.lower().endswith(".csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield path, _csv_rows(path, handle)
        return
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # the declared dimension may be anything: read the rows there are
            # rows missing between two present ones come as (), cells past the columns read are dropped
            yield f"{path}[{sheet.title}]", (row[:limits.SHEET_COLUMNS] for row in sheet.iter_rows(values_only=True))
    finally:
        book.close()


def _csv_rows(path, handle):
    """Yield the rows of a .csv; raise InputProblems naming the row and line where it stops being CSV."""
    record, end = [], []  # the lines of the row being read; [True] once the file is read to its end

    def lines():
        for line in handle:
            record.append(line)
            yield line
        end.append(True)

    # strict: a quoted cell never closed (a file cut short) raises at the end instead of being kept cut
    reader, row_number = csv.reader(lines(), strict=True), 0
    while True:
        first_line, row_number = reader.line_num + 1, row_number + 1
        record.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            opened = _open_quote(record)
            if end and opened is not None:
                message = (f"the quoted cell that begins on line {first_line + opened} is never closed: "
                           "the file ends inside it (was it cut short?)")
            else:
                line = reader.line_num if opened is None else first_line + opened
                message = (f"line {line} is not well-formed CSV: {exc} (a cell holding a quote, comma or line "
                           'break is quoted, and a quote inside it is written twice: "")')
            raise InputProblems([Problem(path, row_number, message)]) from None
        yield row


def _open_quote(lines):
    """Return the index of the line where a quoted cell still open after lines begins, or None."""
    state, opened = "start", None  # start of a cell, quoted, closing (after a quote in a quoted cell: its end, or "" begun), plain
    for index, line in enumerate(lines):
        for char in line:
            if state == "quoted":
                state = "closing" if char == '"' else state
            elif char == '"' and state == "start":
                state, opened = "quoted", index
            elif char == '"' and state == "closing":
                state = "quoted"  # "" inside a quoted cell: one quote, the cell still open
            else:
                state = "start" if char in ",\r\n" else "plain"
    return opened if state == "quoted" else None


def unpacked_problem(path):
    """Return why an .xlsx is refused for what it unpacks to (limits.XLSX_UNPACKED_BYTES), or None."""
    if not str(path).lower().endswith(".xlsx"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        return f"cannot read {path} as a spreadsheet: {exc}"
    if unpacked > limits.XLSX_UNPACKED_BYTES:
        return (f"the workbook unpacks to {unpacked:,} bytes; at most {limits.XLSX_UNPACKED_BYTES:,} are read "
                "(a cell holds at most 10,000 characters; split the sheet)")
    return None


def _normal(header):
    return " ".join(str(header or "").replace("_", " ").replace("-", " ").split()).casefold()


def _columns(header, mapping):
    """Return ({field: column index}, [missing field]) for a header row."""
    position = {_normal(cell): i for i, cell in reversed(list(enumerate(header))) if _normal(cell)}
    found, missing = {}, []
    for field in FIELDS:
        spellings = [mapping[field]] if field in mapping else [DEFAULT_COLUMNS[field], *_ALSO.get(field, ())]
        index = next((position[_normal(s)] for s in spellings if _normal(s) in position), None)
        if index is not None:
            found[field] = index
        elif field in REQUIRED or field in mapping:  # a column --map names is never left out without a word
            missing.append(spellings[0])
    return found, missing


def _read_rows(label, rows, names, mapping, progress):
    entries, problems, columns, header, held, header_number = [], [], None, None, 0, None
    for number, row in enumerate(rows, 1):
        if progress and number % 1000 == 0:
            progress(1000)
        if not any(cell not in (None, "") and str(cell).strip() for cell in row):
            continue
        held += 1
        if held > limits.SHEET_ROWS:
            problems.append(Problem(label, number, f"more than {limits.SHEET_ROWS:,} rows; split the sheet"))
            break
        if columns is None:
            header, header_number = [str(cell or "").strip() for cell in row], number
            columns, missing = _columns(header, mapping)
            if missing:
                return [], [Problem(label, number, f"header row: no column {', '.join(map(repr, missing))} "
                                                   f"(columns: {', '.join(map(repr, filter(None, header)))}; "
                                                   "use --map COLUMN=field)")]
            continue
        entry, row_problems = _entry(label, number, row, columns, header, names)
        problems.extend(row_problems)
        if entry:
            entries.append(entry)
    if columns is None:
        problems.append(Problem(label, 1, "no header row (expected columns such as Country, Pillar, Sub-pillar, "
                                          "Title, Date, Description, Coverage)"))
    elif held == 1:  # an export cut off after its header, a filter that matched nothing: said, like an empty file
        problems.append(Problem(label, header_number, "no entries below the header row (one measure a row)"))
    return entries, problems


def _text(cell):
    """Return a cell's text, stripped, each line break in it "\\n" whatever the file wrote (as pages store them)."""
    text = "" if cell is None else str(cell)
    if "\r" in text or "_x000" in text:
        text = _LINE_BREAK.sub("\n", text)
    return text.strip()


def _entry(label, number, row, columns, header, names):
    values, problems = {}, []
    where = {field: f"column {header[i]!r}: " for field, i in columns.items()}
    for field, index in columns.items():
        cell = row[index] if index < len(row) else None
        if isinstance(cell, (datetime.date, datetime.time)):
            problems.append(Problem(label, number, f"{where[field]}expected text, found a spreadsheet date "
                                                   f"({cell}); write the date line as text, e.g. 'Since July 2018'"))
            continue
        text = _text(cell)
        if field in _LINES:
            values[field] = [line.strip() for line in text.splitlines() if line.strip()]
        else:
            values[field] = text or None
        if field in REQUIRED and not values[field]:
            problems.append(Problem(label, number, f"{where[field]}empty; every measure needs its {field}"))
    problems.extend(Problem(label, number, f"{where['sources']}expected one http(s) address a line, found {url!r}")
                    for url in values.get("sources", []) if not SOURCE_URL.fullmatch(url))
    if problems:
        return None, problems
    try:
        events = events_of(values["dates"])
    except DateError as exc:
        return None, [Problem(label, number, f"{where['dates']}expected a date line such as 'Since July 2018': {exc}")]
    # an economy's alias, a pillar's or sub-pillar's other spelling (taxonomy.yaml): the record holds the name
    named = {"country": names.economy(values["country"]) or values["country"],
             **{key: names.name_of(values[key]) or values[key] for key in ("pillar", "sub_pillar")}}
    measure = Measure(**{**values, **named}, events=events, year=first_year(events),
                      id=measure_id(named["country"], named["pillar"], named["sub_pillar"], values["titles"],
                                    values["dates"], values["description"]))
    return Entry(measure, {field: number for field in FIELDS}, label, where), []
