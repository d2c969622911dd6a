"""The importer against the real seed page, and against broken pages."""

import pytest

from measuresearch import storage
from measuresearch.corpus import files as corpus
from measuresearch.corpus.sources import dti_page as dti
from measuresearch.corpus import importer

from conftest import SEED


@pytest.fixture(scope="module")
def parsed(seed_text):
    measures, problems = dti.parse_page(seed_text, "seed.txt")
    assert problems == []
    return measures


def test_all_fifteen_measures_are_found(parsed):
    assert len(parsed) == 15
    assert {m.country for m in parsed} == {"Kazakhstan"}
    assert len({m.id for m in parsed}) == 15


def test_every_field_of_a_measure_with_quirks(parsed):
    m = parsed[2]
    assert m.titles == ["Law No. 167-V\u0406 SAM on Currency Regulation and Currency Control "
                        "(\u0417\u0430\u043a\u043e\u043d o \u0432\u0430\u043b\u044e\u0442\u043d\u043e\u043c "
                        "\u0440\u0435\u0433\u0443\u043b\u0438\u0440\u043e\u0432\u0430\u043d\u0438\u0438 \u0438 "
                        "\u0432\u0430\u043b\u044e\u0442\u043d\u043e\u043c \u043a\u043e\u043d\u0442\u0440\u043e\u043b\u0435)"]
    assert "o" in m.titles[0].split("(")[1].split()[1]  # the Latin o is kept
    assert m.pillar == "Online sales and transactions"
    assert m.sub_pillar == "Restrictions on online payments"
    assert m.dates == ["Since July 2018, entry into force in July 2019, last amended in January 2020"]
    assert m.year == 2018
    assert m.coverage is None  # the page gives this measure no Coverage line
    assert m.description.startswith("According to Art. 7 of Law No. 167-V\u0406 SAM on Monetary Regulation")


def test_several_titles_and_date_lines(parsed):
    m = parsed[3]
    assert m.titles == [
        "Law On the regulation of trading activities No. 544",
        "Order On approval of the rules of domestic trade No. 264",
        "Order On approval of the notification templates and the rules for submission of notifications by state "
        "authorities No. 4",
    ]
    assert m.dates == ["Since April 2004, last amended in December 2022",
                       "Since March 2015, as amended in July 2019, last amended September 2022",
                       "Since January 2015, last amended in October 2022"]
    assert m.coverage == "E-commerce sellers"
    assert m.year == 2004
    assert m.description.startswith("In accordance with subparagraph 4-1")


def test_text_is_byte_for_byte_as_in_the_source(parsed, seed_text):
    for m in parsed:
        for text in [*m.titles, m.description, *m.dates, m.sub_pillar]:
            assert text in seed_text
        if m.coverage:
            assert f"Coverage {m.coverage}" in seed_text
    coverage = parsed[1].coverage
    assert coverage == "Internet resources with .kz and .\u049baz domain"


def test_na_measure_has_no_year(parsed):
    last = parsed[-1]
    assert last.dates == ["N/A"] and last.year is None and last.events == []
    assert last.sub_pillar == "Safe harbour for intermediaries for copyright infringement"


def test_page_furniture_is_not_data(parsed):
    text = " ".join(" ".join([*m.titles, m.description, m.coverage or ""]) for m in parsed)
    assert "Report new measure" not in text and "Browse Database" not in text


def test_ids_survive_a_reimport(seed_text, parsed):
    again, _ = dti.parse_page(seed_text)
    assert [m.id for m in again] == [m.id for m in parsed]


def test_the_committed_corpus_is_exactly_the_import_of_the_seed(parsed, real_measures):
    def text(measure):
        return {k: v for k, v in measure.to_dict().items() if k not in ("source", "last_imported")}
    assert [text(m) for m in real_measures] == [text(m) for m in parsed]
    # every record says it came from the seed page, first imported on the day of its last import
    assert {(m.source["kind"], m.source["name"], m.source["url"], m.source["first_imported"] == m.last_imported)
            for m in real_measures} == {("dti_page", SEED.name, None, True)}


def test_round_trip_import_write_read(tmp_path, parsed):
    path = tmp_path / "kazakhstan.yaml"
    storage.write_text(path, corpus.dump(parsed))
    assert [m.to_dict() for m in corpus.load(tmp_path)] == [m.to_dict() for m in parsed]


def test_import_writes_one_file_per_country_and_reports(tmp_path, seed_text):
    other = seed_text.replace("KAZAKHSTAN", "UZBEKISTAN", 2)
    page = tmp_path / "page.txt"
    page.write_text(other, encoding="utf-8")
    report = importer.import_pages([page], tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").glob("*.yaml")) == ["kazakhstan.yaml", "uzbekistan.yaml"]
    assert sum(len(f.added) for f in report.files) == 15
    again = importer.import_pages([page], tmp_path / "out")
    assert sum(len(f.added) for f in again.files) == 0 and sum(f.unchanged for f in again.files) == 15


def test_import_updates_a_measure_whose_text_differs_under_its_id(tmp_path, seed_text, parsed):
    out = tmp_path / "out"
    out.mkdir()
    changed = parsed[0].to_dict() | {"description": "A different text.", "id": "kazakhstan-first-cited-id"}
    from measuresearch.domain.model import from_dict
    storage.write_text(out / "kazakhstan.yaml", corpus.dump([from_dict(changed)]))
    page = tmp_path / "page.txt"
    page.write_text(seed_text, encoding="utf-8")
    report = importer.import_pages([page], out)
    assert report.lines() == [f"{page}: read 15 entries: 15 measures, 0 indicators",
                              f"{out / 'kazakhstan.yaml'}: 14 added, 1 changed, 0 unchanged, 0 missing from the page"]
    first = corpus.load(out)[0]
    assert first.id == "kazakhstan-first-cited-id" and first.description == parsed[0].description


BROKEN = [
    ("no pillar line", "KAZAKHSTAN\n\nReported in 2021\n\nA title\nA description\n", 1, "Pillar"),
    ("bad date", "KAZAKHSTAN\n\nSince Smarch 2021\n\nPillar Content access | Sub-pillar X\nT\nD\n", 3,
     "expected a date line"),
    ("no description", "KAZAKHSTAN\n\nSince May 2020\n\nPillar Content access | Sub-pillar X\nOnly a title\n"
                       "Coverage Horizontal\n", 6, "description"),
    ("nothing at all", "Database\n\nBrowse Database\n", 1, "no measure found"),
    # a coverage as a page writes it, ending in a period, is no description
    ("no description, a coverage with a period", "KAZAKHSTAN\n\nSince May 2020\n\nPillar Content access | "
     "Sub-pillar X\nOnly a title\nCoverage Internet resources with .kz domain.\n", 6, "description"),
    ("no date line", "KAZAKHSTAN\n\nPillar Content access | Sub-pillar X\nT\nD\n", 4, "date line"),
]


@pytest.mark.parametrize("bad", ["Since April 2004, as amended in 2010 and 2015, last amended in December 2022",
                                 "Since February 2021, last amended in 2022.", "Since Smarch 2020"])
def test_a_date_line_that_cannot_be_read_is_refused_never_taken_into_the_entry_above(bad):
    # layout E: no economy line between an entry without coverage and the next entry's date lines
    page = ("KAZAKHSTAN\n\nSince May 2020\n\nPillar Content access | Sub-pillar X\nT\nA description.\n\n"
            f"{bad}\n\nPillar Content access | Sub-pillar Y\nT2\nD2\n")
    measures, problems = dti.parse_page(page, "page.txt")
    assert [m.description for m in measures] == ["A description."]
    (problem,) = problems
    assert problem.line == 9 and "expected a date line such as 'Since July 2018'" in problem.message


@pytest.mark.parametrize("name, page, line, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_pages_name_measure_line_and_expectation(name, page, line, message):
    measures, problems = dti.parse_page(page, "page.txt")
    assert measures == []
    assert len(problems) == 1
    assert problems[0].line == line and message in problems[0].message
    assert str(problems[0]).startswith(f"page.txt:{line}: ")


def test_one_broken_measure_does_not_hide_the_others(seed_text):
    broken = seed_text.replace("Since February 2021", "Since Febtober 2021")
    measures, problems = dti.parse_page(broken, "p.txt")
    assert len(measures) == 14 and len(problems) == 1
    assert "measure 2 (KAZAKHSTAN)" in problems[0].message


def test_ten_thousand_measures_parse(seed_text):
    body = seed_text.split("Browse Database", 1)[1].rsplit("Report issue", 1)[0]
    measures, problems = dti.parse_page(body * 700)
    assert problems == [] and len(measures) == 10_500
