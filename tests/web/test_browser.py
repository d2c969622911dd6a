"""End to end in a real browser: Debian's Chromium driven by Playwright."""

import json
import re
import urllib.parse
import urllib.request

import browsing
import pytest

pytestmark = pytest.mark.e2e
expect = browsing.require().expect


def query_of(page):
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def test_type_a_query_and_results_follow_without_reload(page, server):
    page.goto(server + "/")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.fill("#q", "shutdowns")
    page.press("#q", "Enter")
    expect(page.locator("#total")).to_have_text("2")
    assert page.evaluate("() => window.__sameDocument") is True  # updated in place, no full reload
    assert query_of(page)["q"] == ["shutdowns"]
    assert page.locator(".hit mark").first.inner_text().lower() == "shutdowns"


def test_tick_a_facet_then_remove_its_chip(page, server):
    page.goto(server + "/?q=law")
    total = int(page.inner_text("#total"))
    page.click("a.facet-value[data-facet=pillar] >> text=Intermediary liability")
    page.wait_for_selector("a.chip")
    assert query_of(page)["pillar"] == ["Intermediary liability"]
    narrowed = int(page.inner_text("#total"))
    assert 0 < narrowed < total
    assert page.get_attribute("a.facet-value[aria-checked=true]", "data-facet") == "pillar"
    page.click("a.chip")
    expect(page.locator("#total")).to_have_text(str(total))
    assert "pillar" not in query_of(page) and page.locator("a.chip").count() == 0
    page.go_back()
    page.wait_for_selector("a.chip")
    assert int(page.inner_text("#total")) == narrowed


def test_the_language_links_carry_the_search_shown_after_it_changed_in_place(page, server):
    # the header's language links: rendered with the page, they must follow the search as it changes in place
    page.goto(server + "/?q=data")
    page.click("a.facet-value[data-facet=pillar] >> nth=0")
    page.wait_for_selector("a.chip")
    page.fill("#q", "blocking")
    page.press("#q", "Enter")
    expect(page.locator("#languages a[hreflang=ru]")).to_have_attribute("href", re.compile(r"q=blocking"))
    shown = query_of(page)
    page.click("#languages a[hreflang=ru]")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    now = query_of(page)
    assert now["q"] == ["blocking"] and now["pillar"] == shown["pillar"], (shown, now)
    page.go_back()  # Back, in place: the links follow again
    expect(page.locator("#q")).to_have_value("blocking")


def test_page_through_results(page, server):
    page.goto(server + "/?per_page=5")
    first = page.locator(".hit-title").all_inner_texts()
    page.click(".pagination a[rel=next]")
    expect(page.locator(".pagination .current")).to_have_text("2")
    assert query_of(page)["page"] == ["2"]
    assert not set(page.locator(".hit-title").all_inner_texts()) & set(first)


def test_open_a_measure(page, server):
    page.goto(server + "/?q=" + urllib.parse.quote("валютный контроль"))
    page.click(".hit-title a")
    page.wait_for_url(re.compile(r"/measures/"))
    assert "Закон o валютном регулировании" in page.inner_text("h1")
    assert page.locator("text=Related measures").count() == 1


def paused_clock(page, url):
    """Open url with the page's timers on a clock only the test moves: no stall can fire one early or late."""
    page.clock.install()
    page.goto(url)
    page.clock.pause_at(page.evaluate("() => Date.now()") + 1000)


def suggestions_for(page, text):
    """Let the box's completion timer fire, wait for the answer to what it holds now, and for the list to show it
    (the script renders it after the response: on a loaded machine, later than the response event)."""
    wanted = urllib.parse.urlencode({"q": text})
    with page.expect_response(lambda response: "/api/suggest?" + wanted in response.url) as answer:
        page.clock.run_for(200)  # past the completion delay, short of the search-as-you-type one
    expect(page.locator("#suggestions li")).to_have_text(answer.value.json()["suggestions"])


def test_suggestions_with_the_keyboard(page, server):
    paused_clock(page, server + "/")
    page.type("#q", "internet shut", delay=20)
    suggestions_for(page, "internet shut")
    page.wait_for_selector("#suggestions li")
    assert page.get_attribute("#q", "aria-expanded") == "true"
    page.press("#q", "ArrowDown")
    chosen = page.inner_text("#suggestions li[aria-selected=true]")
    assert chosen.startswith("internet shut")
    page.press("#q", "Enter")
    expect(page.locator("#results-heading")).to_contain_text(chosen)
    assert query_of(page)["q"] == [chosen] and page.input_value("#q") == chosen
    assert int(page.inner_text("#total")) >= 1


def offered(server, text):
    """The suggestions /api/suggest gives for text, asked directly."""
    with urllib.request.urlopen(server + "/api/suggest?" + urllib.parse.urlencode({"q": text})) as response:
        return json.load(response)["suggestions"]


def selected(page):
    return page.locator("#suggestions li[aria-selected=true]").all_inner_texts()


def test_an_answer_arriving_late_keeps_the_chosen_suggestion_it_still_offers(page, server):
    # the list on screen answers an earlier prefix; the reader arrows onto a suggestion before the answer
    # to what they typed since arrives. That answer offers it too: it stays chosen, and Enter takes it
    fresh = offered(server, "internet shut")
    paused_clock(page, server + "/")
    page.type("#q", "internet", delay=20)
    suggestions_for(page, "internet")
    stale = page.locator("#suggestions li").all_inner_texts()
    wanted = next(text for text in stale if text in fresh)
    page.type("#q", " shut", delay=20)
    for _ in range(stale.index(wanted) + 1):
        page.press("#q", "ArrowDown")
    assert selected(page) == [wanted]
    suggestions_for(page, "internet shut")
    assert page.locator("#suggestions li").all_inner_texts() == fresh
    assert selected(page) == [wanted]
    assert page.get_attribute("#q", "aria-activedescendant") == f"suggestion-{fresh.index(wanted)}"
    page.press("#q", "Enter")
    expect(page.locator("#results-heading")).to_contain_text(wanted)
    assert query_of(page)["q"] == [wanted] and page.input_value("#q") == wanted


def test_a_late_answer_that_no_longer_offers_the_chosen_suggestion_replaces_the_list(page, server):
    # arrowed onto a suggestion for "internet" after typing "covid" over it: the answer for "covid"
    # replaces that list (none is chosen then), so Enter searches for what the box says
    paused_clock(page, server + "/")
    page.type("#q", "internet", delay=20)
    suggestions_for(page, "internet")
    page.click("#q")
    page.keyboard.press("Control+A")
    page.type("#q", "covid", delay=20)
    page.press("#q", "ArrowDown")
    assert selected(page)
    suggestions_for(page, "covid")
    fresh = offered(server, "covid")
    assert "internet" not in " ".join(fresh)
    assert page.locator("#suggestions li").all_inner_texts() == fresh
    assert selected(page) == [] and page.get_attribute("#q", "aria-activedescendant") is None
    assert page.get_attribute("#q", "aria-expanded") == ("true" if fresh else "false")
    page.press("#q", "Enter")
    expect(page.locator("#results-heading")).to_contain_text("covid")
    assert query_of(page)["q"] == ["covid"]


def test_arrow_up_from_the_box_chooses_the_last_suggestion(page, server):
    paused_clock(page, server + "/")
    page.type("#q", "internet", delay=20)
    suggestions_for(page, "internet")
    items = page.locator("#suggestions li").all_inner_texts()
    assert len(items) >= 2
    page.press("#q", "ArrowUp")
    assert selected(page) == [items[-1]]
    page.press("#q", "ArrowDown")  # and on round to the first
    assert selected(page) == [items[0]]


def test_typing_after_arrowing_into_the_list_searches_for_the_typed_text(page, server):
    paused_clock(page, server + "/")
    page.type("#q", "internet", delay=20)
    suggestions_for(page, "internet")
    page.wait_for_selector("#suggestions li")
    page.press("#q", "ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant")
    page.type("#q", " shut", delay=20)
    assert page.locator("#suggestions li[aria-selected=true]").count() == 0
    assert page.get_attribute("#q", "aria-activedescendant") is None
    page.press("#q", "Enter")
    expect(page.locator("#results-heading")).to_contain_text("internet shut")
    assert query_of(page)["q"] == ["internet shut"]


def test_works_with_javascript_off(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.fill("#q", "advertising")
    page.click("form.search button[type=submit]")
    page.wait_for_url(re.compile(r"q=advertising"))
    page.click("a.facet-value[data-facet=coverage]")
    assert "coverage" in query_of(page)
    assert page.locator("a.chip").count() == 1
    context.close()


def test_phone_sized_window(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "/?q=law")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate("() => document.querySelector('.facet-panel').open") is False
    page.click(".facet-panel summary")
    assert page.locator("a.facet-value").first.is_visible()
    context.close()
