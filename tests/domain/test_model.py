import pytest

from measuresearch.domain.model import DateError, events_of, first_year, measure_id, parse_date_line, validate


@pytest.mark.parametrize("line, expected", [
    ("Reported in 2021", [{"kind": "reported", "year": 2021}]),
    ("Since February 2021", [{"kind": "since", "year": 2021, "month": 2}]),
    ("Since July 2018, entry into force in July 2019, last amended in January 2020",
     [{"kind": "since", "year": 2018, "month": 7}, {"kind": "entry_into_force", "year": 2019, "month": 7},
      {"kind": "last_amended", "year": 2020, "month": 1}]),
    ("Since March 2015, as amended in July 2019, last amended September 2022",
     [{"kind": "since", "year": 2015, "month": 3}, {"kind": "amended", "year": 2019, "month": 7},
      {"kind": "last_amended", "year": 2022, "month": 9}]),
    ("Reported in 2017, 2019, last reported in 2020",
     [{"kind": "reported", "year": 2017}, {"kind": "reported", "year": 2019}, {"kind": "last_reported", "year": 2020}]),
    ("Since July 2004, as amended in 2016, last amended in September 2022",
     [{"kind": "since", "year": 2004, "month": 7}, {"kind": "amended", "year": 2016},
      {"kind": "last_amended", "year": 2022, "month": 9}]),
    ("N/A", []),
])
def test_date_lines_parse_into_events(line, expected):
    assert parse_date_line(line) == expected


@pytest.mark.parametrize("line", ["Sometime in 2020", "Since Julember 2018", "2019", "Since 20", ""])
def test_unreadable_date_lines_raise(line):
    with pytest.raises(DateError):
        parse_date_line(line)


def test_year_is_the_first_year_mentioned_across_lines():
    events = events_of(["Since April 2004, last amended in December 2022", "Since March 2015"])
    assert first_year(events) == 2004
    assert [e["line"] for e in events] == [0, 0, 1]
    assert first_year(events_of(["N/A"])) is None


def test_ids_are_stable_readable_and_content_dependent():
    a = measure_id("Kazakhstan", "Content access", "Presence of Internet shutdowns", ["T"], ["N/A"], "d")
    assert a == measure_id("Kazakhstan", "Content access", "Presence of Internet shutdowns", ["T"], ["N/A"], "d")
    assert a.startswith("kazakhstan-presence-of-internet-shutdowns-")
    assert a != measure_id("Kazakhstan", "Content access", "Presence of Internet shutdowns", ["T"], ["N/A"], "e")


def test_validate_names_each_problem():
    problems = dict((m, k) for k, m in validate({"id": "x", "country": "K", "pillar": "Nope", "sub_pillar": "s",
                                                 "titles": ["t"], "dates": ["Since Smarch 2020"],
                                                 "description": "d", "colour": 1}))
    messages = " | ".join(problems)
    assert "unknown key 'colour'" in messages
    assert "pillar" not in messages  # names are the taxonomy's business (tests/test_taxonomy.py)
    assert "unparsable date" in messages
