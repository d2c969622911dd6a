"""Parse text copied from the DTI "Browse Database" page into Measures."""

import dataclasses
import re

from measuresearch.domain import taxonomy
from measuresearch.errors import Problem
from measuresearch.domain.model import DateError, Measure, events_of, first_year, measure_id

# Lines of the page that are navigation, not data. Whitespace is normalised
# before the comparison because the page uses runs of non-breaking spaces.
FURNITURE = {"database", "browse database", "report issue", "report new measure",
             "report issue report new measure"}
_PILLAR = re.compile(r"^Pillar\s+(?P<pillar>.+?)\s*\|\s*Sub-pillar\s+(?P<sub>.+?)\s*$")
_DATE_START = re.compile(r"^(Since|Reported|Entry into force|In force|N/A\s*$)", re.IGNORECASE)
_COVERAGE = "Coverage "


def _squash(line):
    return " ".join(line.split()).lower()


def is_furniture(line):
    """Return True for page navigation lines such as "Browse Database"."""
    return len(line) < 80 and _squash(line) in FURNITURE


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


def _is_country_line(lines, index):
    line = lines[index].strip()
    if not line or len(line) > 120 or is_furniture(line):
        return False
    if line != line.upper() or not any(c.isalpha() for c in line):
        return False
    for following in lines[index + 1:index + 4]:
        if following.strip():
            return bool(_DATE_START.match(following.strip()))
    return False


def parse_page(text, path="<page>", names=None):
    """Parse one copied page; return (measures, problems), problems as Problem."""
    entries, problems = parse_entries(text, path, names)
    return [entry.measure for entry in entries], problems


def parse_entries(text, path="<page>", names=None):
    """Parse one copied page; return (entries, problems).

    A country heading ("KAZAKHSTAN") becomes the economy's name in the taxonomy
    `names` (default: the repository's); an unknown heading is kept as it is
    written, for the taxonomy check to refuse with its line.
    """
    names = names or taxonomy.load()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    starts = [i for i in range(len(lines)) if _is_country_line(lines, i)]
    measures, problems = [], []
    if not starts:
        problems.append(Problem(path, 1, "no measure found: expected an upper-case country line "
                                         "followed by a date line such as 'Since July 2018'"))
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        try:
            measures.append(_parse_measure(lines, start, end, names))
            measures[-1].path = path
        except _MeasureError as exc:
            problems.append(Problem(path, exc.line, f"measure {n + 1} ({lines[start].strip()}): {exc}"))
    return measures, problems


class _MeasureError(ValueError):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line


def _parse_measure(lines, start, end, names):
    heading = " ".join(lines[start].split())
    country = names.economy(heading) or heading
    i = start + 1
    dates = []
    while i < end and not _PILLAR.match(lines[i].strip()):
        if lines[i].strip():
            dates.append((i, lines[i].strip()))
        i += 1
    if i >= end:
        raise _MeasureError(start + 1, "expected a line 'Pillar ... | Sub-pillar ...' after the date lines")
    if not dates:
        raise _MeasureError(i + 1, "expected at least one date line (or 'N/A') before the pillar line")
    pillar_match = _PILLAR.match(lines[i].strip())
    body, coverage = _body_lines(lines, i + 1, end)
    titles, description = _titles_and_description(body, i + 1)
    try:
        events = events_of([line for _, line in dates])
    except DateError as exc:
        bad = next(n for n, line in dates if _bad_date(line))
        raise _MeasureError(bad + 1, f"expected a date line such as 'Since July 2018': {exc}") from None
    pillar, sub_pillar = pillar_match.group("pillar"), pillar_match.group("sub")
    date_lines = [line for _, line in dates]
    measure = Measure(
        id=measure_id(country, pillar, sub_pillar, titles, date_lines, description),
        country=country, pillar=pillar, sub_pillar=sub_pillar, titles=titles,
        dates=date_lines, description=description, coverage=coverage,
        events=events, year=first_year(events),
    )
    body = [number for number, line in _nonblank(lines, i + 1, end)]
    where = {"country": start + 1, "dates": dates[0][0] + 1, "pillar": i + 1, "sub_pillar": i + 1,
             "titles": body[0] + 1 if body else i + 1}
    return Entry(measure, where)


def _nonblank(lines, first, end):
    return [(n, lines[n]) for n in range(first, end) if lines[n].strip() and not is_furniture(lines[n])]


def _bad_date(line):
    try:
        events_of([line])
    except DateError:
        return True
    return False


def _body_lines(lines, first, end):
    """Return the (line number, text) pairs between the pillar line and Coverage."""
    body, coverage = [], None
    for i in range(first, end):
        line = lines[i]
        if is_furniture(line):
            continue
        if line.startswith(_COVERAGE):
            coverage = line[len(_COVERAGE):].strip()
            break
        body.append((i, line.rstrip("\n")))
    while body and not body[-1][1].strip():
        body.pop()
    while body and not body[0][1].strip():
        body.pop(0)
    return body, coverage


def _titles_and_description(body, pillar_line):
    groups, current = [], []
    for number, line in body:
        if line.strip():
            current.append((number, line))
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    if not groups:
        raise _MeasureError(pillar_line + 1, "expected a legal title and a description after the pillar line")
    last = groups[-1]
    if len(last) < 2 and len(groups) < 2:
        raise _MeasureError(last[0][0] + 1, "expected a description line after the title")
    if len(last) >= 2:
        titles = [line for group in groups[:-1] for _, line in group] + [last[0][1]]
        description = "\n".join(line for _, line in last[1:])
    else:
        titles = [line for group in groups[:-1] for _, line in group]
        description = last[0][1]
    return titles, description
