"""Facets at DTI scale in a real browser: a 10k synthetic corpus built at test time (JavaScript on and off)."""

import json
import urllib.parse
import urllib.request

import browsing
import pytest

from measuresearch.domain import taxonomy
from measuresearch.index.build import indexer
from devtools import localserver
from devtools.synthetic import Generator

pytestmark = pytest.mark.e2e
expect = browsing.require().expect
TOP = 10


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    """A server on 2,000 synthetic measures (every one of the 146 economies has some), in a temporary folder."""
    root = tmp_path_factory.mktemp("index10k")
    indexer.build(None, root, measures=Generator(seed=7).measures(2_000))
    process, base, _ = localserver.start(root)
    yield base
    localserver.stop(process)


def api(base, **params):
    with urllib.request.urlopen(base + "/api/search?" + urllib.parse.urlencode(params, doseq=True)) as r:
        return json.load(r)


def visible_values(page, facet):
    return [v.inner_text() for v in page.locator(f"a.facet-value[data-facet={facet}] .value").all() if v.is_visible()]


def test_a_long_facet_shows_its_top_ten_and_more_shows_the_rest(js_page, big_server):
    page = js_page
    expected = [v["value"] for v in api(big_server, per_page=1)["facets"]["country"]]
    assert len(expected) == 146
    page.goto(big_server + "/")
    assert visible_values(page, "country") == expected[:TOP]
    more = page.locator("a.facet-more[data-facet=country]")
    expect(more).to_have_text(f"Show {146 - TOP} more")
    if page.js:
        page.evaluate("() => { window.__sameDocument = true; }")
        more.click()
        assert page.evaluate("() => window.__sameDocument") is True
        expect(more).to_have_text("Show fewer")
    else:
        with page.expect_navigation():
            more.click()
        assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query) == {"more": ["country"]}
    assert visible_values(page, "country") == expected


def test_a_selected_value_is_shown_wherever_it_ranks(js_page, big_server):
    page = js_page
    counts = api(big_server, per_page=1)["facets"]["country"]
    last = counts[-1]["value"]
    page.goto(big_server + "/?" + urllib.parse.urlencode({"country": last}))
    shown = visible_values(page, "country")
    assert last in shown and len(shown) == TOP + 1
    assert page.get_attribute("a.facet-value[data-facet=country][aria-checked=true]", "href") is not None


def test_sub_pillars_fold_under_their_pillar(js_page, big_server):
    page = js_page
    facets = api(big_server, per_page=1)["facets"]
    page.goto(big_server + "/")
    assert visible_values(page, "sub_pillar") == []
    assert visible_values(page, "pillar") == [v["value"] for v in facets["pillar"]][:TOP]
    first = facets["pillar"][0]["value"]
    item = page.locator("#values-pillar > li").filter(has=page.locator("a.facet-value[data-facet=pillar]",
                                                                        has_text=first))
    item.locator("summary").click()  # <details>: opens with JavaScript off too
    opened = visible_values(page, "sub_pillar")
    assert opened and set(opened) <= {v["value"] for v in facets["sub_pillar"]}
    chosen = api(big_server, per_page=1, pillar=first)["facets"]["sub_pillar"]
    page.goto(big_server + "/?" + urllib.parse.urlencode({"pillar": first}))
    # a selected pillar shows its sub-pillars; the others stay folded
    assert sorted(visible_values(page, "sub_pillar")) == sorted(opened)
    assert {v["value"] for v in chosen if v["count"]} >= set(opened)


def test_the_filter_box_narrows_a_long_list_as_one_types(page, big_server):
    names = [v["value"] for v in api(big_server, per_page=1)["facets"]["country"]]
    page.goto(big_server + "/")
    box = page.locator(".facet-filter[data-filter=country]")
    expect(box).to_be_visible()
    for typed in ("a", "is", "isl", "land", "zzz"):
        box.fill("")
        box.type(typed, delay=10)
        wanted = [n for n in names if typed in n.lower()]
        assert visible_values(page, "country") == wanted, typed
        expect(page.locator("a.facet-more[data-facet=country]")).to_be_hidden()
    box.fill("")
    box.type("x", delay=10)
    page.keyboard.press("Backspace")
    assert visible_values(page, "country") == names[:TOP]
    subs = api(big_server, per_page=1)["facets"]["sub_pillar"]
    target = subs[-1]["value"]
    pillar_box = page.locator(".facet-filter[data-filter=pillar]")
    pillar_box.type(target[:12].lower(), delay=10)
    assert target in visible_values(page, "sub_pillar")  # its pillar unfolds to show it
    assert all(target[:12].lower() in v.lower() for v in visible_values(page, "sub_pillar"))


def test_without_javascript_there_is_no_dead_filter_box(browser, big_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(big_server + "/")
    expect(page.locator(".facet-filter").first).to_be_hidden()
    context.close()


def test_a_chosen_sub_pillar_keeps_the_others_folded_under_their_pillars(page, big_server):
    facets = api(big_server, per_page=1)["facets"]
    target = facets["sub_pillar"][-1]["value"]
    page.goto(big_server + "/?" + urllib.parse.urlencode({"sub_pillar": target}))
    shown = visible_values(page, "sub_pillar")
    assert target in shown and len(shown) < len(facets["sub_pillar"])  # only its own pillar is open
    assert page.locator("#values-pillar > li > a.facet-value[data-facet=sub_pillar]").count() == 0  # none flat
    parent = taxonomy.load().parent[target]
    shown_pillars = visible_values(page, "pillar")  # pillars fold past TOP like any facet; the chosen one's stays
    assert parent in shown_pillars
    assert set(shown_pillars) <= {v["value"] for v in facets["pillar"]}
    assert len(shown_pillars) == min(TOP, len(facets["pillar"])) + (parent not in shown_pillars[:TOP])
