"""not_country, not_pillar, not_sub_pillar, not_coverage: totals and disjunctive counts against a brute-force scan."""

import csv
import io
import random
import urllib.parse

import falcon.testing
import pytest

from devtools.synthetic import Generator
from measuresearch.web.app import create_app

FACETS = ("country", "pillar", "sub_pillar", "coverage")


@pytest.fixture(scope="module")
def measures():
    return Generator(seed=11).measures(600)


@pytest.fixture(scope="module")
def synthetic_client(make_module_index, measures):
    return falcon.testing.TestClient(create_app(make_module_index(measures)))


def _passes(measure, filters, exclusions, skip=None):
    """Whether one measure passes every filter and exclusion except those of facet `skip` (the reference)."""
    for name in FACETS:
        if name == skip:
            continue
        value = getattr(measure, name)
        if filters.get(name) and value not in filters[name]:
            return False
        if value is not None and value in exclusions.get(name, ()):
            return False
    return True


def _expected_counts(measures, base_ids, filters, exclusions, name):
    """Count, per value of facet `name`, the measures passing every other facet's filters (disjunctive)."""
    tally = {}
    for m in measures:
        value = getattr(m, name)
        if m.id in base_ids and value is not None and _passes(m, filters, exclusions, skip=name):
            tally[value] = tally.get(value, 0) + 1
    return tally


def _random_request(rng, measures):
    filters, exclusions = {}, {}
    for name in FACETS:
        values = sorted({getattr(m, name) for m in measures if getattr(m, name)})
        roll = rng.random()
        if roll < 0.3:
            filters[name] = rng.sample(values, min(len(values), rng.randint(1, 6)))
        elif roll < 0.6:
            exclusions[name] = rng.sample(values, min(len(values), rng.randint(1, 4)))
        if roll < 0.1 and filters.get(name):  # a value both selected and excluded: excluded wins
            exclusions[name] = filters[name][:1]
    return filters, exclusions


def _params(q, filters, exclusions):
    params = [("q", q)] if q else []
    params += [(n, v) for n, values in filters.items() for v in values]
    params += [("not_" + n, v) for n, values in exclusions.items() for v in values]
    return params


def _query_string(params):
    return urllib.parse.urlencode(params)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("q", ["", "data", "law OR order"])
def test_exclusions_match_a_brute_force_scan(synthetic_client, measures, seed, q):
    rng = random.Random(seed)
    filters, exclusions = _random_request(rng, measures)
    # the measures that the words match, before any filter (the search itself is checked elsewhere)
    base = synthetic_client.simulate_get("/api/search.json", query_string=_query_string(_params(q, {}, {}))).json
    base_ids = {m["id"] for m in base["measures"]}
    body = synthetic_client.simulate_get("/api/search", query_string=_query_string(
        _params(q, filters, exclusions) + [("per_page", "100")])).json
    expected_ids = {m.id for m in measures if m.id in base_ids and _passes(m, filters, exclusions)}
    assert body["total"] == len(expected_ids)
    assert {h["id"] for h in body["hits"]} <= expected_ids
    for name in FACETS:
        got = {f["value"]: f["count"] for f in body["facets"][name]}
        expected = _expected_counts(measures, base_ids, filters, exclusions, name)
        listed = set(filters.get(name, ())) | set(exclusions.get(name, ()))
        assert {v: c for v, c in got.items() if c or v not in listed} == expected
        for entry in body["facets"][name]:
            assert entry.get("excluded", False) == (entry["value"] in exclusions.get(name, ()))
            assert entry["selected"] == (entry["value"] in filters.get(name, ()))
        assert listed <= set(got)  # every selected or excluded value is listed, even at 0


def test_excluding_the_only_country_leaves_nothing(client):
    body = client.simulate_get("/api/search", params={"not_country": "Kazakhstan"}).json
    assert body["total"] == 0
    assert body["query"]["filters"] == {"not_country": ["Kazakhstan"]}
    everything = client.simulate_get("/api/search").json["total"]
    assert body["facets"]["country"] == [{"value": "Kazakhstan", "count": everything, "selected": False,
                                          "excluded": True}]


def test_exclusion_of_a_pillar_is_the_complement_of_its_selection(client):
    everything = client.simulate_get("/api/search").json["total"]
    selected = client.simulate_get("/api/search", params={"pillar": "Content access"}).json["total"]
    excluded = client.simulate_get("/api/search", params={"not_pillar": "Content access"}).json["total"]
    assert selected > 0 and excluded > 0
    assert selected + excluded == everything


def test_csv_export_takes_exclusions(client):
    response = client.simulate_get("/api/search.csv", params={"not_pillar": "Content access"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    everything = client.simulate_get("/api/search").json["total"]
    assert 0 < len(rows) < everything
    assert "Content access" not in {row["pillar"] for row in rows}


@pytest.mark.parametrize("query", ["not_colour=red", "not_country=" + "x" * 301,
                                   "&".join(["not_pillar=a"] * 21)])
def test_bad_exclusions_are_400(client, query):
    response = client.simulate_get("/api/search?" + query)
    assert response.status_code == 400
    assert response.json["error"]["parameter"].startswith("not_")


def test_the_page_turns_a_chip_into_an_exclusion(client):
    page = client.simulate_get("/", params={"pillar": "Content access"}).text
    assert 'href="/?not_pillar=Content+access"' in page
    excluded = client.simulate_get("/?not_pillar=Content+access").text
    assert "not Content access" in excluded
    assert '<input type="hidden" name="not_pillar" value="Content access">' in excluded
