"""End to end in a real browser: Debian's Chromium driven by Playwright."""

import re
import urllib.parse

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


def test_suggestions_with_the_keyboard(page, server):
    page.goto(server + "/")
    page.type("#q", "internet shut", delay=20)
    page.wait_for_selector("#suggestions li")
    assert page.get_attribute("#q", "aria-expanded") == "true"
    page.press("#q", "ArrowDown")
    chosen = page.inner_text("#suggestions li[aria-selected=true]")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=" + re.escape(urllib.parse.quote_plus(chosen))))
    assert page.input_value("#q") == chosen
    assert int(page.inner_text("#total")) >= 1


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
