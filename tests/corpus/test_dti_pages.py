"""The page reader against every layout of the DTI's pages (A-I): each entry one record, or a refusal with its line.

The pages here are skeletons made up at test time in the layouts the DTI's
pages use (placeholder names, not DTI text). A hypothesis test writes random
entries in random layouts with a writer of its own and reads them back.
"""

import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from measuresearch.corpus.sources import dti_page as dti
from measuresearch.domain import model
from conftest import SEED

P1 = "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods"
P12 = "Online sales and transactions"


def _read(text, economy=None):
    measures, problems = dti.parse_page(text, "page.txt", economy=economy)
    return measures, [str(p) for p in problems]


def _one(text, **kw):
    measures, problems = _read(text, **kw)
    assert problems == [] and len(measures) == 1
    return measures[0]


def test_a_seed_layout_with_titles_set_apart_by_blank_lines():
    m = _one("KAZAKHSTAN\n\nSince May 2001\nReported in 2019\n\nPillar Content access  |  Sub-pillar Sub A\n"
             "Title one\n\nTitle two\nThe description.\nCoverage Horizontal\n")
    assert (m.country, m.pillar, m.sub_pillar) == ("Kazakhstan", "Content access", "Sub A")
    assert m.titles == ["Title one", "Title two"] and m.description == "The description."
    assert m.dates == ["Since May 2001", "Reported in 2019"] and m.coverage == "Horizontal"
    assert m.kind == "measure" and m.sources == [] and m.values == []


def test_b_indicator_instead_of_sub_pillar():
    m = _one("KAZAKHSTAN\nSince 2020\nPillar Content access  |  Indicator Sub B\nT\nD\nCoverage X\n")
    assert m.sub_pillar == "Sub B" and m.kind == "measure" and m.titles == ["T"] and m.description == "D"


@pytest.mark.parametrize("first, second", [("Pillar Content access  |", "Sub-pillar Sub C"),
                                           ("Pillar Content access", "|  Indicator Sub C")])
def test_c_classification_over_two_lines_and_no_blank_lines(first, second):
    m = _one(f"KAZAKHSTAN\nSince 2020\n{first}\n{second}\nT\nD\nCoverage X\n")
    assert (m.pillar, m.sub_pillar, m.titles, m.description) == ("Content access", "Sub C", ["T"], "D")


def test_d_titles_without_blank_lines_each_dated_by_its_own_line():
    m = _one("KAZAKHSTAN\nSince 2001\nSince 2002\nSince 2003\nPillar Content access  |  Sub-pillar S\n"
             "First\nSecond\nThird\nThe description.\nCoverage X\n")
    assert m.titles == ["First", "Second", "Third"] and m.description == "The description."
    assert [e["line"] for e in m.events] == [0, 1, 2] and [e["year"] for e in m.events] == [2001, 2002, 2003]


def test_e_one_economy_line_holds_for_the_entries_below_it():
    entry = "Reported in 2021\n\nPillar Content access  |  Sub-pillar S\nTitle {n}\nDescription {n}.\nCoverage X\n\n"
    page = "Database\n\nKAZAKHSTAN\n\n" + "".join(entry.format(n=n) for n in range(3)) + \
        "UZBEKISTAN\n\n" + entry.format(n=3)
    measures, problems = _read(page)
    assert problems == []
    assert [(m.country, m.titles) for m in measures] == [
        ("Kazakhstan", ["Title 0"]), ("Kazakhstan", ["Title 1"]), ("Kazakhstan", ["Title 2"]),
        ("Uzbekistan", ["Title 3"])]


def test_e_a_page_without_economy_line_needs_economy():
    page = "Reported in 2021\nPillar Content access  |  Sub-pillar S\nT\nD\n"
    measures, problems = _read(page)
    assert measures == [] and problems == ["page.txt:1: measure 1 (no economy): no economy line above this entry: "
                                           "give the page's economy with --economy NAME"]
    assert _one(page, economy="Kazakhstan").country == "Kazakhstan"


def test_f_sources_after_the_coverage_and_show_more_is_furniture():
    m = _one("KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\nD\nCoverage X\n"
             "- https://example.org/a?b=1\n- http://example.org/c\n- Show more...\n")
    assert m.sources == ["https://example.org/a?b=1", "http://example.org/c"] and m.coverage == "X"


def test_g_coverage_with_a_colon():
    assert _one("KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\nD\nCoverage: All goods\n"
                ).coverage == "All goods"


def test_h_numeric_indicator_is_its_own_record_and_absorbs_nothing():
    page = ("KAZAKHSTAN\n\nSince 2020\n\nPillar Content access  |  Sub-pillar S\nT\nD\nCoverage: X\n\n"
            "KAZAKHSTAN\n\nITA signatory? Yes No\n\nPillar " + P1 + "  |  Indicator Rate\n"
            "Effective rate\n1.53%\nShare of zero lines\n40%\nCoverage: ICT goods\n\n"
            "KAZAKHSTAN\nN/A\nPillar " + P1 + "  |  Indicator Other\nA count\n12\nCoverage: ICT goods\n")
    measures, problems = _read(page)
    assert problems == []
    first, indicator, second = measures
    assert (first.titles, first.description, first.kind) == (["T"], "D", "measure")
    assert indicator.kind == "indicator" and indicator.status == "ITA signatory? Yes No"
    assert indicator.values == [{"label": "Effective rate", "value": 1.53, "unit": "%"},
                                {"label": "Share of zero lines", "value": 40, "unit": "%"}]
    assert indicator.titles == ["Effective rate", "Share of zero lines"] and indicator.description == ""
    assert indicator.dates == [] and indicator.year is None and indicator.coverage == "ICT goods"
    assert second.values == [{"label": "A count", "value": 12, "unit": None}] and second.dates == ["N/A"]


def test_i_date_clauses_beyond_the_seed():
    m = _one("KAZAKHSTAN\nSince March 2015, as amended in 2019, enforcement from 2019\n"
             "Reported in 2018, last reported in 2021\nSince May 2010, last amended September 2022\n"
             "Pillar Content access  |  Sub-pillar S\nA\nB\nC\nD\n")
    assert [(e["kind"], e["year"], e.get("month")) for e in m.events] == [
        ("since", 2015, 3), ("amended", 2019, None), ("enforcement", 2019, None), ("reported", 2018, None),
        ("last_reported", 2021, None), ("since", 2010, 5), ("last_amended", 2022, 9)]


REFUSED = [
    ("blank lines set apart more titles than date lines",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT1\n\nT2\nD\n", 4, "blank lines"),
    ("a lone number as a description",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\nD\n1.53%\n", 6, "pairs of lines"),
    ("a lone number under a title, outside the numeric pillar",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\n580\nCoverage X\n", 4,
     "reads as a numeric indicator"),
    ("a number with separators as a description",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\n1,000\n", 5,
     "the number '1,000' stands where the description is expected"),
    ("a description of numbers alone, over two lines",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\n1,000\n\n2,000\n", 5,
     "the number '1,000' stands where the description is expected"),
    ("a value that is not a number",
     "KAZAKHSTAN\nPillar " + P1 + "  |  Indicator R\nRate\n1.5%\nShare\n61,2%\n", 6,
     "expected a number such as '1.53%' under the label 'Share', found '61,2%'"),
    ("a label without its number",
     "KAZAKHSTAN\nPillar " + P1 + "  |  Indicator R\nRate\n1.5%\nShare\n", 5, "number"),
    ("an entry without classification after the coverage",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\nD\nCoverage X\nSince 2021\nT2\nD2\n",
     7, "source line"),
    ("an entry without classification inside a description",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\nD\nSince 2021\nT2\nD2\n", 6,
     "starts another entry"),
    ("an unreadable classification", "KAZAKHSTAN\nSince 2020\nPillar Content access / Sub-pillar S\nT\nD\n", 3,
     "cannot read the classification"),
    ("a status line on a measure",
     "KAZAKHSTAN\nIs it? Yes\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\nD\n", 2, "status line"),
    ("a bad date clause", "KAZAKHSTAN\nSince 2020, enforced from 2021\nPillar Content access  |  Sub-pillar S\n"
                          "T\nD\n", 2, "expected a date line"),
    ("a title without its date line, no blank lines (layout D)",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT1\nLaw No. 5 on T2\nThe description.\n", 5,
     "a title without its date line"),
    ("a title without its date line, layout C",
     "KAZAKHSTAN\nSince 2020\nReported in 2021\nPillar Content access  |\nSub-pillar S\nT1\nT2\nOrder T3 (2019)\n"
     "The description.\nCoverage Horizontal\n", 8, "a title without its date line"),
    ("a title without its date line, a title that ends in brackets",
     "KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT1\nLaw on Informatization (Law)\n"
     "The description.\n", 5, "a title without its date line"),
    ("text above the first entry", "Some heading\nKAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\n"
                                   "T\nD\n", 1, "above the first entry"),
]


def test_a_description_that_begins_with_a_numbered_line_is_read(name="numbered"):
    # "1." or a year over the text: a paragraph of the description, not a lone number
    for first in ("1.", "2021.", "10 000"):
        m = _one(f"KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\n{first}\n\n"
                 "The threshold is USD 580.\nCoverage Horizontal\n")
        assert m.description == f"{first}\n\nThe threshold is USD 580." and m.titles == ["T"]


@pytest.mark.parametrize("name, page, line, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_cannot_be_read_exactly_is_refused_with_its_line(name, page, line, message):
    _, problems = _read(page)
    assert problems and problems[0].startswith(f"page.txt:{line}: ") and message in problems[0], problems


# Random pages: entries in random layouts, written by this test's own writer, read back exactly.

_WORD = st.text(string.ascii_lowercase, min_size=2, max_size=8)
_LINE = st.lists(_WORD, min_size=1, max_size=6).map(lambda words: "Line " + " ".join(words))
_DATE = st.sampled_from(["Since July 2018", "Reported in 2021", "Since March 2015, as amended in 2019, enforcement "
                         "from 2019", "Reported in 2017, 2019, last reported in 2020", "Since May 2010, last amended "
                         "September 2022", "Since July 2018, entry into force in July 2019, last amended in January "
                         "2020"])


@st.composite
def _entry(draw):
    if draw(st.integers(0, 4)) == 0:
        values = draw(st.lists(st.tuples(_LINE, st.integers(0, 10_000), st.sampled_from(["%", None])),
                               min_size=1, max_size=3))
        dates = draw(st.sampled_from([[], ["N/A"]]))
        return {"kind": "indicator", "dates": dates, "status": draw(st.sampled_from([None, "ITA signatory? I II"])),
                "values": [{"label": label, "value": value / 100, "unit": unit} for label, value, unit in values],
                "titles": [label for label, _, _ in values], "description": ""}
    titles = draw(st.lists(_LINE, min_size=1, max_size=3))
    dates = draw(st.lists(_DATE, min_size=len(titles), max_size=len(titles)))
    # a description of several lines: paragraphs, each but the last ending as a sentence (a line that does
    # not, followed by more, is a title without its date line: refused, REFUSED above)
    paragraphs = draw(st.lists(_LINE, min_size=1, max_size=3))
    return {"kind": "measure", "dates": dates, "status": None, "values": [], "titles": titles,
            "description": "\n".join([f"{line}." for line in paragraphs[:-1]] + paragraphs[-1:])}


@st.composite
def _page(draw):
    entries = draw(st.lists(_entry(), min_size=1, max_size=6))
    for entry in entries:
        entry["country"] = draw(st.sampled_from(["Kazakhstan", "Uzbekistan"]))
        entry["coverage"] = draw(st.sampled_from([None, "Horizontal", "ICT goods"]))
        entry["sources"] = draw(st.lists(st.sampled_from(["https://example.org/a", "http://example.net/b?c=d"]),
                                         max_size=2, unique=True))
        entry["layout"] = draw(st.fixed_dictionaries({
            "economy_line": st.booleans(), "blanks": st.booleans(), "word": st.sampled_from(["Sub-pillar", "Indicator"]),
            "split": st.booleans(), "colon": st.booleans(), "show_more": st.booleans()}))
    entries[0]["layout"]["economy_line"] = True
    for before, entry in zip(entries, entries[1:]):
        entry["layout"]["economy_line"] |= before["country"] != entry["country"]
    return entries


def _write(entries):
    """Write entries as a DTI page would show them (README, Importing), independently of the reader."""
    out = ["Database", "", "Browse Database", ""]
    for e in entries:
        layout, gap = e["layout"], [""] if e["layout"]["blanks"] else []
        if layout["economy_line"]:
            out += [e["country"].upper(), *gap]
        out += ([e["status"], *gap] if e["status"] else []) + e["dates"] + gap
        pillar = P1 if e["kind"] == "indicator" else P12
        out += [f"Pillar {pillar}  |", f"{layout['word']} S"] if layout["split"] else \
            [f"Pillar {pillar}  |  {layout['word']} S"]
        if e["kind"] == "indicator":
            out += [line for v in e["values"] for line in (v["label"], f"{v['value']:g}{v['unit'] or ''}")]
        else:
            out += [line for title in e["titles"] for line in [title, *gap]][:-1 if gap else None]
            out += e["description"].split("\n")
        if e["coverage"]:
            out.append(f"Coverage{':' if layout['colon'] else ''} {e['coverage']}")
        out += [f"- {url}" for url in e["sources"]] + (["- Show more..."] if layout["show_more"] else [])
        out += ["", "Report issue    Report new measure", ""]
    return "\n".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_page())
def test_random_pages_in_every_layout_read_back_exactly(entries):
    measures, problems = _read(_write(entries))
    assert problems == []
    keys = ("country", "kind", "dates", "status", "values", "titles", "description", "coverage", "sources")
    assert [{k: getattr(m, k) for k in keys} for m in measures] == [{k: e[k] for k in keys} for e in entries]


def _date_like():
    """Lines near the date grammar: keywords in any case, months, years, commas, spaces, and noise."""
    keyword = st.sampled_from([*model.DATE_KEYWORDS, model.NOT_AVAILABLE, "n/a", "since the", "amended", ""])
    case = st.sampled_from([str, str.upper, str.title, str.lower])
    clause = st.builds(lambda k, c, month, year: " ".join(part for part in (c(k), month, year) if part),
                       keyword, case, st.sampled_from(["", "July", "jULY", "Juli"]),
                       st.sampled_from(["2018", "18", "20190", ""]))
    return st.builds(lambda pad, clauses, tail: pad + ", ".join(clauses) + tail,
                     st.sampled_from(["", " ", "\u00a0"]), st.lists(clause, min_size=1, max_size=3),
                     st.sampled_from(["", " ", ".", " and more"]))


@settings(max_examples=500, deadline=None)
@given(st.one_of(_date_like(), st.text(max_size=30)))
def test_a_line_is_refused_as_a_date_line_exactly_when_the_date_grammar_refuses_it(line):
    # The reader asks this of every title and description line; most are known as no date line by their
    # first word without parsing. The reference is the grammar itself.
    try:
        model.parse_date_line(line)
        refused = False
    except model.DateError:
        refused = True
    assert dti._bad_date(line) == refused


@pytest.mark.parametrize("first", [
    "The rules are published at https://adilet.zan.kz/rus/docs/V000000",  # an address
    "Operators must be certified.[1]",  # a footnote mark
    "Операторы должны пройти сертификацию",  # no full stop, then a blank line
    "The rules (see Art. 5)",
])
def test_a_description_of_paragraphs_is_read_whole(first):
    # a paragraph that ends as a sentence, or is set apart from the next by a blank line, is the description's
    gap = "" if first[-1] in "]0" else "\n"
    m = _one("KAZAKHSTAN\nSince 2020\nPillar Content access  |  Sub-pillar S\nT\n" + first + "\n" + gap
             + "The second paragraph.\nCoverage Horizontal\n")
    assert m.titles == ["T"] and m.description == first + "\n" + gap + "The second paragraph."


@pytest.mark.parametrize("bare", ["Coverage", "Coverage ", "Coverage:", "Coverage:  "])
def test_a_coverage_line_without_its_coverage_is_refused_not_read_as_description(bare):
    # a page cut off after the word "Coverage" would otherwise put that word at the end of the description
    # and drop the coverage of a measure already stored
    seed = SEED.read_text(encoding="utf-8")  # the real seed page, its one "Coverage" line changed
    lines = seed.split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("Coverage "))
    measures, problems = _read("\n".join([*lines[:at], bare, *lines[at + 1:]]))
    assert len(problems) == 1 and problems[0].startswith(f"page.txt:{at + 1}: ") and "no coverage" in problems[0]
    cut, problems = _read("\n".join([*lines[:at], bare]))  # the page ends there
    assert len(problems) == 1 and "is the page cut off here?" in problems[0]


def test_a_copy_cut_inside_a_description_is_refused_not_imported():
    """The real seed page cut at every seventh word inside a sentence of each description line (no line break after
    it, as a file cut at a number of bytes ends): each copy is refused, naming the page's end, where the record would have lost the end
    of its description and its coverage. The whole page is read with or without its last line break."""
    seed = SEED.read_text(encoding="utf-8")
    whole, problems = _read(seed)
    assert problems == [] and _read(seed.rstrip("\n"))[1] == []
    descriptions = {line for m in whole for paragraph in m.description.split("\n") for line in [paragraph] if line}
    cuts, offset = [], 0
    for line in seed.split("\n"):
        if line in descriptions:
            # inside a sentence: a copy cut just after a full stop reads as a whole description (a limit)
            cuts += [offset + n for n, char in enumerate(line) if char == " " and n > 0
                     and line[n - 1] not in ".!?:;"][::7]
        offset += len(line) + 1
    assert len(cuts) > 50
    for cut in cuts:
        measures, problems = _read(seed[:cut])
        assert problems, (seed[cut - 40:cut], [m.description[-40:] for m in measures[-1:]])
        assert any("is the copy cut off?" in p for p in problems), problems


def test_a_last_description_line_about_coverage_stays_in_the_description():
    """In an entry without a coverage line, a description's last sentence that begins with "Coverage" is no
    coverage ("of the rule extends to online sellers." had become one); "Coverage Online sellers" still is."""
    page = ("KAZAKHSTAN\nSince 2016\nPillar Content access  |  Sub-pillar S\nLaw on Advertising\n"
            "Comparative advertising is prohibited.\n{last}\n\nKAZAKHSTAN\nSince 2017\n"
            "Pillar Content access  |  Sub-pillar T\nLaw on Communications\nNetworks may be suspended.\n"
            "Coverage Horizontal\n")
    sentence = "Coverage of the rule extends to online sellers."
    first, second = _read(page.format(last=sentence))[0]
    assert (first.description, first.coverage) == ("Comparative advertising is prohibited.\n" + sentence, None)
    assert second.coverage == "Horizontal"
    first, _ = _read(page.format(last="Coverage Online sellers"))[0]
    assert (first.description, first.coverage) == ("Comparative advertising is prohibited.", "Online sellers")


@pytest.mark.parametrize("footer", ["Showing 1 to 1 of 1 entries", "Showing 1 to 10 of 1,215 entries",
                                    "Showing 1 to 3 of 3 entries (filtered from 1,215 total entries)"])
def test_the_tables_footer_under_the_last_entry_is_furniture(footer):
    # under an entry without a coverage line it had been read as the end of the description
    m = _one("KAZAKHSTAN\nSince 2016\nPillar Content access  |  Sub-pillar S\nLaw on Advertising\n"
             f"Comparative advertising is prohibited.\n\n{footer}\n")
    assert (m.description, m.coverage) == ("Comparative advertising is prohibited.", None)
