"""/api/matrix, /api/matrix.csv and the compare view, against a brute-force scan of the measures."""

import csv
import html
import io
import itertools
import random
import re
import urllib.parse

import falcon.testing
import pytest
import yaml

from measuresearch.domain import taxonomy
from devtools.synthetic import Generator
from measuresearch.web.app import create_app

from conftest import CORPUS

DIMENSIONS = ("country", "pillar", "sub_pillar", "coverage", "year", "group")
KIND_GROUP = {"since": "in_force", "entry_into_force": "in_force", "amended": "amended",
              "last_amended": "amended", "reported": "reported", "last_reported": "reported"}


@pytest.fixture(scope="module")
def measures():
    names = taxonomy.load(CORPUS)
    return Generator(seed=21, countries=len(names.economy_names)).measures(700)


@pytest.fixture(scope="module")
def group_members():
    data = yaml.safe_load((CORPUS / "groups.yaml").read_text(encoding="utf-8"))
    return {g["name"]: set(g["members"]) for g in data["groups"]}


@pytest.fixture(scope="module")
def app_client(make_module_index, measures):
    return falcon.testing.TestClient(create_app(make_module_index(measures)))


def values_of(measure, name, members, events=None):
    """The values a measure has on one dimension (the reference, written from the definitions)."""
    if name == "group":
        return {g for g, countries in members.items() if measure.country in countries}
    if name == "year":
        return {e["year"] for e in measure.events if not events or KIND_GROUP[e["kind"]] in events}
    value = getattr(measure, name)
    return set() if value is None else {value}


def expected_matrix(measures, allowed_ids, rows, cols, members, events=None):
    row_counts, col_counts, cells = {}, {}, {}
    for m in measures:
        if m.id not in allowed_ids:
            continue
        mine_r, mine_c = values_of(m, rows, members, events), values_of(m, cols, members, events)
        for r in mine_r:
            row_counts[r] = row_counts.get(r, 0) + 1
        for c in mine_c:
            col_counts[c] = col_counts.get(c, 0) + 1
        for r, c in itertools.product(mine_r, mine_c):
            cells[r, c] = cells.get((r, c), 0) + 1
    return row_counts, col_counts, cells


def _qs(params):
    return urllib.parse.urlencode(params)


def _allowed(client, params):
    exported = client.simulate_get("/api/search.json", query_string=_qs(params)).json
    return {m["id"] for m in exported["measures"]}


def _random_filters(rng, measures):
    params = []
    if rng.random() < 0.5:
        params.append(("q", rng.choice(["data", "law", "internet OR licence", "order"])))
    for name in ("pillar", "coverage", "country"):
        values = sorted({getattr(m, name) for m in measures if getattr(m, name)})
        roll = rng.random()
        if roll < 0.25:
            params += [(name, v) for v in rng.sample(values, 2)]
        elif roll < 0.45:
            params.append(("not_" + name, rng.choice(values)))
    if rng.random() < 0.3:
        params.append(("group", rng.choice(["EU", "OECD", "AfCFTA", "APEC"])))
    if rng.random() < 0.3:
        params.append(("not_group", rng.choice(["G7", "CIS"])))
    if rng.random() < 0.3:
        params.append(("event", rng.choice(["in_force", "reported"])))
    return params


@pytest.mark.parametrize("seed", range(6))
def test_every_pair_of_dimensions_matches_a_scan(app_client, measures, group_members, seed):
    rng = random.Random(seed)
    params = _random_filters(rng, measures)
    allowed = _allowed(app_client, params)
    events = {v for k, v in params if k == "event"}
    for rows, cols in itertools.product(DIMENSIONS, repeat=2):
        body = app_client.simulate_get("/api/matrix", query_string=_qs(params + [("rows", rows), ("cols", cols)])).json
        row_counts, col_counts, cells = expected_matrix(measures, allowed, rows, cols, group_members, events)
        assert body["total"] == len(allowed)
        assert {r["value"]: r["count"] for r in body["rows"] if r["count"]} == row_counts, (rows, cols)
        assert {c["value"]: c["count"] for c in body["cols"] if c["count"]} == col_counts, (rows, cols)
        assert {(c["row"], c["col"]): c["count"] for c in body["cells"]} == cells, (rows, cols)
        assert all(c["count"] > 0 for c in body["cells"])


def test_matrix_shape_and_echo(app_client):
    body = app_client.simulate_get("/api/matrix?rows=country&cols=pillar&not_pillar=Content+access").json
    assert set(body) >= {"query", "total", "rows", "cols", "cells"}
    assert body["query"]["rows"] == "country" and body["query"]["cols"] == "pillar"
    assert body["query"]["filters"] == {"not_pillar": ["Content access"]}
    assert "Content access" not in {c["value"] for c in body["cols"]}
    assert set(body["build"]) == {"index_id", "index_built_at"}


@pytest.mark.parametrize("query, parameter", [
    ("rows=colour", "rows"), ("cols=", "cols"), ("rows=a&rows=b", "rows"),
    ("page=abc", "page"), ("utm_source=x", "utm_source"), ("rows=group&year_from=abc", "year_from"),
    ("sort=best", "sort"),
])
def test_bad_matrix_parameters_are_400(app_client, query, parameter):
    for path in ("/api/matrix", "/api/matrix.csv"):
        response = app_client.simulate_get(path + "?" + query)
        assert response.status_code == 400
        assert response.json["error"]["parameter"] == parameter


def test_the_page_parameters_of_a_search_change_no_count(app_client):
    # API.md: the matrix takes the search parameters; like the exports it checks page, per_page and sort
    for path in ("/api/matrix", "/api/matrix.csv"):
        plain = app_client.simulate_get(path, query_string="rows=country&cols=pillar&q=data")
        paged = app_client.simulate_get(path, query_string="rows=country&cols=pillar&q=data&page=3&per_page=5"
                                                           "&sort=newest")
        assert paged.status_code == plain.status_code == 200
        if path.endswith(".csv"):
            assert paged.text == plain.text
        else:
            assert {**paged.json, "query": None} == {**plain.json, "query": None}


def test_matrix_csv_is_the_same_table(app_client):
    params = [("rows", "group"), ("cols", "pillar"), ("q", "data")]
    body = app_client.simulate_get("/api/matrix", query_string=_qs(params)).json
    response = app_client.simulate_get("/api/matrix.csv", query_string=_qs(params))
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    header, lines, totals = table[0], table[1:-1], table[-1]
    assert header[0] == "group" and header[-3:] == ["total", "index_id", "index_built_at"]
    assert header[1:-3] == [c["value"] for c in body["cols"]]
    cells = {(c["row"], c["col"]): c["count"] for c in body["cells"]}
    for line, row in zip(lines, body["rows"], strict=True):
        assert line[0] == row["value"] and int(line[-3]) == row["count"]
        assert [int(n) for n in line[1:-3]] == [cells.get((row["value"], c), 0) for c in header[1:-3]]
        assert line[-2:] == [body["build"]["index_id"], body["build"]["index_built_at"]]
    assert totals[0] == "total" and int(totals[-3]) == body["total"]


def test_compare_view_shows_counts_links_and_absence(app_client, measures, group_members):
    page = app_client.simulate_get("/compare", params={"group": "OECD", "rows": "country"})
    assert page.status_code == 200
    html = page.text
    allowed = {m.id for m in measures if m.country in group_members["OECD"]}
    row_counts, col_counts, cells = expected_matrix(measures, allowed, "country", "pillar", group_members)
    country, pillar = next(iter(cells))
    link = "/?" + urllib.parse.urlencode([("country", country), ("pillar", pillar), ("group", "OECD")])
    assert f'href="{link.replace("&", "&amp;")}"' in html
    assert html.count("no measure recorded") >= 1 + sum(
        1 for r in row_counts for c in col_counts if (r, c) not in cells)
    assert f">{len(allowed)}</td>" in html  # the grand total
    assert "Remove filter Group: OECD" in html


ROW = re.compile(r'<tr>\s*<th scope="row"><a href="([^"]+)"[^>]*>[^<]*</a></th>(.*?)<td class="total">(\d+)</td>',
                 re.S)
CELL = re.compile(r'<td class="heat h\d+"><a href="([^"]+)" title="[^"]*">(\d+)</a></td>')


def _compare_links(client, params):
    """Return [(link, the count it is written on)] of every row and cell of a compare page."""
    page = client.simulate_get("/compare", query_string=_qs(params))
    assert page.status_code == 200
    links = []
    for row_link, cells, total in ROW.findall(page.text):
        links.append((html.unescape(row_link), int(total)))
        links.extend((html.unescape(link), int(count)) for link, count in CELL.findall(cells))
    return links


@pytest.mark.parametrize("params", [
    # the search already selects values of the columns' dimension, of the rows' dimension, or of both
    [("rows", "country"), ("cols", "pillar"), ("pillar", "PILLAR0"), ("pillar", "PILLAR1")],
    [("rows", "group"), ("cols", "pillar"), ("group", "EU"), ("group", "OECD"), ("group", "G7")],
    [("rows", "group"), ("cols", "sub_pillar"), ("group", "apec"), ("pillar", "PILLAR0"), ("not_group", "G7")],
    [("rows", "country"), ("cols", "sub_pillar"), ("country", "COUNTRY0"), ("country", "COUNTRY1"),
     ("sub_pillar", "SUB0"), ("sub_pillar", "SUB1"), ("not_group", "EU")],
])
def test_every_count_of_the_compare_view_links_to_exactly_its_measures(app_client, measures, params):
    # the cell Kazakhstan x Content access (4) of a search for two pillars linked to
    # pillar=Content+access&pillar=Intermediary+liability&pillar=Content+access: the whole row (7)
    def commonest(name, among=measures):
        values = [getattr(m, name) for m in among]
        return sorted(set(values), key=lambda v: (-values.count(v), v))
    pillars, countries = commonest("pillar"), commonest("country")
    subs = commonest("sub_pillar", [m for m in measures if m.country in countries[:2]])
    names = {"PILLAR0": pillars[0], "PILLAR1": pillars[1], "COUNTRY0": countries[0], "COUNTRY1": countries[1],
             "SUB0": subs[0], "SUB1": subs[1]}
    links = _compare_links(app_client, [(k, names.get(v, v)) for k, v in params])
    assert len(links) >= 3 and len({link for link, _ in links}) == len(links)
    for link, count in links:
        query = urllib.parse.urlsplit(link).query
        assert app_client.simulate_get("/api/search", query_string=query).json["total"] == count, link


def test_compare_view_of_one_pillar_by_sub_pillar(app_client, measures):
    pillar = sorted({m.pillar for m in measures})[0]
    html = app_client.simulate_get("/compare", params={"pillar": pillar, "cols": "sub_pillar"}).text
    subs = {m.sub_pillar for m in measures if m.pillar == pillar}
    others = {m.sub_pillar for m in measures} - subs
    assert all(f"<span>{s}</span>" in html for s in subs)
    assert not any(f"<span>{s}</span>" in html for s in others)


@pytest.mark.parametrize("params, parameter", [({"rows": "year", "cols": "coverage"}, "rows"),
                                               ({"rows": "pillar", "cols": "pillar"}, "rows"),
                                               ({"cols": "group"}, "cols"), ({"cols": "year"}, "cols")])
def test_compare_view_refuses_a_table_it_does_not_draw_instead_of_drawing_another(app_client, params, parameter):
    # it used to answer 200 with economies by pillar, its form rewritten, and no word
    page = app_client.simulate_get("/compare", params={"q": "data", **params})
    assert page.status_code == 400 and "/api/matrix" in page.text and "economies by pillar" not in page.text.lower()
    assert 'value="data"' in page.text  # the query stays in the box


def test_a_refused_compare_keeps_the_query_in_the_box_and_the_way_back(app_client):
    page = app_client.simulate_get("/compare", params={"q": "law", "sort": "best", "lang": "ru"})
    assert page.status_code == 400 and 'value="law"' in page.text
    assert 'href="/?q=law&amp;lang=ru"' in page.text


def test_selected_values_that_no_measure_has_are_listed_at_zero(client, real_measures):
    # API.md: rows and columns list "the values the request selects (at 0)", an economy of the taxonomy
    # without measures and a pillar no measure has included; the first by any of its names, as a filter takes it
    held = {m.pillar for m in real_measures}
    empty_pillar = next(p for p in taxonomy.load(CORPUS).pillars if p not in held)
    body = client.simulate_get("/api/matrix", params={"rows": "pillar", "pillar": empty_pillar}).json
    assert body["rows"] == [{"value": empty_pillar, "count": 0}] and body["cells"] == []
    body = client.simulate_get("/api/matrix", params={"rows": "country", "country": ["RU", "kz"]}).json
    assert body["rows"] == [{"value": "Kazakhstan", "count": len(real_measures)},
                            {"value": "Russian Federation", "count": 0}]
    assert {cell["row"] for cell in body["cells"]} == {"Kazakhstan"}


@pytest.mark.parametrize("spelling", ["RU", "ru", "russian federation", "Россия"])
def test_an_economy_without_measures_is_named_canonically_in_the_echo_and_the_notice(client, spelling):
    body = client.simulate_get("/api/search", params={"country": spelling}).json
    assert body["total"] == 0 and body["query"]["filters"] == {"country": ["Russian Federation"]}
    (notice,) = body["notices"]
    assert notice["code"] == "unknown_value" and notice["value"] == "Russian Federation"
