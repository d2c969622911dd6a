"""Read the lines under one entry's classification: titles and description, or a numeric indicator's values.

An entry of a DTI page, below its "Pillar ... | Sub-pillar ..." line (see
dti_page.py for the lines above it):

- a measure: as many titles as date lines (the n-th date line dates the n-th
  title), blank lines between them or none, then the description;
- a numeric indicator (pillar 1): pairs of lines `<label>` / `<number>%`;
- then `Coverage X` or `Coverage: X`, and sources `- https://...` (`- Show more...`
  is page furniture).

Anything that would be guessed (a blank line setting apart more titles than
there are date lines, a lone number as a description, a line after the
coverage that is not a source) is refused with its line instead.
"""

import dataclasses
import re

_COVERAGE = re.compile(r"^Coverage(?::\s*|\s+)(?P<coverage>\S.*)$")
_BARE_COVERAGE = re.compile(r"^Coverage:?$")
_SOURCE = re.compile(r"^-\s+(?P<url>https?://\S+)\s*$")
_SHOW_MORE = re.compile(r"^-\s*Show more\s*(\.\.\.|…)?\s*$", re.IGNORECASE)
# "Coverage <word> ...": second words that make a sentence about coverage rather than a coverage value
_SENTENCE_SECOND_WORDS = frozenset(("of", "for", "is", "was", "extends", "includes", "applies", "covers", "under",
                                    "in", "by", "to", "and", "has", "will", "may"))
# how a description's line (a paragraph) ends: a full stop, question or exclamation mark, colon or semicolon,
# then closing quotes or brackets, perhaps a footnote mark ("certified.[1]"); or an address. A title ends
# otherwise ("... No. 544", "... (Informatization Law)")
_SENTENCE_END = re.compile(r"(?:[.!?:;…][\"'”’»)\]]*(?:\[\d+\])?|https?://\S+)\s*$")
_NUMBER = re.compile(r"^(?P<number>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>%)?$")
# a line of digits and separators that number() does not read ("1,000", "61,2%"): a number all the same
_NUMBER_LIKE = re.compile(r"^[-+]?\d[\d\s.,'’]*%?$")


class EntryError(ValueError):
    """Raised for an entry that cannot be read without guessing; `line` is 0-based."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line


@dataclasses.dataclass
class Body:
    """What an entry says below its classification, each part with its first line (0-based)."""

    kind: str = "measure"
    titles: list = dataclasses.field(default_factory=list)
    description: str = ""
    values: list = dataclasses.field(default_factory=list)
    coverage: str | None = None
    sources: list = dataclasses.field(default_factory=list)
    first: int | None = None  # line of the first title or label
    lines: dict = dataclasses.field(default_factory=dict)  # description, coverage, sources -> their first line


def number(text):
    """Return (value, unit) of a value line such as `1.53%` or `12`, else None."""
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    digits = match.group("number")
    return (float(digits) if "." in digits else int(digits)), match.group("unit")


def read_body(lines, first, end, date_count, skip, foreign, indicator_pillar=False):
    """Read lines[first:end] of one entry; return a Body or raise EntryError.

    date_count: its date lines (as many titles); skip(text): page furniture;
    foreign(text): a line that starts an entry (a date line, an economy line);
    indicator_pillar: the entry's pillar is the one of the numeric indicators.
    """
    content, body = [], Body()
    i = first
    while i < end:
        text = lines[i].strip()
        if text and skip(text):
            i += 1
            continue
        if _BARE_COVERAGE.match(text) and not _next_is_number(lines, i + 1, end):
            raise EntryError(i, f"{text!r} has no coverage after it (such as 'Coverage Horizontal'): "
                                "is the page cut off here?")
        coverage = _COVERAGE.match(text)
        if coverage and _next_is_number(lines, i + 1, end):
            coverage = None  # a label such as "Coverage rate of zero tariffs" over its number
        elif coverage and (_coverage_below(lines, i + 1, end, skip)
                           or (sum(1 for _, line in content if line) <= date_count and _sentence(text))
                           or (_sentence(text) and _SENTENCE_END.search(text) and not _tail_below(lines, i + 1, end,
                                                                                                  skip))):
            # a description that begins "Coverage of this law ...": the coverage is further down, or
            # this sentence stands where the description must (right after the titles, one per date line);
            # or one that ends so ("Coverage of the rule extends to online sellers."), in an entry without
            # a coverage line (nothing after it but blank lines and furniture)
            coverage = None
        elif coverage or _SOURCE.match(text) or _SHOW_MORE.match(text):  # is_tail(text), its coverage matched
            if coverage:
                body.coverage = coverage.group("coverage").strip()
                body.lines["coverage"] = i
                i += 1
            _read_sources(lines, i, end, body, skip)
            break
        if foreign(text):
            raise EntryError(i, f"{text[:60]!r} starts another entry (a date or economy line), but no "
                                "'Pillar ... | Sub-pillar ...' line follows it")
        content.append((i, text))
        i += 1
    while content and not content[-1][1]:
        content.pop()
    while content and not content[0][1]:
        content.pop(0)
    if not content:
        raise EntryError(first - 1, "expected a legal title and a description after the pillar line")
    body.first = content[0][0]
    if _looks_numeric(content):
        _read_values(content, body)
    elif indicator_pillar and not date_count:
        _no_value(content)
    else:
        _read_titles(content, date_count, body)
    return body


def _no_value(content):
    """Refuse an undated entry of the indicators' pillar without a number: its value line is not one."""
    filled = [(n, text) for n, text in content if text]
    n, text = filled[1] if len(filled) > 1 else filled[0]
    raise EntryError(n, f"expected a number such as '1.53%' or '12' under the label {filled[0][1][:60]!r}, found "
                        f"{text[:60]!r}: an entry of this pillar without date lines is a numeric indicator, pairs of "
                        "lines (label, number); a measure needs its date lines")


def _sentence(text):
    """Whether a line reads as a sentence (a description), not as a coverage such as 'Coverage Horizontal'.

    "Coverage of ...", "Coverage for ...": a coverage value is a noun phrase ("Horizontal", "Internet
    resources with .kz domain"), never begun by a preposition or a verb as a sentence about coverage is.
    """
    words = text.split()
    return len(words) > 2 and words[1].lower().rstrip(":") in _SENTENCE_SECOND_WORDS


def _coverage_below(lines, start, end, skip):
    """Return whether a coverage line stands further down the entry, before any source line."""
    for n in range(start, end):
        text = lines[n].strip()
        if not text or skip(text):
            continue
        if _SOURCE.match(text) or _SHOW_MORE.match(text):
            return False
        if _COVERAGE.match(text) and not _next_is_number(lines, n + 1, end):
            return True
    return False


def _tail_below(lines, start, end, skip):
    """Return whether any line but blank lines and furniture follows in the entry."""
    return any(lines[n].strip() and not skip(lines[n].strip()) for n in range(start, end))


def ends_like_a_sentence(text):
    """Return whether a description's line ends as a paragraph does (a full stop, a question mark, an address...)."""
    return bool(_SENTENCE_END.search(text))


def _next_is_number(lines, start, end):
    following = next((lines[n].strip() for n in range(start, end) if lines[n].strip()), "")
    return number(following) is not None


def _read_sources(lines, start, end, body, skip):
    for i in range(start, end):
        text = lines[i].strip()
        source = _SOURCE.match(text)
        if source:
            body.lines.setdefault("sources", i)
            body.sources.append(source.group("url"))
        elif text and not skip(text) and not _SHOW_MORE.match(text):
            raise EntryError(i, f"expected a source line '- https://...' or the next entry after the coverage, "
                                f"found {text[:60]!r} (is an entry missing its 'Pillar ... | Sub-pillar ...' line?)")


def _looks_numeric(content):
    return any(number(text) for _, text in content if text)


def _read_values(content, body):
    """Pairs of lines `<label>` / `<number>` (blank lines between them are allowed)."""
    filled = [(n, text) for n, text in content if text]
    for k in range(0, len(filled), 2):
        n, label = filled[k]
        if k + 1 == len(filled) and not number(label):
            raise EntryError(n, f"expected a number such as '1.53%' under the label {label!r}")
        if number(label) or not number(filled[k + 1][1]):
            stray = next(((n, text) for n, text in filled[k:] if number(text)), None)
            if stray is None:  # no number from here on: the label's value is not one ("61,2%")
                n, text = filled[k + 1]
                raise EntryError(n, f"expected a number such as '1.53%' under the label {label!r}, found "
                                    f"{text[:60]!r}")
            n, text = stray
            raise EntryError(n, f"the number {text!r} stands where a label, title or description is expected: "
                                "a numeric indicator is pairs of lines (label, number) and nothing else")
        value, unit = number(filled[k + 1][1])
        body.values.append({"label": label, "value": value, "unit": unit})
    body.kind = "indicator"
    body.titles = [v["label"] for v in body.values]
    body.lines["values"] = filled[0][0]


def is_tail(text):
    """Return True for the lines that end an entry: its coverage, a source, "- Show more..."."""
    return bool(_COVERAGE.match(text) or _SOURCE.match(text) or _SHOW_MORE.match(text))


def _read_titles(content, date_count, body):
    """The first date_count lines are titles; blank lines between titles are all there or all absent."""
    filled = [k for k, (_, text) in enumerate(content) if text]
    if not date_count:
        raise EntryError(content[filled[0]][0], "expected at least one date line (or 'N/A') before the pillar "
                                                "line")
    if len(filled) <= date_count:
        last = content[filled[-1]][0]
        raise EntryError(last, f"expected a description line after the title: {date_count} date line(s) date "
                               f"{date_count} title(s), and {len(filled)} line(s) follow the pillar line")
    titles = [content[k] for k in filled[:date_count]]
    gaps = [filled[k + 1] - filled[k] > 1 for k in range(date_count)]  # a blank line after title k+1
    if gaps[-1] or (any(gaps[:-1]) and not all(gaps[:-1])):
        n = titles[-1][0]
        raise EntryError(n, f"the blank lines set apart a different number of titles than the {date_count} "
                            "date line(s): each title needs its own date line, in the same order")
    body.titles = [text for _, text in titles]
    description = _collapse_blanks(content[filled[date_count]:])
    if len(description) > 1 and description[1][1] and not _SENTENCE_END.search(description[0][1]):
        # one title more than date lines, with no blank line between titles (layouts C, D), reads as a
        # description whose first line, the title, is followed at once by the next: that is refused (a
        # paragraph set apart by a blank line is a paragraph)
        n, text = description[0]
        raise EntryError(n, f"{text[:60]!r} follows the {date_count} title(s) that the {date_count} date line(s) "
                            "date, and the description goes on in the next line, but it does not end as a sentence "
                            "of a description does: is it a title without its date line? each title needs its own "
                            "date line, in the same order (if it is the description's first paragraph, set it apart "
                            "from the next with a blank line)")
    n, text = description[0]
    if all(_NUMBER_LIKE.match(line) for _, line in description if line):  # a numbered paragraph ("1.") is text
        raise EntryError(n, f"the number {text!r} stands where the description is expected: a measure needs a "
                            "description, and a numeric indicator (pillar 1) is pairs of lines (label, number "
                            "such as '1.53%')")
    body.description = "\n".join(text for _, text in description)
    body.lines["description"] = n


def _collapse_blanks(lines):
    out = []
    for n, text in lines:
        if text or (out and out[-1][1]):
            out.append((n, text))
    return out
