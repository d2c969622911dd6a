"""Parse text copied from the DTI "Browse Database" pages, in every layout they use, into Measures.

An entry is found by its classification line, `Pillar <P>  |  Sub-pillar <S>`
(or `Indicator <S>`; the line may break after the bar). The lines above it,
up to the end of the entry before, are its header: an optional economy line
(an economy holds for the entries below it until the next one; a page without
any is named with `economy`), an optional status line (`ITA signatory? ...`,
numeric indicators only) and its date lines. The lines below it are read by
dti_entry.py. Every line of the page is furniture, part of exactly one entry,
or a problem with its line: nothing is absorbed or dropped.
"""

import dataclasses
import re

from measuresearch.corpus.sources.dti_entry import Body, EntryError, ends_like_a_sentence, is_tail, read_body
from measuresearch.domain import taxonomy
from measuresearch.domain.model import DATE_KEYWORDS, FIELDS, MONTHS, NOT_AVAILABLE, DateError, Measure, events_of, \
    first_year, measure_id
from measuresearch.errors import Problem

# Lines of the page that are navigation, not data. Whitespace is normalised
# before the comparison because the page uses runs of non-breaking spaces.
FURNITURE = {"database", "browse database", "report issue", "report new measure",
             "report issue report new measure"}
_CLASS = r"(?P<word>Sub-pillar|Indicator)\s+(?P<sub>\S.*?)\s*$"
_PILLAR_ONE_LINE = re.compile(r"^Pillar\s+(?P<pillar>\S.*?)\s*\|\s*" + _CLASS)
_PILLAR_FIRST_HALF = re.compile(r"^Pillar\s+(?P<pillar>\S.*?)\s*\|?\s*$")
_PILLAR_SECOND_HALF = re.compile(r"^\|?\s*" + _CLASS)
# what an entry's body reads that the record keeps as it is (titles, description, coverage, ...)
_BODY_FIELDS = tuple(field.name for field in dataclasses.fields(Body) if field.name in FIELDS)
_STATUS_LENGTH = 150  # a status line is short: a question and its answers
# the words of date lines (keywords, months, "and"): a line of them that does not parse is a misspelt date line
_DATE_WORDS = frozenset(word for phrase in (*DATE_KEYWORDS, *MONTHS, "and", "n/a") for word in phrase.split())
_BAR_CLASS = re.compile(r"\|\s*(Sub-pillar|Indicator)\b")
_CLASS_WORD = re.compile(r"\b(Sub-pillar|Indicator)\b")
# What every date line that model.parse_date_line reads begins with ("N/A" or a clause's keyword): the
# other lines, titles and descriptions above all, need no parse to be known as no date line.
_DATE_START = re.compile(r"\s*(?:" + "|".join(re.escape(k) for k in (NOT_AVAILABLE, *DATE_KEYWORDS)) + ")",
                         re.IGNORECASE)


def _squash(line):
    return " ".join(line.split()).lower()


# The table's own footer under its last entry, "Showing 1 to 10 of 15 entries" (with "(filtered from N total
# entries)" after a search)
_TABLE_FOOTER = re.compile(r"showing \d[\d,]* to \d[\d,]* of \d[\d,]* entries(?: \(filtered from \d[\d,]* total "
                           r"entries\))?")


def is_furniture(line):
    """Return True for page navigation lines such as "Browse Database"."""
    return len(line) < 120 and (_squash(line) in FURNITURE or _TABLE_FOOTER.fullmatch(_squash(line)) is not None)


def _skip(text):
    return not text or is_furniture(text)


@dataclasses.dataclass
class Entry:
    """One measure read from a page or a sheet, with where each field was (line or row, 1-based)."""

    measure: Measure
    lines: dict  # field -> line or row
    path: str = "<page>"
    prefixes: dict = dataclasses.field(default_factory=dict)  # field -> "column 'Pillar': " in sheets

    def problem(self, key, message):
        """Return the Problem of one field, located in its file."""
        line = self.lines.get(key) or self.lines.get("country", 0)
        return Problem(self.path, line, self.prefixes.get(key, "") + message)


@dataclasses.dataclass
class _Header:
    top: int  # first line of the entry (0-based)
    economy: tuple | None = None  # (line, text)
    economy_name: str | None = None  # what the economy line names (_economy_line)
    status: tuple | None = None
    dates: list = dataclasses.field(default_factory=list)  # [(line, text)]


def is_date_line(text):
    """Return True for a line that is meant as a date line ("Since ...", "Reported in ...", "N/A").

    A line that begins like one is one when it reads as one, or when its words are those of
    date lines but for at most two ("Since Smarch 2020", "Since April 2004, as amended in 2010
    and 2015": refused later, with the reason); a description that begins "Since July 2018 the
    use of ..." or "Reported in 2019 that ..." is none, and stays the description of the entry
    above (layout E has no economy line between them).
    """
    if text == NOT_AVAILABLE:
        return True
    if len(text) > _STATUS_LENGTH or not text.lower().startswith(DATE_KEYWORDS):
        return False
    try:
        events_of([text])
    except DateError:
        others = [word for word in re.findall(r"[^\W\d_]+", text.lower()) if word not in _DATE_WORDS]
        return len(others) <= 2
    return True


def _economy_line(text, names):
    """Return the economy an economy line names (as written when unknown), else None."""
    if len(text) > 120 or is_date_line(text):
        return None
    known = names.economy(text)
    if known:
        return known
    if text == text.upper() and any(c.isalpha() for c in text) and not any(c.isdigit() for c in text):
        return " ".join(text.split())
    return None


def _classifications(lines):
    """Return ([(first, last, pillar, sub-pillar)] 0-based line numbers, problems as (line, message))."""
    found, problems = [], []
    after = -1  # the last line a two-line classification took
    # only a line with "Pillar" or a bar can be (part of) one: the others are passed over in one sweep
    for i in [n for n, line in enumerate(lines) if "Pillar" in line or "|" in line]:
        if i <= after:
            continue
        text = lines[i].strip()
        one = _PILLAR_ONE_LINE.match(text)
        if one:
            found.append((i, i, one.group("pillar"), one.group("sub")))
        elif text.startswith("Pillar ") or ("|" in text and _BAR_CLASS.search(text)):
            second = _next_filled(lines, i + 1)
            half = _PILLAR_FIRST_HALF.match(text)
            rest = _PILLAR_SECOND_HALF.match(lines[second].strip()) if half and second is not None else None
            if rest:
                found.append((i, second, half.group("pillar"), rest.group("sub")))
                after = second
            elif "|" not in text and not _CLASS_WORD.search(text):
                continue  # no bar, no Sub-pillar line under it: a description that begins "Pillar of ..."
            else:
                problems.append((i, f"cannot read the classification {text[:80]!r}: expected "
                                    "'Pillar <pillar>  |  Sub-pillar <sub-pillar>' (or '| Indicator <name>')"))
    return found, problems


def _next_filled(lines, start):
    for i in range(start, min(start + 3, len(lines))):
        if lines[i].strip():
            return i
    return None


def _header(lines, first, floor, names):
    """Walk up from a classification line to the economy line or the end of the entry above."""
    header = _Header(top=first)
    i = first - 1
    while i >= floor:
        text = lines[i].strip()
        if _skip(text):
            i -= 1
            continue
        if is_date_line(text):
            header.dates.insert(0, (i, text))
        elif header.status is None and "?" in text and len(text) <= _STATUS_LENGTH and not is_tail(text):
            header.status = (i, text)
        else:
            name = _economy_line(text, names)
            if name:
                header.economy, header.economy_name, header.top = (i, text), name, i
            break
        header.top = i
        i -= 1
    return header


def parse_page(text, path="<page>", names=None, economy=None):
    """Parse one copied page; return (measures, problems), problems as Problem."""
    entries, problems = parse_entries(text, path, names, economy)
    return [entry.measure for entry in entries], problems


def parse_entries(text, path="<page>", names=None, economy=None):
    """Parse one copied page; return (entries, problems).

    An economy line ("KAZAKHSTAN") becomes the economy's name in the taxonomy
    `names` (default: the repository's); an unknown one is kept as it is
    written, for the taxonomy check to refuse with its line. `economy` names the
    economy of the entries that no economy line precedes.
    """
    names = names or taxonomy.load()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found, bad = _classifications(lines)
    problems = [Problem(path, n + 1, message) for n, message in bad]
    if not found and not bad:
        first = next((n for n, line in enumerate(lines) if not _skip(line.strip())), 0)
        return [], [Problem(path, first + 1, "no measure found: expected a line 'Pillar ... | Sub-pillar ...' "
                                             "after an entry's date lines")]
    headers, floor = [], 0
    for first, last, _, _ in found:
        headers.append(_header(lines, first, floor, names))
        floor = last + 1
    problems.extend(_preamble(lines, headers[0].top if headers else len(lines), names, path))
    current = economy
    if headers and headers[0].economy is None:
        current = _page_economy(lines, headers[0].top, names) or current
    entries = []
    for n, (header, (first, last, pillar, sub)) in enumerate(zip(headers, found)):
        if header.economy:
            current = header.economy_name
        end = headers[n + 1].top if n + 1 < len(headers) else len(lines)
        label = header.economy[1] if header.economy else current or "no economy"
        try:
            entry = _entry(lines, header, (first, last, pillar, sub), end, current, names)
        except EntryError as exc:
            problems.append(Problem(path, exc.line + 1, f"measure {n + 1} ({label}): {exc}"))
            continue
        entry.path = path
        entries.append(entry)
    if entries and len(entries) == len(found):
        problems.extend(_cut_off(text, lines, entries[-1], path))
    return entries, problems


def _cut_off(text, lines, last, path):
    """Return [a problem] when the page ends inside its last entry's description, else [].

    A copy cut short (a file cut at a number of bytes, a selection stopped early) ends inside the description of
    its last entry, which then has no coverage line, and without a line break: "... discrediting their honour".
    A whole copy ends with a line break, or with its last entry's coverage, or with the page's furniture, or
    with a description's last sentence.
    """
    body = last.measure
    if text.endswith(("\n", "\r")) or body.coverage is not None or body.sources or body.kind != "measure":
        return []
    tail = next((line.strip() for line in reversed(lines) if line.strip()), "")
    if is_furniture(tail) or ends_like_a_sentence(tail) or tail not in body.description:
        return []
    return [Problem(path, len(lines), (
        f"the page ends inside the description of its last entry ({tail[-60:]!r}), with no coverage line and no line "
        "break after it: is the copy cut off? Copy the page again to its end; if the page does end so, end the file "
        "with a line break"))]


def _preamble(lines, top, names, path):
    """Problems of the lines above the first entry: only furniture and an economy line belong there."""
    return [Problem(path, n + 1, f"unexpected line above the first entry: {lines[n].strip()[:60]!r}")
            for n in range(top) if not _skip(lines[n].strip()) and not _economy_line(lines[n].strip(), names)]


def _page_economy(lines, top, names):
    """The economy the page names once above its first entry (layout E), if it does."""
    for n in range(top - 1, -1, -1):
        found = _economy_line(lines[n].strip(), names)
        if found:
            return found
    return None


def _entry(lines, header, classification, end, economy, names):
    first, last, pillar, sub_pillar = classification
    # the DTI's pages spell some names otherwise (taxonomy.yaml's aliases): the record holds the taxonomy's name
    pillar, sub_pillar = names.name_of(pillar) or pillar, names.name_of(sub_pillar) or sub_pillar
    if economy is None:
        raise EntryError(header.top, "no economy line above this entry: give the page's economy with "
                                     "--economy NAME")
    numeric = next(iter(names.pillars), pillar)  # the DTI's numeric indicators are all in its first pillar
    body = read_body(lines, last + 1, end, len(header.dates), _skip,
                     lambda text: names.economy(text) is not None or not _bad_date(text),
                     indicator_pillar=pillar == numeric or header.status is not None)
    if body.kind == "indicator" and pillar != numeric:
        value = body.values[0]
        raise EntryError(body.first, f"{body.titles[0][:60]!r} over the number {value['value']}"
                                     f"{value['unit'] or ''} reads as a numeric indicator, which the DTI has only "
                                     f"in the pillar {numeric!r}: under {pillar!r} an entry needs titles and a "
                                     "description (is a lone number standing where the description does?)")
    if body.kind == "measure" and not header.dates:
        raise EntryError(first, "expected at least one date line (or 'N/A') before the pillar line")
    if body.kind == "measure" and header.status:
        raise EntryError(header.status[0], f"a status line ({header.status[1][:60]!r}) belongs to a numeric "
                                           "indicator, and this entry has titles and a description")
    date_lines = [text for _, text in header.dates]
    try:
        events = events_of(date_lines)
    except DateError as exc:
        bad = next(n for n, text in header.dates if _bad_date(text))
        raise EntryError(bad, f"expected a date line such as 'Since July 2018': {exc}") from None
    measure = Measure(
        id=measure_id(economy, pillar, sub_pillar, body.titles, date_lines, body.description),
        country=economy, pillar=pillar, sub_pillar=sub_pillar, dates=date_lines, events=events,
        year=first_year(events), status=header.status[1] if header.status else None,
        **{name: getattr(body, name) for name in _BODY_FIELDS},
    )
    where = {"country": (header.economy or (header.top, ""))[0] + 1, "pillar": first + 1,
             "sub_pillar": last + 1, "titles": body.first + 1,
             "dates": header.dates[0][0] + 1 if header.dates else first + 1,
             "status": header.status[0] + 1 if header.status else first + 1,
             **{name: line + 1 for name, line in body.lines.items()}}
    return Entry(measure, where)


def _bad_date(line):
    if not _DATE_START.match(line):
        return True
    try:
        events_of([line])
    except DateError:
        return True
    return False
