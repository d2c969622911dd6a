"""Issue 19 in a real browser (Debian's Chromium via Playwright): history, facets by keyboard, forms, languages.

Each scenario runs against a real `measuresearch serve`, JavaScript on and off where the page works both ways.
"""

import re
import urllib.parse

import browsing
import pytest

from devtools import localserver

pytestmark = pytest.mark.e2e
expect = browsing.require().expect


def query_of(page):
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def type_query(page, text):
    """Replace the box's text the way a person does: select it all, type over it, key by key."""
    page.click("#q")
    page.keyboard.press("Control+A")
    page.locator("#q").press_sequentially(text, delay=25)


def test_back_and_forward_restore_the_box_the_results_and_the_history_before(page, server, real_measures):
    # the page's timers (search as you type, a spell settling) run on a paused clock that only the test
    # moves: a busy machine stalling between two keys cannot settle half a word into an entry of its own
    page.clock.install()
    origin = f"/measures/{real_measures[0].id}"
    page.goto(server + origin)  # where the reader came from
    page.goto(server + "/")
    page.clock.pause_at(page.evaluate("() => Date.now()") + 1000)
    start = page.evaluate("() => history.length")
    type_query(page, "blocking")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("blocking")
    type_query(page, "shutdown")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("shutdown")
    page.clock.run_for(2000)  # longer than a typing spell: nothing more may be added or replaced
    assert page.evaluate("() => history.length") == start + 2  # one entry per settled query
    page.go_back()
    expect(page.locator("#results-heading")).to_contain_text("blocking")
    assert query_of(page)["q"] == ["blocking"] and page.input_value("#q") == "blocking"
    expect(page.locator("#suggestions")).to_be_hidden()
    assert page.get_attribute("#q", "aria-expanded") == "false"
    page.go_back()  # the start page again, as it was
    expect(page.locator("#results-heading")).not_to_contain_text("blocking")
    assert page.input_value("#q") == "" and "q" not in query_of(page)
    page.go_back()  # and from there, where the reader came from
    page.wait_for_url(server + origin)
    page.go_forward()
    page.go_forward()
    expect(page.locator("#results-heading")).to_contain_text("blocking")
    assert page.input_value("#q") == "blocking"


def test_typing_without_enter_settles_into_one_entry_per_pause(page, server):
    # on a paused clock too: the pauses are the test's, so a stall cannot make one of its own mid-word
    page.clock.install()
    page.goto(server + "/")
    page.clock.pause_at(page.evaluate("() => Date.now()") + 1000)
    start = page.evaluate("() => history.length")
    type_query(page, "internet")
    page.clock.run_for(400)  # past the search-as-you-type delay
    expect(page.locator("#results-heading")).to_contain_text("internet")
    page.clock.run_for(1800)  # a pause: the query settles
    type_query(page, "licence")
    page.clock.run_for(400)
    expect(page.locator("#results-heading")).to_contain_text("licence")
    assert page.evaluate("() => history.length") == start + 2
    page.go_back()
    expect(page.locator("#results-heading")).to_contain_text("internet")
    assert page.input_value("#q") == "internet"


@pytest.mark.parametrize("key", [" ", "Enter"], ids=["space", "enter"])
def test_a_facet_is_ticked_from_the_keyboard_and_keeps_the_focus(page, server, key):
    page.goto(server + "/?q=law")
    facet = page.locator("a.facet-value[data-facet=pillar][data-value='Intermediary liability']")
    facet.focus()
    before = page.evaluate("() => window.scrollY")
    page.keyboard.press(key)
    page.wait_for_selector("a.chip")
    assert query_of(page)["pillar"] == ["Intermediary liability"]
    ticked = page.locator("a.facet-value[data-facet=pillar][data-value='Intermediary liability']")
    expect(ticked).to_have_attribute("aria-checked", "true")
    expect(ticked).to_be_focused()
    assert page.evaluate("() => window.scrollY") == before  # Space did not scroll the page
    page.keyboard.press(key)  # and again: unticked, still focused
    expect(page.locator("a.chip")).to_have_count(0)
    expect(page.locator("a.facet-value[data-facet=pillar][data-value='Intermediary liability']")).to_be_focused()


def test_the_form_makes_no_empty_parameters(js_page, server):
    page = js_page
    page.goto(server + "/?lang=ru")
    page.fill("#q", "реклама")
    page.click("#search-form button[type=submit]")
    page.wait_for_url(re.compile(r"q=%D1%80"))
    expect(page.locator("#results-heading")).to_contain_text("реклама")
    url = urllib.parse.urlparse(page.url)
    assert not re.search(r"(^|&)[a-z_]+=(&|$)", url.query), url.query
    assert query_of(page) == {"q": ["реклама"], "lang": ["ru"]}
    assert page.get_attribute("html", "lang") == "ru"


@pytest.mark.parametrize("lang, heading", [("en", "measures"), ("ru", "мер"), ("kk", "шара")])
def test_the_compare_view_scrolls_inside_its_table_on_a_phone(browser, server, lang, heading):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + f"/compare?lang={lang}")
    expect(page.locator("#compare-heading")).to_contain_text(heading)
    widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth, view: innerWidth,
        table: document.querySelector('.matrix-scroll').scrollWidth,
        box: document.querySelector('.matrix-scroll').clientWidth})""")
    context.close()
    assert widths["page"] <= widths["view"], widths
    assert widths["table"] > widths["box"], widths  # the table is wider than the phone: it scrolls in its box


@pytest.fixture(scope="module")
def limited(real_index, tmp_path_factory):
    """A server of the real index allowing one report or proposal an hour per client."""
    process, base, _ = localserver.start(real_index, env={
        "MEASURESEARCH_DATA": str(tmp_path_factory.mktemp("limited-data")), "MEASURESEARCH_REPORT_LIMIT": "1"})
    yield base
    localserver.stop(process)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_over_the_limit_the_report_form_keeps_the_text_and_says_the_wait(browser, limited, real_measures, js):
    context = browser.new_context(java_script_enabled=js, extra_http_headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    page = context.new_page()
    path = f"{limited}/measures/{real_measures[0].id}/report"
    page.goto(path)
    page.fill("#message", "Первое сообщение: дата указана неверно.")
    page.click("#report-form button[type=submit]")
    # the hour's one report: this one, or the other parameter's (the server counts this client's address)
    expect(page.locator("#thanks h1, #form-error").first).to_contain_text(re.compile("Спасибо|через"))
    page.goto(path)
    typed = f"Второе сообщение ({'js' if js else 'nojs'}): закон изменён в 2023 году, <b>см. источник</b>."
    page.fill("#message", typed)
    page.fill("#email", "reader@example.org")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status) if r.request.method == "POST" else None)
    page.click("#report-form button[type=submit]")
    expect(page.locator("#form-error")).to_contain_text("Попробуйте снова через")
    assert response_status == [429]
    assert page.input_value("#message") == typed and page.input_value("#email") == "reader@example.org"
    assert "seconds" not in page.inner_text("#form-error") and "секунд" not in page.inner_text("#form-error")
    assert re.search(r"через (\d+ минут[ауы]?|1 час)", page.inner_text("#form-error"))
    assert page.get_attribute("html", "lang") == "ru"
    context.close()


def test_the_counter_warns_before_the_limit_in_the_page_language(browser, server, real_measures):
    context = browser.new_context(extra_http_headers={"Accept-Language": "kk"})
    page = context.new_page()
    page.goto(f"{server}/measures/{real_measures[0].id}/report")
    counter = page.locator("#message-counter")
    page.fill("#message", "Қате")
    expect(counter).to_have_text("Кемінде 10 таңба жазыңыз (қазір 4).")
    page.fill("#message", "ә" * 4600)
    expect(counter).to_have_class(re.compile(r"\bwarn\b"))
    assert counter.inner_text() == "4\u00a0600 / 5\u00a0000 таңба"  # grouped as Babel groups kk (CLDR)
    page.fill("#message", "ә" * 5001)
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    assert counter.inner_text() == "Ең көбі 5\u00a0000 таңба жазуға болады (қазір 5\u00a0001)."
    assert page.input_value("#message") == "ә" * 5001  # nothing cut
    context.close()


@pytest.mark.parametrize("lang, words", [("ru", ("Фильтры", "Найти", "Сортировка")),
                                         ("kk", ("Сүзгілер", "Іздеу", "Сұрыптау"))])
def test_a_language_chosen_in_the_url_stays_through_clicks_and_in_place_updates(page, server, lang, words):
    page.goto(server + f"/?lang={lang}")
    for where, word in zip((".facet-panel > summary", "#search-form button", "label[for=sort]"), words):
        expect(page.locator(where)).to_have_text(word)
    page.click("a.facet-value[data-facet=pillar] >> nth=0")
    page.wait_for_selector("a.chip")
    assert query_of(page)["lang"] == [lang]
    type_query(page, "internet")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_contain_text("internet")
    assert query_of(page)["lang"] == [lang] and page.get_attribute("html", "lang") == lang
    page.click(".hit-title a >> nth=0")
    page.wait_for_url(re.compile(r"/measures/"))
    assert query_of(page)["lang"] == [lang] and page.get_attribute("html", "lang") == lang


@pytest.mark.parametrize("path", ["/%5Cevil.example", "/%09/evil.example", "/%0A/evil.example", "//evil.example",
                                  "/%2F%2Fevil.example"])
def test_every_link_of_a_page_not_found_stays_on_the_site(page, browser_errors, server, path):
    # the language links repeat the page's path: the browser, not a restatement of its rules, says where they go
    response = page.goto(server + path)
    assert response.status == 404
    links = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    assert any("lang=ru" in link for link in links)
    origin = urllib.parse.urlsplit(server)
    assert all(urllib.parse.urlsplit(link)[:2] == origin[:2] for link in links), links
    assert browser_errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    browser_errors.clear()  # the 404 asked for, and nothing else
