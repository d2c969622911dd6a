"""The interface in English, Russian and Kazakh (falcon.testing): choice, links, plurals, lang attributes, catalogs.

References are independent of the code under test where they can be: Babel's CLDR plural
rules (not the .po files' Plural-Forms), Babel's own extraction of the templates and code
(not a list kept by hand), the JSON API's totals, a parse of the served HTML.
"""

import html
import html.parser
import re
import urllib.parse

import pytest
from babel import Locale
from babel.messages import extract, pofile
from babel.messages.checkers import python_format
from babel.messages.plurals import get_plural
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measuresearch.domain import fields as registry
from measuresearch.web import i18n
from conftest import make_measure
from web.test_reports_api import TOKEN, app, clock, form_token, make_client, post_form  # noqa: F401 (fixtures)

LANGS = ("en", "ru", "kk")
# the word for "measure" in each CLDR plural category, as the catalogs are expected to use it
MEASURE_WORD = {"en": {"one": "measure", "other": "measures"},
                "ru": {"one": "мера", "few": "меры", "many": "мер", "other": "меры"},
                "kk": {"one": "шара", "other": "шара"}}
LINK = re.compile(r'<(?:a\b[^>]*?\bhref|form\b(?![^>]*method="get")[^>]*?\baction)="([^"]*)"')
GET_FORM = re.compile(r'<form\b[^>]*method="get".*?</form>', re.S)
TEXT = re.compile(r"<[^>]+>")


def page(client, path, lang=None, accept=None, **params):
    params = {**params, **({"lang": lang} if lang else {})}
    headers = {"Accept-Language": accept} if accept else {}
    return client.simulate_get(path, params=params, headers=headers)


def html_lang(text):
    return re.search(r'<html lang="([^"]+)">', text).group(1)


@pytest.mark.parametrize("params, accept, expected", [
    ({"lang": "ru"}, None, "ru"),
    ({"lang": "kk"}, "ru", "kk"),              # the URL wins over the header
    ({}, "kk-KZ, ru;q=0.8, en;q=0.5", "kk"),
    ({}, "de-DE, ru;q=0.7", "ru"),             # the best language we have
    ({}, "ru-RU", "ru"),                       # a region of a language we have
    ({}, "de, fr;q=0.9", "en"),
    ({"lang": "xx"}, "kk", "kk"),              # an unknown ?lang= falls back to the header
    ({}, "ru;q=0, kk;q=0.1", "kk"),            # q=0 means "not this one"
    ({}, None, "en"),
    # language tags are case-insensitive (RFC 5646 2.1.1): each of these was a 500
    ({}, "RU", "ru"),
    ({}, "KK, en;q=0.5", "kk"),
    ({}, "Ru-ru", "ru"),
    ({}, "EN-GB, ru;q=0.9", "en"),
    # ?lang= as people write it: any case, with a region, and "kz" for Kazakh
    ({"lang": "KK"}, None, "kk"), ({"lang": "kk-KZ"}, None, "kk"), ({"lang": "kz"}, None, "kk"),
    ({"lang": "RU"}, None, "ru"), ({"lang": "ru_RU"}, None, "ru"), ({"lang": "ru-RU"}, "kk", "ru"),
])
def test_the_language_is_the_url_choice_then_accept_language(client, params, accept, expected):
    response = client.simulate_get("/", params=params, headers={"Accept-Language": accept} if accept else {})
    assert response.status_code == 200 and html_lang(response.text) == expected


@pytest.mark.parametrize("path", ["/", "/?q=law", "/compare", "/propose", "/no-such-page"])
def test_pages_say_that_they_vary_with_accept_language_and_the_api_does_not(client, path):
    """A shared cache must not hand a Russian page to someone who asked for English."""
    page = client.simulate_get(path, headers={"Accept-Language": "ru"})
    assert "Accept-Language" in page.headers.get("vary", ""), path
    api = client.simulate_get("/api/search", params={"q": "law"}, headers={"Accept-Language": "ru"})
    assert "Accept-Language" not in api.headers.get("vary", "")  # the JSON API is English whatever is asked


def page_links(text):
    """Return the site's own page links of a page (not the API, static files or the language switcher)."""
    switcher = re.search(r'<nav class="languages".*?</nav>', text, re.S).group(0)
    links = [html.unescape(u) for u in LINK.findall(text.replace(switcher, ""))]
    return [u for u in links if u.startswith("/") and not u.startswith(("/api/", "/static/", "/openapi.json"))]


@pytest.mark.parametrize("path, params", [
    ("/", {"q": "law"}), ("/", {"q": "internet", "pillar": "Content access"}), ("/compare", {}),
    ("/", {"q": "*tion"}), ("/measures/nope", {}), ("/propose", {}),
])
def test_links_keep_a_language_chosen_in_the_url(client, real_measures, path, params):
    chosen = page(client, path, lang="kk", **params)
    links = page_links(chosen.text)
    assert links and all(urllib.parse.parse_qs(urllib.parse.urlsplit(u).query).get("lang") == ["kk"] for u in links), [
        u for u in links if "lang=kk" not in u]
    # a GET form's action loses its query string: the choice goes as a hidden field
    forms = GET_FORM.findall(chosen.text)
    assert forms and all('<input type="hidden" name="lang" value="kk">' in form for form in forms)
    # negotiated from the header, the choice is the browser's: links do not carry it
    negotiated = page(client, path, accept="kk", **params)
    assert html_lang(negotiated.text) == "kk" and not any("lang=" in u for u in page_links(negotiated.text))


def test_exports_and_feeds_of_a_page_in_another_language_are_the_english_api(client):
    text = page(client, "/", lang="ru", q="law").text
    api_links = [html.unescape(u) for u in LINK.findall(text) if u.startswith("/api/")]
    assert len(api_links) >= 3
    for url in api_links:
        assert "lang=" not in url
        assert client.simulate_get(url.split("?")[0], query_string=url.partition("?")[2]).status_code == 200


def test_the_json_api_stays_english_whatever_the_browser_asks(client):
    asked = client.simulate_get("/api/search", params={"q": "*tion"}, headers={"Accept-Language": "ru"})
    plain = client.simulate_get("/api/search", params={"q": "*tion"})
    assert asked.status_code == 400 and asked.json == plain.json
    assert client.simulate_get("/api/search", params={"lang": "ru"}).status_code == 400  # not an API parameter


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("q", ["shutdowns", "advertisement law", "law", "internet", "data"])
def test_result_counts_take_the_plural_of_their_language(client, lang, q):
    total = client.simulate_get("/api/search", params={"q": q}).json["total"]
    heading = re.search(r'<h1 id="results-heading">(.*?)</h1>', page(client, "/", lang=lang, q=q).text, re.S).group(1)
    words = html.unescape(TEXT.sub("", heading)).split()
    number = i18n.number(total, lang)
    category = Locale.parse(lang).plural_form(total)  # CLDR, through Babel: not the catalog's own formula
    at = words.index(number.split()[0]) if " " not in number else 0
    assert MEASURE_WORD[lang][category] in words[at + 1:at + 2 + number.count("\u00a0")], (heading, category)


@pytest.mark.parametrize("lang, value, written", [("en", 21345, "21,345"), ("ru", 21345, "21\u00a0345"),
                                                  ("kk", 21345, "21\u00a0345"), ("ru", 5, "5")])
def test_numbers_are_written_as_the_language_writes_them(lang, value, written):
    assert i18n.number(value, lang) == written


@pytest.mark.parametrize("lang, seconds, words", [("en", 3558, "in 1 hour"), ("ru", 3558, "через 1 час"),
                                                  ("ru", 1500, "через 25 минут"), ("kk", 3558, "1 сағаттан кейін")])
def test_a_wait_is_said_in_words(lang, seconds, words):
    assert i18n.wait(seconds, lang) == words


@pytest.mark.parametrize("text, language", [
    ("Закон о валютном регулировании", "ru"), ("Қазақстан Республикасының Заңы", "kk"),
    ("Ақпараттандыру туралы", "kk"), ("Law No. 167-VІ SAM on Currency Regulation and Currency Control (Закон o валютном регулировании и валютном "
     "контроле)", "en"), ("Закон Республики Казахстан № 418-V (Law)", "ru"),
    ("Internet shutdowns", "en"), ("<mark>Закон</mark> об информатизации", "ru"), ("418-V", "en"), ("2019", None),
    ("Білім туралы заң", "kk"),
])
def test_the_language_of_a_text_is_told_by_its_letters(text, language):
    assert i18n.text_language(text) == language


def titled(text, tag_class):
    return re.findall(rf'<h2 class="{tag_class}"([^>]*)><a [^>]*>(.*?)</a></h2>', text, re.S)


@pytest.mark.parametrize("lang", LANGS)
def test_every_title_in_another_language_than_the_page_says_its_own(client, lang):
    text = page(client, "/", lang=lang, per_page="100").text
    titles = titled(text, "hit-title")
    assert len(titles) >= 10
    for attributes, title in titles:
        own = i18n.text_language(title)
        declared = re.search(r'lang="([^"]+)"', attributes)
        assert (declared.group(1) if declared else lang) == own or own is None, (lang, title)
        if own == "en":  # Cyrillic words inside an English title are marked too
            for run in re.findall(r"[\u0400-\u04ff]{2,}", TEXT.sub(" ", title)):
                assert re.search(rf'<span lang="(ru|kk)">[^<]*{run}', title), (run, title)


def test_a_cyrillic_title_on_an_english_page_is_russian_or_kazakh(make_index):
    import falcon.testing
    from measuresearch.web.app import create_app
    # made-up measures (the real corpus's titles are all mostly English)
    holder = make_index([make_measure("Закон о связи и информатизации", "Rules on communications."),
                         make_measure("Байланыс туралы Қазақстан Республикасының Заңы", "Rules on communications."),
                         make_measure("Communications Act", "Rules on communications.")])
    client = falcon.testing.TestClient(create_app(holder))
    found = {TEXT.sub("", t): a.strip() for a, t in titled(page(client, "/").text, "hit-title")}
    assert found == {"Закон о связи и информатизации": 'lang="ru"',
                     "Байланыс туралы Қазақстан Республикасының Заңы": 'lang="kk"', "Communications Act": ""}
    on_russian = {TEXT.sub("", t): a.strip() for a, t in titled(page(client, "/", lang="ru").text, "hit-title")}
    assert on_russian == {"Закон о связи и информатизации": "",
                          "Байланыс туралы Қазақстан Республикасының Заңы": 'lang="kk"',
                          "Communications Act": 'lang="en"'}


@pytest.mark.parametrize("lang, path, params, status, heading", [
    ("en", "/measures/nope", {}, 404, "Page not found"),
    ("ru", "/measures/nope", {}, 404, "Страница не найдена"),
    ("kk", "/measures/nope", {}, 404, "Бет табылмады"),
    ("en", "/", {"q": "*tion"}, 400, "This search could not be run"),
    ("ru", "/", {"q": "*tion"}, 400, "Этот поиск не удалось выполнить"),
    ("kk", "/", {"q": "*tion"}, 400, "Бұл іздеуді орындау мүмкін болмады"),
    ("ru", "/nowhere", {}, 404, "Страница не найдена"),
])
def test_error_pages_are_headed_by_what_happened_in_the_page_language(client, lang, path, params, status, heading):
    response = page(client, path, lang=lang, **params)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in response.text and "Error" not in TEXT.sub("", response.text.split("<h1>")[1])
    message = re.search(r'<p class="error-message"[^>]*>(.*?)</p>', response.text).group(1)
    assert message[0].isupper() and message.endswith(".")


def catalog_messages():
    """Return the msgids Babel's own extractors find in the templates and code (babel.cfg's method map).

    The web package, and the field registry's labels (domain/fields.py), which pages show translated.
    """
    found = set()
    methods = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    messages = [*extract.extract_from_dir(str(i18n.LOCALE_DIR.parent), methods, options),
                *((None, *item) for item in extract.extract_from_file("python", registry.__file__))]
    for _, _, message, _, _ in messages:
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_message_of_the_interface_is_translated(lang):
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = pofile.read_po(po, locale=lang)
    wanted = catalog_messages()
    assert len(wanted) > 150
    translated = {}
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(forms) and not message.fuzzy, key
            translated[key] = message
    assert sorted(wanted - set(translated)) == []
    assert sorted(set(translated) - wanted) == []  # nothing stale
    plurals = get_plural(lang).num_plurals  # Babel's table from CLDR, not the catalog's own header
    for message in translated.values():
        python_format(catalog, message)  # raises when a translation drops or renames a %(name)s
        if isinstance(message.id, tuple):
            assert len(message.string) == catalog.num_plurals == plurals, message.id


def test_the_form_pages_have_the_search_box(client, real_measures):
    for path in ("/propose", f"/measures/{real_measures[0].id}/report", "/propose/thanks",
                 f"/measures/{real_measures[0].id}/report/thanks"):
        assert 'id="search-form"' in client.simulate_get(path).text, path


@pytest.fixture()
def limited(holder, store_backend):
    from web.test_reports_api import Clock
    clock = Clock()
    client, _ = make_client(holder, store_backend, clock, limit=1)
    return client, clock


@pytest.mark.parametrize("lang, wait", [("en", "in 1 hour"), ("ru", "через 1 час"), ("kk", "1 сағаттан кейін")])
def test_over_the_limit_the_form_comes_back_with_what_was_typed(limited, real_measures, lang, wait):
    client, clock = limited
    path = f"/measures/{real_measures[0].id}/report"
    token, cookie = form_token(client, path + f"?lang={lang}")
    first = post_form(client, path + f"?lang={lang}", {"message": "The first report is fine.", "csrf_token": token},
                      cookie)
    assert first.status_code == 303 and first.headers["location"].endswith(f"/report/thanks?lang={lang}")
    clock.now += 42
    typed = "Второе сообщение <b>с разметкой</b>, которое нельзя терять."
    refused = post_form(client, path + f"?lang={lang}", {"message": typed, "email": "me@example.org",
                                                         "csrf_token": token}, cookie)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 3600 - 42
    assert html.escape(typed, quote=False) in refused.text and 'value="me@example.org"' in refused.text
    error = re.search(r'<p class="form-error"[^>]*>(.*?)</p>', refused.text, re.S).group(1)
    assert wait in error and html_lang(refused.text) == lang and "seconds" not in error


def test_a_proposal_over_the_limit_keeps_every_field(limited):
    client, _ = limited
    token, cookie = form_token(client, "/propose")
    fields = {"country": "Kazakhstan", "pillar": "Content access", "sub_pillar": "Restrictions on online advertising",
              "titles": "Order No. 1 (test)\r\nПриказ № 1", "dates": "Since May 2024",
              "description": "A description long enough to be accepted by the form.", "coverage": "Horizontal",
              "source_url": "https://example.org/x", "email": ""}
    assert post_form(client, "/propose", {**fields, "csrf_token": token}, cookie).status_code == 303
    refused = post_form(client, "/propose", {**fields, "titles": "Another (test)\r\nДругой", "csrf_token": token},
                        cookie)
    assert refused.status_code == 429
    assert ">Another (test)\nДругой</textarea>" in refused.text and "A description long enough" in refused.text
    assert "<option selected>Content access</option>" in refused.text


@pytest.mark.parametrize("lang, words", [("en", "Write at least 20 characters (now 5)."),
                                         ("ru", "Напишите не меньше 20 символов (сейчас 5)."),
                                         ("kk", "Кемінде 20 таңба жазыңыз (қазір 5).")])
def test_too_short_text_is_refused_in_the_words_of_its_counter(app, lang, words):
    path = f"/propose?lang={lang}"
    token, cookie = form_token(app, path)
    fields = {"country": "Kazakhstan", "pillar": "Content access", "sub_pillar": "Restrictions on online advertising",
              "titles": "Order No. 2 (test)", "dates": "Since May 2024", "description": "Short",
              "source_url": "https://example.org/y", "csrf_token": token}
    refused = post_form(app, path, fields, cookie)
    assert refused.status_code == 400 and 'id="description" name="description"' in refused.text
    assert words in html.unescape(refused.text)
    counter = re.search(r'<span class="counter" id="description-counter"[^>]*data-short="([^"]*)"', refused.text)
    assert html.unescape(counter.group(1)).strip().replace("{n}", "5") == words
    assert 'aria-invalid="true" aria-describedby="form-error description-counter"' in refused.text


def test_too_long_text_is_refused_with_the_count_not_cut(app, real_measures):
    path = f"/measures/{real_measures[0].id}/report"
    token, cookie = form_token(app, path)
    typed = "x" * 5001
    refused = post_form(app, path, {"message": typed, "csrf_token": token}, cookie)
    assert refused.status_code == 400 and typed in refused.text
    assert "At most 5,000 characters are accepted (now 5,001)." in refused.text
    assert 'maxlength="5000"' not in refused.text  # the box no longer cuts silently


def test_line_breaks_count_once_as_in_the_text_box(app, real_measures):
    path = f"/measures/{real_measures[0].id}/report"
    token, cookie = form_token(app, path)
    # 4,999 characters in the box, of which 800 line breaks: 5,799 as the form sends them (CRLF)
    typed = "abcd\r\n" * 800 + "y" * 999
    assert post_form(app, path, {"message": typed, "csrf_token": token}, cookie).status_code == 303


def test_the_queue_links_source_addresses_and_addresses_in_messages(app, real_measures):
    measure_id = real_measures[0].id
    message = 'See https://example.org/law?a=1&b="2" and <script>x</script>.'
    assert app.simulate_post(f"/api/measures/{measure_id}/reports", json={"message": message}).status_code == 201
    queue = app.simulate_get("/admin/reports", headers={"Authorization": f"Bearer {TOKEN}"}).text
    cell = re.search(r'<td class="message">(.*?)</td>', queue, re.S).group(1)
    # the address ends where a quote begins: the quote stays text
    assert ('<a href="https://example.org/law?a=1&amp;b=" rel="nofollow noopener noreferrer">'
            'https://example.org/law?a=1&amp;b=</a>&#34;2&#34;') in cell
    assert "&lt;script&gt;" in cell and "<script>" not in cell
    assert html_lang(queue) == "en" and 'class="languages"' not in queue  # the curator's page is English only


@pytest.mark.parametrize("lang, lines", [
    ("en", ["since July 2018", "entry into force in July 2019", "last amended in January 2020"]),
    ("ru", ["начало действия — июль 2018", "вступление в силу — июль 2019", "последние изменения — январь 2020"]),
    ("kk", ["қолданыла бастауы — шілде 2018", "күшіне енуі — шілде 2019", "соңғы өзгертілуі — қаңтар 2020"]),
])
def test_date_events_are_said_in_the_page_language(client, real_measures, lang, lines):
    (measure,) = [m for m in real_measures if m.dates == ["Since July 2018, entry into force in July 2019, "
                                                          "last amended in January 2020"]]
    text = page(client, f"/measures/{measure.id}", lang=lang).text
    events = re.search(r'<ul class="events plain">(.*?)</ul>', text, re.S).group(1)
    said = [html.unescape(TEXT.sub("", item)).split(": ", 1)[1] for item in re.findall(r"<li>(.*?)</li>", events)]
    assert said == lines
    assert "Since July 2018, entry into force in July 2019, last amended in January 2020" in text  # the DTI's line


# one search per notice code, on the real corpus (the JSON API says which notices each one gives)
NOTICE_SEARCHES = {
    "no_words": {"q": "!!!"},
    "empty_year_range": {"q": "data", "year_from": "2030", "year_to": "2000"},
    "unknown_value": {"q": "data", "country": "Kazakhztan"},
    "only_excluded": {"q": "-data"},
    "page_out_of_range": {"q": "data", "page": "40"},
    "group_filter": {"q": "EAEU data"},
    "english_descriptions": {"q": "электронная коммерция"},
}
NOTICE = re.compile(r'<p class="notice notice-([a-z_]+)"[^>]*><span>(.*?)</span>', re.S)
LATIN_WORD = re.compile(r"[A-Za-z]+")
CYRILLIC_WORD = "[а-яА-ЯёЁәқңөұүһіғӘҚҢӨҰҮҺІҒ]{3}"


def json_notices(client, params):
    return {n["code"]: n for n in client.simulate_get("/api/search", params=params).json["notices"]}


@pytest.mark.parametrize("code", sorted(NOTICE_SEARCHES))
def test_a_notice_is_said_in_the_page_language_and_the_english_page_says_the_api_message(client, code):
    params = NOTICE_SEARCHES[code]
    notices = json_notices(client, params)
    assert code in notices
    english = dict(NOTICE.findall(page(client, "/", lang="en", **params).text))
    assert html.unescape(english[code]) == notices[code]["message"]
    # the words a translation may keep in Latin letters: what the reader typed and the values the notice names
    notice = notices[code]
    kept = {w.lower() for text in (params.get("q", ""), notice.get("value"), notice.get("suggestion"),
                                   notice.get("group"), notice.get("word"), notice.get("q"))
            if text for w in LATIN_WORD.findall(text)}
    for lang in ("ru", "kk"):
        said = dict(NOTICE.findall(page(client, "/", lang=lang, **params).text))
        assert set(said) == set(english), lang  # the same notices, no more, no fewer
        text = html.unescape(TEXT.sub("", said[code]))
        assert text != notice["message"] and re.search(CYRILLIC_WORD, text), (lang, text)
        assert {w.lower() for w in LATIN_WORD.findall(text)} <= kept, (lang, text)
        if code == "page_out_of_range":  # the count and the last page, as the API's message says them
            answer = client.simulate_get("/api/search", params=params).json
            assert re.search(rf"\b{answer['total']}\b.*\b{notice['last_page']}\b", text), (lang, text)


@pytest.mark.parametrize("lang, said", [("ru", "Исключение «Страна»"), ("kk", "алып тастауы")])
def test_an_unknown_excluded_value_is_said_as_an_exclusion_in_the_page_language(client, lang, said):
    params = {"q": "data", "not_country": "Kazakhztan"}
    [notice] = json_notices(client, params).values()
    assert notice["parameter"] == "not_country"
    shown = dict(NOTICE.findall(page(client, "/", lang=lang, **params).text))["unknown_value"]
    text = html.unescape(TEXT.sub("", shown))
    assert said in text and "«Kazakhztan»" in text and "«Kazakhstan»" in text and "not_country" not in text, text


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_an_error_page_names_the_refused_parameter_in_the_page_language_and_keeps_the_detail(client, lang):
    response = page(client, "/", lang=lang, q="data", year_from="abc")
    json = client.simulate_get("/api/search", params={"q": "data", "year_from": "abc"}).json["error"]
    lead = html.unescape(re.search(r'<p class="error-parameter">(.*?)</p>', response.text).group(1))
    assert json["parameter"] in lead and not LATIN_WORD.search(lead.replace(json["parameter"], ""))
    assert re.search(CYRILLIC_WORD, lead)
    detail = re.search(r'<p class="error-message" lang="en">(.*?)</p>', response.text).group(1)
    assert html.unescape(detail).rstrip(".").lower() == json["message"].rstrip(".").lower()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_form_without_its_token_is_refused_in_the_page_language(app, lang):  # noqa: F811 (fixture)
    response = app.simulate_post("/propose", params={"lang": lang}, body="message=hello",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403
    message = re.search(r'<p class="error-message"([^>]*)>(.*?)</p>', response.text)
    assert 'lang="en"' not in message.group(1) and not LATIN_WORD.search(html.unescape(message.group(2)))
    refused = app.simulate_post("/propose", body="message=hello",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "CSRF" in refused.text  # the English page keeps the whole English reason


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accept=st.lists(st.tuples(st.sampled_from(["ru", "RU", "kk", "Kk", "en", "EN-gb", "ru-RU", "de", "*", "x-y-z",
                                                 "", "q", ";", "ru_RU", "zh-Hant-TW"]),
                                 st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=x", ";Q=0.3", ";q=-1"])),
                       max_size=5).map(lambda parts: ", ".join(tag + weight for tag, weight in parts))
       | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_any_accept_language_header_gives_a_page_in_one_of_our_languages(client, accept):
    response = client.simulate_get("/", headers={"Accept-Language": accept})
    assert response.status_code == 200 and html_lang(response.text) in LANGS


class _Languages(html.parser.HTMLParser):
    """Each text of a page with the language it is declared in: the lang of its nearest element that has one."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            inherited = self.stack[-1][1] if self.stack else None
            self.stack.append((tag, dict(attrs).get("lang", inherited)))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self.stack:
            self.texts.append((data, self.stack[-1][1], {tag for tag, _ in self.stack}))


@pytest.mark.parametrize("lang", LANGS)
def test_every_cyrillic_word_of_a_measure_page_is_declared_russian_or_kazakh(client, real_measures, lang):
    # "Law No. 418-V (Закон ...)" on an English page, a Russian title in a list of English dates on a Russian page
    checked = 0
    for measure in real_measures:
        reader = _Languages()
        reader.feed(page(client, f"/measures/{measure.id}", lang=lang).text)
        # the titles: the heading, and the lists (further titles, dates, related measures); not the <title>,
        # which cannot mark a part, nor the citations, copied as they are
        for text, declared, within in reader.texts:
            if not within & {"h1", "li"} or within & {"title", "pre"}:
                continue
            for run in re.findall(r"[\u0400-\u04ff]{2,}", text):
                checked += 1
                assert declared in ("ru", "kk"), (measure.id, run, declared)
    assert checked > 0


def test_the_small_words_of_a_results_page_are_in_its_language(client):
    """The day box's placeholder, the time taken with the language's decimal sign, one year as one year, and the
    title of a page of filters without a query naming them."""
    page = client.simulate_get("/", params={"lang": "ru", "year_from": "2018", "year_to": "2018",
                                            "country": "Kazakhstan"}).text
    assert 'placeholder="ГГГГ-ММ-ДД"' in page and "YYYY-MM-DD" not in page
    took = re.search(r'<span class="took">([^<]*)</span>', page).group(1)
    assert re.fullmatch(r"\d+(,\d+)? мс", took), took
    assert "2018–2018" not in page and re.search(r"Год:</span> 2018 ", page)
    assert re.search(r"<title>[^<]*Kazakhstan[^<]*measuresearch</title>", page)


def test_cyrillic_in_a_report_page_title_and_an_echoed_query_says_its_language(client):
    lcr = "kazakhstan-local-content-requirements-lcrs-on-ce7714ab"
    for lang in ("en", "ru"):
        page = client.simulate_get(f"/measures/{lcr}/report", params={"lang": lang}).text
        assert re.search(r'<span lang="ru">[^<]*Об информатизации', page), lang
    page = client.simulate_get("/", params={"q": "Закон об информатизации", "lang": "en"}).text
    heading = re.search(r'<h1 id="results-heading">(.*?)</h1>', page, re.S).group(1)
    assert '<span lang="ru">Закон об информатизации</span>' in heading
