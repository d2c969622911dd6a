"""The search page as a new user meets it: default sort, unknown parameters, error pages (falcon.testing)."""

import html as htmllib
import re

import pytest

TRACKING = {"utm_source": "newsletter", "utm_medium": "email", "fbclid": "IwAR0x", "gclid": "Cj0K", "ref": "x"}


def search_form(html):
    return re.search(r'<form id="search-form".*?</form>', html, re.S).group(0)


def test_the_start_page_does_not_carry_a_sort_into_a_typed_query(client):
    html = client.simulate_get("/").text
    assert 'name="sort"' not in search_form(html)  # the box submits q without "newest"
    assert re.search(r'<option value="newest" selected>', html)  # what browsing shows


def test_relevance_is_the_default_whenever_the_query_has_words(client):
    assert client.simulate_get("/api/search", params={"q": "law"}).json["query"]["sort"] == "relevance"
    assert client.simulate_get("/api/search").json["query"]["sort"] == "newest"
    html = client.simulate_get("/", params={"q": "law"}).text
    assert re.search(r'<option value="relevance" selected>', html)


def test_a_chosen_sort_is_kept_by_the_search_box(client):
    form = search_form(client.simulate_get("/", params={"q": "law", "sort": "oldest"}).text)
    assert '<input type="hidden" name="sort" value="oldest">' in form


def test_the_sort_form_carries_the_search_without_page(client):
    html = client.simulate_get("/", params={"q": "law", "country": "Kazakhstan", "page": "2", "per_page": "5"}).text
    sort_form = re.search(r'<form id="sort-form".*?</form>', html, re.S).group(0)
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', sort_form)
    assert hidden == [("q", "law"), ("country", "Kazakhstan"), ("per_page", "5")]


def test_the_page_ignores_parameters_it_does_not_know(client):
    plain = client.simulate_get("/", params={"q": "shutdowns"})
    tracked = client.simulate_get("/", params={"q": "shutdowns", **TRACKING})
    assert tracked.status_code == 200
    total = re.search(r'<span id="total">(\d+)</span>', tracked.text).group(1)
    assert total == re.search(r'<span id="total">(\d+)</span>', plain.text).group(1) == "2"
    assert "utm_source" not in tracked.text and "fbclid" not in tracked.text  # not carried into links


@pytest.mark.parametrize("name", sorted(TRACKING))
def test_the_api_stays_strict(client, name):
    response = client.simulate_get("/api/search", params={"q": "law", name: "x"})
    assert response.status_code == 400 and response.json["error"]["parameter"] == name


def test_a_rejected_query_keeps_the_box_and_the_way_back(client):
    response = client.simulate_get("/", params={"q": "*tion", "country": "Kazakhstan", "utm_source": "x"})
    assert response.status_code == 400
    html = response.text
    assert 'value="*tion"' in search_form(html)  # to correct it
    assert '<input type="hidden" name="country" value="Kazakhstan">' in search_form(html)
    assert "A wildcard may only end a word" in html and "<h1>This search could not be run</h1>" in html
    assert 'class="back" href="/?country=Kazakhstan"' in html  # without the rejected query, filters kept


def test_back_to_the_search_keeps_the_query(client):
    response = client.simulate_get("/", params={"q": "internet shutdowns", "per_page": "500"})
    assert response.status_code == 400
    assert 'class="back" href="/?q=internet+shutdowns"' in response.text


def test_a_long_paragraph_is_refused_with_its_reason(client):
    paragraph = ("Internet shutdowns and data localisation rules " * 13)[:600]
    response = client.simulate_get("/", params={"q": paragraph})
    assert response.status_code == 400 and "The query is 600 characters long" in response.text
    assert f'value="{htmllib.escape(paragraph)}"' in search_form(response.text)


@pytest.mark.parametrize("path", ["/", "/measures/nope", "/?page=0", "/no-such-page"])
def test_every_page_has_a_search_box(client, path, real_measures):
    assert 'id="search-form"' in client.simulate_get(path).text
    assert 'id="search-form"' in client.simulate_get(f"/measures/{real_measures[0].id}").text


def test_an_error_elsewhere_goes_back_to_the_start(client):
    html = client.simulate_get("/measures/nope").text
    assert 'class="back" href="/"' in html


def test_a_measure_with_several_titles_lists_them(client, real_measures):
    m = next(m for m in real_measures if len(m.titles) >= 3)
    html = client.simulate_get(f"/measures/{m.id}").text
    assert re.search(r'<h1 class="measure-title">' + re.escape(htmllib.escape(m.titles[0], quote=False)) + "</h1>",
                     html)
    items = re.search(r'<ul class="more-titles"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", items) == [htmllib.escape(t, quote=False) for t in m.titles[1:]]
    assert "Date line" not in html


def test_a_hit_with_several_titles_links_the_first_and_lists_the_rest(client):
    html = client.simulate_get("/", params={"q": "trading activities"}).text
    hit = re.search(r'<li class="hit">.*?</li>\s*</ul>', html, re.S).group(0)
    link = re.search(r'<h2 class="hit-title"><a href="[^"]+">(.*?)</a></h2>', hit).group(1)
    assert "No. 544" in link and "No. 264" not in link
    assert "No. 264" in re.search(r'<ul class="more-titles".*?</ul>', hit, re.S).group(0)


@pytest.mark.parametrize("q, heading", [("shutdowns", "2 measures"), ("advertisement law", "1 measure")])
def test_counts_are_singular_or_plural(client, q, heading):
    html = client.simulate_get("/", params={"q": q}).text
    text = re.sub(r"<[^>]+>", "", re.search(r'<h1 id="results-heading">.*?</h1>', html, re.S).group(0))
    assert text.startswith(heading + " for")
    assert not re.search(r"\b1 measures\b", re.sub(r"<[^>]+>", "", html))


def facet_items(html, facet):
    end = r'</ul>\s*(?:<a class="facet-more"|</section>)'
    section = re.search(rf'<ul class="facet-values" id="values-{facet}">(.*?){end}', html, re.S).group(1)
    return re.findall(r'<li class="facet-item( extra)?"( hidden)?>', section)


def test_more_without_javascript_is_a_link_that_keeps_the_search(client, make_index):
    from conftest import make_measure
    countries = [f"Land {i:02d}" for i in range(14)]
    holder = make_index([make_measure(f"Law {i}", "licensing of online sellers", country=c)
                         for i, c in enumerate(countries)])
    import falcon.testing
    from measuresearch.web.app import create_app
    small = falcon.testing.TestClient(create_app(holder))
    html = small.simulate_get("/", params={"q": "licensing", "country": "Land 13"}).text
    items = facet_items(html, "country")
    assert len(items) == 14 and sum(1 for extra, hidden in items if hidden) == 3  # 10 shown + the selected one
    more = re.search(r'<a class="facet-more" href="([^"]+)"[^>]*>Show 3 more</a>', html).group(1)
    assert htmllib.unescape(more) == "/?q=licensing&country=Land+13&more=country"
    unfolded = small.simulate_get("/", params={"q": "licensing", "country": "Land 13", "more": "country"}).text
    assert not any(hidden for _, hidden in facet_items(unfolded, "country"))
    assert ">Show fewer</a>" in unfolded
    # more= is the page's own: the API refuses it like any unknown parameter
    assert small.simulate_get("/api/search", params={"more": "country"}).status_code == 400
    assert small.simulate_get("/", params={"more": ["nonsense", "country"]}).status_code == 200
