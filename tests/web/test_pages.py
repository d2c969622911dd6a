"""HTML pages rendered through falcon.testing."""

import re

import pytest


def test_search_page_keeps_the_query_and_shows_highlights(client):
    page = client.simulate_get("/", params={"q": "shutdowns"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'value="shutdowns"' in html
    assert "<mark>shutdowns</mark>" in html
    assert re.search(r'<span id="total">2</span>\s+measures', html)
    assert "Why:" in html


def test_facets_nest_sub_pillars_and_link_as_toggles(client):
    html = client.simulate_get("/").text
    pillar = re.search(r'<a class="facet-value" href="(/\?pillar=Content\+access)"', html)
    assert pillar
    sub = html.index("Sub-pillars of Content access")
    assert html.index("Presence of Internet shutdowns", sub) > sub
    selected = client.simulate_get("/", params={"pillar": "Content access"}).text
    assert 'aria-checked="true"' in selected
    assert 'aria-label="Remove filter Pillar: Content access"' in selected
    assert '<span id="total">4</span>' in selected


def test_active_filters_are_kept_in_the_form(client):
    html = client.simulate_get("/", params={"q": "law", "country": "Kazakhstan"}).text
    assert '<input type="hidden" name="country" value="Kazakhstan">' in html
    assert 'href="/api/search.csv?q=law&amp;country=Kazakhstan"' in html


def test_no_results_offers_to_drop_filters(client):
    html = client.simulate_get("/", params={"q": "whatsapp", "coverage": "Telecom equipment"}).text
    assert 'id="no-results"' in html and "Search again without filters" in html
    assert "Drop Coverage: Telecom equipment" in html


def test_notices_for_relaxed_and_suggestion(client):
    assert 'id="relaxed"' in client.simulate_get("/", params={"q": "whatsapp encryption"}).text
    assert "Did you mean" in client.simulate_get("/", params={"q": "shutdwons"}).text


def test_pagination_links(client):
    html = client.simulate_get("/", params={"per_page": "5", "page": "2"}).text
    assert 'aria-current="page" class="current">2<' in html
    assert 'href="/?page=3&amp;per_page=5"' in html and 'href="/?per_page=5" aria-label="Page 1"' in html


def test_measure_page_has_every_field_and_links(client, real_measures):
    m = real_measures[3]
    html = client.simulate_get(f"/measures/{m.id}").text
    for text in [*m.titles, m.pillar, m.sub_pillar, m.coverage, *m.dates]:
        assert text in html
    assert 'href="/?sub_pillar=Licensing+scheme+for+e-commerce+providers"' in html
    assert "Related measures" in html and "Date events" in html


def test_html_errors_are_pages_with_headers(client):
    response = client.simulate_get("/measures/nope")
    assert response.status_code == 404 and "<h1>Page not found</h1>" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    bad = client.simulate_get("/", params={"per_page": "0"})
    assert bad.status_code == 400 and "per_page must be between 1 and 100." in bad.text


@pytest.mark.parametrize("path", ["/", "/?q=x", "/measures/nope"])
def test_security_headers_and_no_inline_script(client, path):
    response = client.simulate_get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert not re.search(r"<script(?![^>]*\ssrc=)", response.text)
    assert " style=" not in response.text
    assert not re.search(r"<[^>]+\son[a-z]+=", response.text)  # no inline event handlers


def test_static_files_are_served(client):
    from measuresearch.web.views.pages import STATIC
    for name, media_type in (("app.js", "text/javascript"), ("app.css", "text/css")):
        response = client.simulate_get(f"/static/{name}")
        assert response.content == (STATIC / name).read_bytes()
        assert response.headers["content-type"].startswith(media_type)
    assert client.simulate_get("/static/../pages.py").status_code == 404
