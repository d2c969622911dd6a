"""Dates mean what the researcher means: event kinds, in_force_on, the year facet, newest/oldest.

The rule tables run on a small made-up index; the reference test compares
search() on a seeded synthetic corpus with a brute-force scan of the measures'
date lines written here, independently of model.py's parser and of the
columns the indexer writes.
"""

import csv
import datetime
import io
import random
import re

import pytest

from measuresearch.domain import dates as events
from measuresearch.domain.model import MONTHS
from measuresearch.search.service import SearchRequest, export, search
from measuresearch.web.http.urls import measure_path
from devtools.synthetic import Generator

from conftest import make_measure

# label -> date lines of one made-up measure
DATED = {
    "july2018": ["Since July 2018"],
    "year2018": ["Since 2018"],
    "reported": ["Reported in 2019, last reported in 2022"],
    "entry2020": ["Entry into force in March 2020"],
    "none": ["N/A"],
    "law167": ["Since July 2018, entry into force in July 2019, last amended in January 2020"],
    "dec2017": ["In force since December 2017"],
    "amended_only": ["Amended in 2015"],
    "two_lines": ["Since May 2010", "Since 2005, last amended September 2021"],
}


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    from measuresearch.index.build import indexer
    from measuresearch.index.engine import IndexHolder
    measures = {label: make_measure(f"Law {label}", "Rules.", dates=lines) for label, lines in DATED.items()}
    root = tmp_path_factory.mktemp("dated")
    indexer.build(None, root, measures=list(measures.values()))
    holder = IndexHolder(root)
    yield holder, {m.id: label for label, m in measures.items()}
    holder.close()


def labels(dated, **params):
    holder, label_of = dated
    result = search(holder, SearchRequest(per_page=100, **params))
    assert result["total"] == len(result["hits"])
    return {label_of[h["id"]] for h in result["hits"]}


IN_FORCE_ALWAYS = {"two_lines"}  # since 2005


@pytest.mark.parametrize("day, expected", [
    ("0001", set()),
    ("2004-12-31", set()),
    ("2005", {"two_lines"}),  # "Since 2005" counts from 2005-01-01
    ("2017", IN_FORCE_ALWAYS),  # December 2017 is not in force on 2017 = 2017-01-01
    ("2017-11-30", IN_FORCE_ALWAYS),
    ("2017-12", IN_FORCE_ALWAYS | {"dec2017"}),
    ("2017-12-01", IN_FORCE_ALWAYS | {"dec2017"}),
    ("2018", IN_FORCE_ALWAYS | {"dec2017", "year2018"}),  # "Since July 2018" is not in force on 2018
    ("2018-06-30", IN_FORCE_ALWAYS | {"dec2017", "year2018"}),
    ("2018-07", IN_FORCE_ALWAYS | {"dec2017", "year2018", "july2018", "law167"}),  # since, not entry into force
    ("2018-07-01", IN_FORCE_ALWAYS | {"dec2017", "year2018", "july2018", "law167"}),
    ("2018-12-31", IN_FORCE_ALWAYS | {"dec2017", "year2018", "july2018", "law167"}),
    # a measure only reported is in force from its first report (2019 = 2019-01-01)
    ("2019", IN_FORCE_ALWAYS | {"dec2017", "year2018", "july2018", "law167", "reported"}),
    ("2020-02-29", IN_FORCE_ALWAYS | {"dec2017", "year2018", "july2018", "law167", "reported"}),
    ("2020-03-01", IN_FORCE_ALWAYS | {"dec2017", "year2018", "july2018", "law167", "reported", "entry2020"}),
    # an amendment alone says nothing about when the measure took effect; N/A says nothing at all
    ("9999-12-31", set(DATED) - {"none", "amended_only"}),
])
def test_in_force_on(dated, day, expected):
    assert labels(dated, in_force_on=day) == expected


@pytest.mark.parametrize("params, expected", [
    ({"year_from": 2020}, {"reported", "entry2020", "law167", "two_lines"}),
    ({"year_from": 2020, "event": ("in_force",)}, {"entry2020"}),
    ({"year_from": 2019, "event": ("in_force",)}, {"entry2020", "law167"}),  # entry into force July 2019
    ({"year_from": 2020, "event": ("amended",)}, {"law167", "two_lines"}),
    ({"year_from": 2020, "year_to": 2020, "event": ("amended", "reported")}, {"law167"}),
    ({"year_from": 2020, "year_to": 2021, "event": ("reported",)}, set()),  # 2019 and 2022, nothing between
    ({"year_from": 2022, "year_to": 2022, "event": ("reported",)}, {"reported"}),
    ({"year_to": 2015}, {"two_lines", "amended_only"}),
    ({"year_to": 2015, "event": ("in_force",)}, {"two_lines"}),
    ({"year_from": 2018, "year_to": 2018}, {"july2018", "year2018", "law167"}),
    ({"year_from": 2020, "year_to": 2010}, set()),
    ({"year_from": 2020, "in_force_on": "2018-07"}, {"law167", "two_lines"}),
])
def test_year_range_and_event_kinds(dated, params, expected):
    assert labels(dated, **params) == expected


def test_year_facet_counts_measures_per_event_year_and_ignores_its_own_range(dated):
    holder, _ = dated
    result = search(holder, SearchRequest(year_from=2019, year_to=2020, event=("in_force",)))
    years = {f["value"]: (f["count"], f["selected"]) for f in result["facets"]["year"]}
    # in-force events only: 2005, 2010, 2017, 2018 (x3: july2018, year2018, law167), 2019, 2020
    assert years == {2005: (1, False), 2010: (1, False), 2017: (1, False), 2018: (3, False), 2019: (1, True),
                     2020: (1, True)}
    # law167 has two in-force events in different years but counts once per year; all kinds by default
    every = {f["value"]: f["count"] for f in search(holder, SearchRequest())["facets"]["year"]}
    assert every == {2005: 1, 2010: 1, 2015: 1, 2017: 1, 2018: 3, 2019: 2, 2020: 2, 2021: 1, 2022: 1}


def test_selected_years_are_listed_at_zero(dated):
    holder, _ = dated
    facet = search(holder, SearchRequest(year_from=2011, year_to=2013))["facets"]["year"]
    assert [f for f in facet if f["selected"]] == [{"value": y, "count": 0, "selected": True}
                                                   for y in (2011, 2012, 2013)]


@pytest.mark.parametrize("sort, expected", [
    # latest events: 2022-01 (reported in 2022), 2021-09, 2020-03, 2020-01, 2018-07, 2018-01, 2017-12, 2015
    ("newest", ["reported", "two_lines", "entry2020", "law167", "july2018", "year2018", "dec2017", "amended_only",
                "none"]),
    # earliest events: 2005, 2015, 2017-12, 2018-01, 2018-07 (two measures), 2019-01, 2020-03
    ("oldest", ["two_lines", "amended_only", "dec2017", "year2018", {"july2018", "law167"}, "reported", "entry2020",
                "none"]),
])
def test_newest_and_oldest_by_latest_and_earliest_event(dated, sort, expected):
    holder, label_of = dated
    order = [label_of[h["id"]] for h in search(holder, SearchRequest(sort=sort, per_page=100))["hits"]]
    groups = [{label} if isinstance(label, str) else label for label in expected]
    assert [set(order[i:i + len(g)]) for i, g in zip(
        [sum(len(g) for g in groups[:n]) for n in range(len(groups))], groups)] == groups


@pytest.mark.parametrize("text, month", [
    ("2018", 2018 * 12), ("2018-07", 2018 * 12 + 6), ("2018-07-31", 2018 * 12 + 6), ("2020-02-29", 2020 * 12 + 1),
    ("0001-01-01", 12),
])
def test_parse_day(text, month):
    assert events.parse_day(text) == month


@pytest.mark.parametrize("text", ["2021-13", "2021-02-30", "2021-02-29", "2021-00", "2021-04-31", "0000", "21",
                                  "2021-1", "2021-01-1", "20210101", "2021/01", "text", "", "٢٠٢١", "2021-01-01T00",
                                  " 2020-02-29 ", "2019\n"])
def test_parse_day_refuses(text):
    with pytest.raises(ValueError):
        events.parse_day(text)


@pytest.mark.parametrize("event, words", [
    ({"kind": "since", "year": 2018, "month": 7}, "since July 2018"),
    ({"kind": "entry_into_force", "year": 2019, "month": 7}, "entry into force in July 2019"),
    ({"kind": "last_amended", "year": 2020}, "last amended in 2020"),
    ({"kind": "reported", "year": 2019, "month": None}, "reported in 2019"),
])
def test_describe(event, words):
    assert events.describe(event) == words


# --- the brute-force reference ----------------------------------------------------------------------------

def scan(date_lines):
    """Return [(group, year, month or None)] of date lines, read here without model.py's parser."""
    found = []
    for line in date_lines:
        group = None
        for clause in line.lower().split(","):
            if "report" in clause:
                group = "reported"
            elif "amend" in clause:
                group = "amended"
            elif "force" in clause or "since" in clause:
                group = "in_force"
            year = re.search(r"\d{4}", clause)
            if year:
                month = next((i + 1 for i, name in enumerate(MONTHS) if name in clause), None)
                found.append((group, int(year.group()), month))
    return found


def first_day(year, month):
    return datetime.date(year, month or 1, 1)


def ref_in_force(found, day):
    starts = ([first_day(y, m) for g, y, m in found if g == "in_force"]
              or [first_day(y, m) for g, y, m in found if g == "reported"])
    return bool(starts) and min(starts) <= day


def as_day(text):
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return datetime.date(*parts[:3])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from measuresearch.index.build import indexer
    from measuresearch.index.engine import IndexHolder
    measures = Generator(seed=31).measures(1500)
    root = tmp_path_factory.mktemp("synthetic-dates")
    indexer.build(None, root, measures=measures)
    holder = IndexHolder(root)
    yield holder, measures
    holder.close()


def random_request(rng):
    params = {}
    if rng.random() < 0.7:
        params["year_from"] = rng.randint(1994, 2026)
    if rng.random() < 0.6:
        params["year_to"] = rng.randint(params.get("year_from", 1994) - 2, 2027)
    if rng.random() < 0.5:
        params["event"] = tuple(rng.sample(events.GROUPS, rng.randint(1, 3)))
    if rng.random() < 0.4:
        day = datetime.date(1994, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 32))
        params["in_force_on"] = rng.choice((f"{day.year}", f"{day.year}-{day.month:02}", day.isoformat()))
    if rng.random() < 0.3:
        params["filters"] = {"pillar": (rng.choice(sorted({p for p, _ in Generator(seed=1).pairs})),)}
    return params


def reference(measures, params):
    """Return (hit ids, {year: count} of the year facet) by scanning every measure's date lines."""
    groups = set(params.get("event") or events.GROUPS)
    low, high = params.get("year_from", -10 ** 9), params.get("year_to", 10 ** 9)
    pillars = params.get("filters", {}).get("pillar")
    hits, years = set(), {}
    for measure in measures:
        found = [(g, y, m) for g, y, m in scan(measure.dates) if g in groups]
        if pillars and measure.pillar not in pillars:
            continue
        if "in_force_on" in params and not ref_in_force(scan(measure.dates), as_day(params["in_force_on"])):
            continue
        for year in {y for _, y, _ in found}:  # the year facet ignores the year range
            years[year] = years.get(year, 0) + 1
        if ("year_from" in params or "year_to" in params) and not any(low <= y <= high for _, y, _ in found):
            continue
        hits.add(measure.id)
    return hits, years


@pytest.mark.parametrize("seed", range(40))
def test_search_agrees_with_a_scan_of_the_date_lines(synthetic, seed):
    holder, measures = synthetic
    params = random_request(random.Random(seed))
    expected_hits, expected_years = reference(measures, params)
    request = SearchRequest(per_page=100, **params)
    result = search(holder, request)
    total, records = export(holder, SearchRequest(**params))
    assert result["total"] == total == len(expected_hits), params
    assert {r["id"] for r in records} == expected_hits, params
    facet = result["facets"]["year"]
    assert {f["value"]: f["count"] for f in facet if f["count"]} == expected_years, params
    low, high = params.get("year_from", -10 ** 9), params.get("year_to", 10 ** 9)
    assert all(f["selected"] == (("year_from" in params or "year_to" in params) and low <= f["value"] <= high)
               for f in facet), params


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_order_follows_the_scanned_events_and_pages_concatenate(synthetic, sort):
    holder, measures = synthetic
    by_id = {m.id: m for m in measures}
    _, records = export(holder, SearchRequest(sort=sort))
    keys = []
    for record in records:
        found = [(y, m or 1) for _, y, m in scan(by_id[record["id"]].dates)]
        keys.append((max(found) if sort == "newest" else min(found)) if found else None)
    dated = [k for k in keys if k is not None]
    assert keys == dated + [None] * (len(keys) - len(dated))  # measures without events last
    assert dated == sorted(dated, reverse=sort == "newest")
    big = [h["id"] for h in search(holder, SearchRequest(sort=sort, per_page=100))["hits"]]
    pages = [h["id"] for p in range(1, 16) for h in search(holder, SearchRequest(sort=sort, page=p,
                                                                                  per_page=7))["hits"]]
    assert pages[:100] == big == [r["id"] for r in records[:100]]


def test_the_synthetic_corpus_has_every_date_form(synthetic):
    _, measures = synthetic
    lines = [line for m in measures for line in m.dates]
    for form in ("Reported in", "Since", "entry into force in", "last amended in", "as amended in",
                 "last reported in", "N/A"):
        assert any(form in line for line in lines), form


# --- the real corpus ----------------------------------------------------------------------------------------

def test_online_payments_from_2020_finds_law_167(holder):
    result = search(holder, SearchRequest(q="online payments", year_from=2020))
    titles = [t for h in result["hits"] for t in h["titles"]]
    assert any("167-VІ" in t for t in titles)
    hit = next(h for h in result["hits"] if any("167-VІ" in t for t in h["titles"]))
    assert hit["year"] == 2018  # the first year is still the first year
    assert {"kind": "last_amended", "event": "amended", "year": 2020, "month": 1, "line": 0} in hit["events"]
    in_force = search(holder, SearchRequest(q="online payments", year_from=2020, event=("in_force",)))
    assert hit["id"] not in {h["id"] for h in in_force["hits"]}  # 2018 and 2019 only


@pytest.mark.parametrize("day, found", [("2018", False), ("2018-06-30", False), ("2018-07", True),
                                        ("2025-01-01", True)])
def test_law_167_in_force_from_july_2018(holder, day, found):
    result = search(holder, SearchRequest(q="167-VІ", in_force_on=day))
    assert any("167-VІ" in t for h in result["hits"] for t in h["titles"]) is found


# --- the API and the pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("in_force_on=2021-13", "in_force_on"), ("in_force_on=2021-02-30", "in_force_on"),
    ("in_force_on=text", "in_force_on"), ("in_force_on=", "in_force_on"), ("in_force_on=2021-1", "in_force_on"),
    ("in_force_on=2020&in_force_on=2021", "in_force_on"), ("event=force", "event"),
    ("event=in_force&event=nope", "event"), ("event=In_Force", "event"), ("event=", "event"), ("year_from=2020.5", "year_from"),
])
def test_bad_date_parameters_are_400_naming_the_parameter(client, query, parameter):
    response = client.simulate_get("/api/search?" + query)
    assert response.status_code == 400
    assert response.json == {"error": {"status": 400, "code": "invalid_parameter",
                                       "message": response.json["error"]["message"], "parameter": parameter}}
    assert parameter in response.json["error"]["message"]
    assert client.simulate_get("/api/search.csv?" + query).status_code == 400


def test_api_date_parameters_and_events_on_hits(client, real_measures):
    body = client.simulate_get("/api/search?q=online+payments&year_from=2020&event=amended&event=in_force"
                               "&in_force_on=2019-12-31").json
    assert body["query"]["event"] == ["amended", "in_force"] and body["query"]["in_force_on"] == "2019-12-31"
    assert body["total"] == 1
    hit = body["hits"][0]
    assert [(e["kind"], e["event"], e["year"], e["month"]) for e in hit["events"]] == [
        ("since", "in_force", 2018, 7), ("entry_into_force", "in_force", 2019, 7),
        ("last_amended", "amended", 2020, 1)]
    reported = client.simulate_get("/api/search?event=reported&year_from=1900").json["hits"]
    assert reported and all(e["month"] is None for h in reported for e in h["events"] if e["event"] == "reported")


def test_csv_export_has_the_events(client):
    response = client.simulate_get("/api/search.csv?q=online+payments&year_from=2020")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["events"].splitlines() == ["in_force: since July 2018", "in_force: entry into force in July 2019",
                                              "amended: last amended in January 2020"]


def test_measure_page_lists_the_events_in_words(client, holder):
    hit = search(holder, SearchRequest(q="167-VІ"))["hits"][0]
    html = client.simulate_get(measure_path(hit["id"])).text
    for line in ("<strong>In force</strong>: since July 2018", "<strong>In force</strong>: entry into force in July 2019",
                 "<strong>Amended</strong>: last amended in January 2020"):
        assert line in html
    assert "<table class=\"events\"" not in html


def test_the_page_reads_an_empty_date_box_as_not_given_and_refuses_a_bad_date(client):
    blank = client.simulate_get("/?in_force_on=&event=&q=payments")
    assert blank.status_code == 303 and blank.headers["location"].endswith("/?q=payments")  # blanks are not given
    assert client.simulate_get("/?q=payments").status_code == 200
    page = client.simulate_get("/?in_force_on=2021-02-30")
    assert page.status_code == 400 and "in_force_on" in page.text


def test_the_page_shows_date_filters_as_removable_chips(client):
    html = client.simulate_get("/?q=payments&event=amended&in_force_on=2019-12").text
    assert "2019-12" in html and "Amended" in html
    assert 'href="/?q=payments&amp;event=amended"' in html  # the chip that removes in_force_on
    assert 'href="/?q=payments&amp;in_force_on=2019-12"' in html  # the chip that removes the event kind


def test_the_page_has_date_boxes_that_keep_their_values_once(client):
    html = client.simulate_get("/?q=payments&event=amended&in_force_on=2019-12").text
    assert re.search(r'<input form="search-form" type="checkbox" name="event" value="amended" checked>', html)
    assert re.search(r'<input form="search-form" type="checkbox" name="event" value="reported">', html)
    assert 'name="in_force_on"' in html and 'value="2019-12"' in html
    # the boxes are the form's fields: no hidden copy would send in_force_on twice (a 400)
    state = html[html.index('<div id="form-state">'):]
    state = state[:state.index("</div>")]
    assert not re.search(r'name="(event|in_force_on)"', state)
    # the form as a browser submits it, boxes left empty: every kind, no day
    blank = client.simulate_get("/?q=payments&year_from=&year_to=&in_force_on=")
    assert blank.status_code == 303 and blank.headers["location"].endswith("/?q=payments")
