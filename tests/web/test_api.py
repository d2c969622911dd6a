"""The JSON API through falcon.testing, against API.md."""

import csv
import io

import falcon.testing
import pytest

from measuresearch.index.engine import IndexHolder
from measuresearch.domain.dates import public_events
from measuresearch.web.app import create_app


def test_search_shape(client):
    body = client.simulate_get("/api/search", params={"q": "shutdowns", "country": "Kazakhstan"}).json
    assert set(body) >= {"query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets", "suggestion"}
    assert body["query"] == {"q": "shutdowns", "filters": {"country": ["Kazakhstan"]}, "year_from": None,
                             "year_to": None, "event": [], "in_force_on": None, "sort": "relevance", "page": 1,
                             "per_page": 20}
    hit = body["hits"][0]
    assert set(hit) >= {"id", "url", "score", "country", "pillar", "sub_pillar", "coverage", "titles", "dates",
                        "year", "events", "description", "highlights", "matched"}
    assert hit["url"] == f"/measures/{hit['id']}"
    assert set(body["facets"]) == {"country", "pillar", "sub_pillar", "coverage", "year", "group"}
    assert body["facets"]["country"] == [{"value": "Kazakhstan", "count": 2, "selected": True}]


def test_repeatable_filters(client):
    body = client.simulate_get("/api/search?pillar=Content+access&pillar=Intermediary+liability").json
    assert body["total"] == 7
    assert body["query"]["filters"] == {"pillar": ["Content access", "Intermediary liability"]}


BAD_PARAMETERS = [
    ("per_page=0", "per_page", "per_page must be between 1 and 100"),
    ("per_page=101", "per_page", "per_page must be between 1 and 100"),
    ("per_page=abc", "per_page", "per_page must be a whole number"),
    ("per_page=", "per_page", "per_page must be a whole number"),
    ("per_page=5&per_page=6", "per_page", "per_page may be given only once"),
    ("page=0", "page", "page must be between 1 and 100"), ("page=-1", "page", "page must be between 1 and 100"),
    ("sort=best", "sort", "sort must be one of relevance, newest, oldest"),
    ("sort=", "sort", "sort must be one of relevance, newest, oldest"),
    ("year_from=20x", "year_from", "year_from must be a whole number"),
    # int() reads these too: a number in a URL is written in the digits 0-9, and nothing else
    ("per_page=%D9%A5", "per_page", "per_page must be a whole number"),  # Arabic-Indic 5
    ("year_from=%D9%A2%D9%A0%D9%A0%D9%A0", "year_from", "year_from must be a whole number"),
    ("year_from=%2B2020", "year_from", "year_from must be a whole number"),
    ("page=%205", "page", "page must be a whole number"),
    ("year_to=10000", "year_to", "year_to must be between 0 and 9999"),
    ("in_force_on=2019%0A", "in_force_on", "must be a date written YYYY"),
    ("in_force_on=+2019", "in_force_on", "must be a date written YYYY"),  # a space, as year_from=%2B2020 above
    ("colour=red", "colour", "unknown parameter 'colour'"), ("q=a&q=b", "q", "q may be given only once"),
    ("country=" + "x" * 301, "country", "a country value may be at most 300 characters"),
    ("&".join(f"pillar=p{i}" for i in range(21)), "pillar", "pillar may be given at most 20 times"),
    ("page=100000&per_page=100", "page", "page must be between 1 and 100"),
    ("q=" + "x" * 600, "q", "500"),
]


@pytest.mark.parametrize("path", ["/api/search", "/api/search.csv", "/api/search.json"])
@pytest.mark.parametrize("query, parameter, message", BAD_PARAMETERS)
def test_bad_parameters_are_400_with_the_error_shape(client, path, query, parameter, message):
    # the exports read their parameters with the same parser as /api/search, so they refuse the same things
    response = client.simulate_get(path + "?" + query)
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    error = response.json["error"]
    assert error["status"] == 400 and error["parameter"] == parameter
    assert error["code"] in ("invalid_parameter", "query_too_complex") and message in error["message"]


@pytest.mark.parametrize("blank", ["   ", "\u00a0", "\u3000", " \u2003 "])
def test_a_query_of_white_space_alone_is_a_blank_box_on_the_page(client, blank, real_measures):
    # not "15 measures for “ ”": the page of no query, at its clean URL (the API reads it as no query too)
    response = client.simulate_get("/", params={"q": blank, "country": "Kazakhstan"})
    assert response.status_code == 303 and response.headers["location"] == "/?country=Kazakhstan"
    page = client.simulate_get("/?country=Kazakhstan").text
    assert f"{len(real_measures)}</span> measures</h1>" in page
    assert client.simulate_get("/api/search", params={"q": blank}).json["total"] == len(real_measures)


def test_the_page_sends_blank_form_fields_to_the_clean_url(client):
    # the HTML form sends its empty boxes; the JSON API refuses the same blanks (above); the page redirects
    total = client.simulate_get("/api/search?q=law").json["total"]
    blank = client.simulate_get("/?q=law&sort=&year_from=&year_to=&in_force_on=&page=&per_page=&event=reported")
    assert blank.status_code == 303 and blank.headers["location"] == "/?q=law&event=reported"
    page = client.simulate_get("/?q=law&event=reported")
    assert total > 1 and page.status_code == 200 and '<span id="total">' in page.text
    assert client.simulate_get("/?q=").headers["location"] == "/"
    assert client.simulate_get("/compare?q=&rows=group").headers["location"] == "/compare?rows=group"


def test_json_is_utf8_text_not_escapes(client):
    response = client.simulate_get("/api/search", params={"q": "информатизации"})
    assert response.headers["content-type"] == "application/json"
    assert "Об информатизации".encode() in response.content and b"\\u04" not in response.content
    export = client.simulate_get("/api/search.json", params={"q": "информатизации"})
    assert "Об информатизации".encode() in export.content


def test_an_inverted_year_range_is_empty_not_an_error(client):
    body = client.simulate_get("/api/search?year_from=2020&year_to=2010").json
    assert body["total"] == 0 and body["hits"] == []


def test_unknown_measure_and_unknown_path_are_json_404(client):
    for path in ("/api/measures/nope", "/api/nothing-here"):
        response = client.simulate_get(path)
        assert response.status_code == 404
        assert response.json["error"]["status"] == 404 and response.json["error"]["message"]


def test_a_parameter_to_an_endpoint_that_takes_none_says_so(client, real_measures):
    response = client.simulate_get(f"/api/measures/{real_measures[0].id}", params={"foo": "1"})
    assert response.status_code == 400 and response.json["error"]["parameter"] == "foo"
    assert response.json["error"]["message"] == (f"unknown parameter 'foo'; /api/measures/{real_measures[0].id} "
                                                 "takes no parameters")


def test_measure_record(client, real_measures):
    first = real_measures[0]
    body = client.simulate_get(f"/api/measures/{first.id}").json
    assert body["id"] == first.id and body["titles"] == first.titles and body["events"] == public_events(first.events)
    by_id = {m.id: m for m in real_measures}
    for related in body["related"]:  # each summary is the record of that measure
        measure = by_id[related["id"]]
        assert related == {"id": measure.id, "url": f"/measures/{measure.id}", "titles": measure.titles,
                           "country": measure.country, "sub_pillar": measure.sub_pillar, "year": measure.year}


def test_related_measures_share_the_subject_first(client, real_measures):
    # the reference: a scan of the corpus for the measures of the same sub-pillar
    for measure in real_measures:
        related = [r["id"] for r in client.simulate_get(f"/api/measures/{measure.id}").json["related"]]
        same = {m.id for m in real_measures if m.sub_pillar == measure.sub_pillar and m.id != measure.id}
        assert len(related) == min(5, len(real_measures) - 1) and len(set(related)) == len(related)
        assert measure.id not in related
        leading = related[:min(len(same), 5)]
        assert set(leading) <= same and (len(same) > 5 or set(leading) == same), measure.id


def test_related_after_the_subject_are_the_measures_alike_in_text(make_index):
    from conftest import make_measure
    from measuresearch.search.service import get_measure
    target = make_measure("Law No. 134 on data localisation", "Operators store personal data of citizens "
                          "on servers located in the country.", sub_pillar="Local storage requirement")
    same_subject = make_measure("Banking rules", "Banks keep copies of payment records at home.",
                                sub_pillar="Local storage requirement")
    alike = make_measure("Law No. 134 on data localisation, implementing order", "Operators store personal "
                         "data of citizens on servers located in the country, as the law requires.",
                         sub_pillar="Cross-border data transfer restrictions")
    others = [make_measure(f"Unrelated act {i}", f"Tariff schedule number {i} for imported vehicles.",
                           sub_pillar="Tariffs on ICT goods") for i in range(4)]
    holder = make_index([target, same_subject, alike, *others])
    related = [r["id"] for r in get_measure(holder, target.id)["related"]]
    assert related[:2] == [same_subject.id, alike.id] and len(related) == 5


def test_missing_index_is_503_saying_make_index(tmp_path):
    holder = IndexHolder(tmp_path / "empty")
    client = falcon.testing.TestClient(create_app(holder))
    for path in ("/api/search", "/healthz"):
        response = client.simulate_get(path)
        assert response.status_code == 503
        assert "make index" in response.json["error"]["message"]
        assert str(tmp_path) not in response.text and "/empty" not in response.text  # no server folder named
    page = client.simulate_get("/")
    assert page.status_code == 503 and str(tmp_path) not in page.text and "make index" in page.text


def test_healthz(client):
    body = client.simulate_get("/healthz").json
    assert body["status"] == "ok" and body["documents"] == 15
    assert body["index_id"] and body["index_built_at"].endswith("+00:00")


def test_csv_has_every_match_and_opens_in_excel(client):
    response = client.simulate_get("/api/search.csv", params={"q": "law"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    total = client.simulate_get("/api/search", params={"q": "law"}).json["total"]
    assert rows[0][:3] == ["id", "url", "country"] and len(rows) == total + 1
    assert any("Об информатизации" in cell for row in rows for cell in row)


def test_json_export_has_every_match(client):
    body = client.simulate_get("/api/search.json").json
    assert body["total"] == 15 and len(body["measures"]) == 15


def test_suggest(client):
    body = client.simulate_get("/api/suggest", params={"q": "internet shut"}).json
    assert body["q"] == "internet shut"
    assert "internet shutdowns" in body["suggestions"] and len(body["suggestions"]) <= 10


def test_openapi_lists_every_json_endpoint(client):
    doc = client.simulate_get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/api/search", "/api/search.csv", "/api/measures/{measure_id}", "/api/suggest", "/healthz"} <= set(doc["paths"])


def test_security_headers_on_json_and_errors(client):
    for path in ("/api/search", "/api/measures/nope", "/"):
        headers = client.simulate_get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "referrer-policy" in headers


@pytest.mark.parametrize("q", ["inform*", "goverment~", "information"])
def test_match_kinds_are_the_ones_the_schema_lists_and_the_page_names(client, q):
    from measuresearch.web.views.pages import KIND_LABELS
    enum = client.simulate_get("/openapi.json").json["paths"]["/api/search"]["get"]["responses"]["200"][
        "content"]["application/json"]["schema"]["properties"]["hits"]["items"]["properties"]["matched"]["items"][
        "properties"]["kind"]["enum"]
    kinds = {m["kind"] for hit in client.simulate_get("/api/search", params={"q": q}).json["hits"]
             for m in hit["matched"]}
    assert kinds and kinds <= set(enum)
    page = client.simulate_get("/", params={"q": q}).text
    for kind in kinds - {"exact"}:
        assert f"({KIND_LABELS[kind]})" in page
    assert "()" not in page
