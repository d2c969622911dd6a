"""Search as the user meant it, on the real corpus: economies by name in three languages, filter values by
alias and case, honest sorts and pages, and the notices that say what a query could not mean."""

import csv
import io

import falcon.testing
import pytest

from conftest import make_measure
from devtools.synthetic import Generator
from measuresearch.search.service import SearchRequest, search
from measuresearch.web.app import create_app

LCR = "kazakhstan-local-content-requirements-lcrs-on-ce7714ab"
# a pillar and a sub-pillar of corpus/taxonomy.yaml with an alias each, and measures in the corpus
QUANTITATIVE = "Quantitative trade restrictions for ICT goods and online services"
QUANTITATIVE_ALIAS = "Quantitative trade restrictions for ICT goods, products and online services"
EXPORT = "Export restrictions on ICT goods or online services"
EXPORT_ALIAS = "Export restrictions on ICT goods, products and online services"


def ids(result):
    return {h["id"] for h in result["hits"]}


@pytest.fixture(scope="module")
def kazakhstan(real_measures):
    """The ids of the corpus's Kazakhstan measures, by a scan of the corpus."""
    found = {m.id for m in real_measures if m.country == "Kazakhstan"}
    assert len(found) == 15
    return found


@pytest.mark.parametrize("name", ["Kazakhstan", "KAZAKHSTAN", "Казахстан", "Қазақстан", "Qazaqstan",
                                  "казахстан",
                                  # Russian cases, which Snowball stems two ways (stemming.stem_variants)
                                  "Казахстана", "Казахстане", "в Казахстане", "Казахстану", "Казахстаном"])
def test_an_economy_named_in_any_language_finds_all_its_measures(holder, kazakhstan, name):
    result = search(holder, SearchRequest(q=name, per_page=100))
    assert ids(result) == kazakhstan
    for hit in result["hits"]:  # each hit says it matched by its economy, at least
        assert any(m["field"] == "country" for m in hit["matched"]), hit["matched"]


def test_russia_in_english_and_russian_finds_the_russian_federation(make_index):
    measures = [make_measure(f"Federal Law No. {n}", f"Rules on data, part {n}.", country=country)
                for n, country in enumerate(["Russian Federation", "Kazakhstan", "Belarus", "Russian Federation",
                                             "Armenia"])]
    measures += Generator(seed=5).measures(200)
    russian = {m.id for m in measures if m.country == "Russian Federation"}
    holder = make_index(measures)
    for name in ("Russia", "Россия", "Ресей", "russian federation"):
        hits = search(holder, SearchRequest(q=name, per_page=100))["hits"]
        by_country = {h["id"] for h in hits if any(m["field"] == "country" for m in h["matched"])}
        assert by_country == russian, name


@pytest.mark.parametrize("name, value, canonical", [
    ("country", "kazakhstan", "Kazakhstan"), ("country", "KZ", "Kazakhstan"), ("country", "kz", "Kazakhstan"),
    ("country", "Казахстан", "Kazakhstan"), ("country", "Қазақстан", "Kazakhstan"),
    ("country", "Republic of Kazakhstan", "Kazakhstan"), ("group", "eaeu", "EAEU"),
    # a Cyrillic name romanized, as the query finds it (CLDR's Kazakh "Қазақстан"): had matched nothing
    ("country", "Qazaqstan", "Kazakhstan"), ("country", "qazaqstan", "Kazakhstan"),
    ("pillar", "content ACCESS", "Content access"),
    # taxonomy.yaml's aliases of a pillar and of a sub-pillar (spellings of DTI pages), in any case
    ("pillar", QUANTITATIVE_ALIAS, QUANTITATIVE), ("pillar", QUANTITATIVE_ALIAS.upper(), QUANTITATIVE),
    ("sub_pillar", EXPORT_ALIAS, EXPORT), ("sub_pillar", EXPORT_ALIAS.lower(), EXPORT),
])
def test_filter_values_match_by_alias_and_case_and_echo_the_canonical_value(holder, kazakhstan, name, value,
                                                                              canonical):
    result = search(holder, SearchRequest(filters={name: [value]}, per_page=100))
    exact = search(holder, SearchRequest(filters={name: [canonical]}, per_page=100))
    assert result["total"] == exact["total"] > 0
    assert ids(result) == ids(exact)
    assert result["query"]["filters"] == {name: [canonical]}
    assert not any(n["code"] == "unknown_value" for n in result["notices"])
    assert [f for f in result["facets"][name] if f["selected"]] == [f for f in exact["facets"][name] if f["selected"]]


def test_an_exclusion_matches_by_alias_too(holder):
    assert search(holder, SearchRequest(exclusions={"country": ["kz"]}))["total"] == 0
    assert search(holder, SearchRequest(exclusions={"country": ["Qazaqstan"]}))["total"] == 0


def test_a_latin_name_that_romanizes_no_economy_stays_unknown(holder):
    result = search(holder, SearchRequest(filters={"country": ["Qazaqstanx"]}))
    assert result["total"] == 0 and result["query"]["filters"] == {"country": ["Qazaqstanx"]}
    assert [n["code"] for n in result["notices"]] == ["unknown_value"]


@pytest.mark.parametrize("name, alias, canonical", [("pillar", QUANTITATIVE_ALIAS, QUANTITATIVE),
                                                    ("pillar", QUANTITATIVE_ALIAS.lower(), QUANTITATIVE),
                                                    ("sub_pillar", EXPORT_ALIAS, EXPORT)])
def test_a_pillar_or_sub_pillar_alias_excludes_what_its_name_excludes(holder, real_measures, name, alias,
                                                                       canonical):
    # not_pillar=<alias> had excluded nothing, without a word: 15 measures, as if no filter were given
    by_alias = search(holder, SearchRequest(exclusions={name: [alias]}, per_page=100))
    kept = {m.id for m in real_measures if getattr(m, name) != canonical}
    assert ids(by_alias) == kept and by_alias["total"] == len(kept) < len(real_measures)
    assert by_alias["query"]["filters"] == {f"not_{name}": [canonical]} and by_alias["notices"] == []


@pytest.mark.parametrize("path", ["/api/matrix", "/api/search.csv", "/api/search.json", "/api/changes", "/"])
def test_every_answer_of_a_search_takes_the_alias(client, real_measures, path):
    kept = len([m for m in real_measures if m.pillar != QUANTITATIVE])
    response = client.simulate_get(path, params={"not_pillar": QUANTITATIVE_ALIAS})
    assert response.status_code == 200
    if path == "/api/search.csv":
        assert len(list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))) == kept
    elif path == "/api/changes":  # the first build of this index added every measure
        assert len({c["id"] for c in response.json["changes"] if c["kind"] == "added"}) == kept
    elif path == "/":
        assert f'<span id="total">{kept}</span>' in response.text or f">{kept} measures" in response.text
    else:
        assert response.json["total"] == kept


@pytest.mark.parametrize("name, typed, canonical", [
    ("pillar", "domestic data policies", "Domestic data policies"),
    ("pillar", "Domestic Data policies", "Domestic data policies"),  # the alias of a pillar without measures
    ("pillar", "tariffs and trade defense measures applied on ICT goods, intermediate goods, and inputs",
     "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods"),
    ("sub_pillar", "EFFECTIVE TARIFF RATE ON ICT GOODS (APPLIED WEIGHTED AVERAGE)",
     "Effective tariff rate on ICT goods (applied weighted average)"),
])
def test_a_taxonomy_value_without_measures_is_echoed_by_its_name(holder, name, typed, canonical):
    # as country=côte d'ivoire comes back as Côte d'Ivoire: the taxonomy knows it, the data has none of it
    result = search(holder, SearchRequest(filters={name: [typed]}))
    assert result["total"] == 0 and result["query"]["filters"] == {name: [canonical]}
    [notice] = result["notices"]
    assert notice["code"] == "unknown_value" and notice["value"] == canonical
    excluded = search(holder, SearchRequest(exclusions={name: [typed]}))
    assert excluded["query"]["filters"] == {f"not_{name}": [canonical]} and excluded["total"] == 15


def test_a_group_without_kazakhstan_finds_nothing_and_says_the_value_is_known(holder):
    result = search(holder, SearchRequest(filters={"group": ["eu"]}))
    assert result["total"] == 0 and result["query"]["filters"] == {"group": ["EU"]}


def test_not_is_an_operator(holder):
    excluded = search(holder, SearchRequest(q="internet -shutdowns", per_page=100))
    written = search(holder, SearchRequest(q="internet NOT shutdowns", per_page=100))
    assert ids(written) == ids(excluded) and written["total"] == excluded["total"] > 0
    assert not any("shutdown" in " ".join(h["titles"]).lower() for h in written["hits"])
    assert written["notices"] == []


def test_a_query_of_excluded_words_only_is_browsed_and_says_so(holder, real_measures):
    for sort in (None, "relevance"):
        result = search(holder, SearchRequest(q="-data", sort=sort, per_page=100))
        assert result["query"]["sort"] == "newest"
        assert all(h["score"] is None for h in result["hits"])
        assert [n["code"] for n in result["notices"]] == ["only_excluded"]
        browse = search(holder, SearchRequest(per_page=100))["hits"]
        without = ids(search(holder, SearchRequest(q="data", per_page=100)))
        assert [h["id"] for h in result["hits"]] == [h["id"] for h in browse if h["id"] not in without]


def test_relevance_is_never_claimed_without_scores(holder):
    for q in ("!!!", "-data", "NOT data", ""):
        result = search(holder, SearchRequest(q=q, sort="relevance"))
        assert result["query"]["sort"] != "relevance" or all(h["score"] is not None for h in result["hits"]), q


def test_a_page_past_the_end_keeps_the_total_and_names_the_last_page(holder):
    result = search(holder, SearchRequest(per_page=5, page=4))
    assert result["hits"] == [] and result["total"] == 15 and result["pages"] == 3
    [notice] = [n for n in result["notices"] if n["code"] == "page_out_of_range"]
    assert notice["last_page"] == 3
    assert search(holder, SearchRequest(per_page=5, page=3))["notices"] == []


def test_page_out_of_range_over_the_api_and_on_the_page(client):
    answer = client.simulate_get("/api/search", params={"per_page": "5", "page": "4"})
    assert answer.status_code == 200
    [notice] = answer.json["notices"]
    assert notice["code"] == "page_out_of_range" and notice["url"] == "/?page=3&per_page=5"
    last = client.simulate_get("/api/search", params={"per_page": "5", "page": "3"}).json
    assert len(last["hits"]) == 5
    page = client.simulate_get("/", params={"per_page": "5", "page": "4"})
    assert page.status_code == 200
    assert "No measures match" not in page.text
    assert 'data-code="page_out_of_range"' in page.text and 'href="/?page=3&amp;per_page=5"' in page.text


def test_a_page_past_the_end_of_no_match_says_no_measure_matches(holder, client):
    result = search(holder, SearchRequest(q="qzxjvw", page=2))
    assert result["total"] == 0 and result["pages"] == 0
    [notice] = [n for n in result["notices"] if n["code"] == "page_out_of_range"]
    assert notice["last_page"] == 1  # the empty first page, where the notice's link goes
    assert notice["message"] == "There is no page 2: no measure matches (page 1 is empty)."
    assert "on 1 page" not in notice["message"] and "0 measures" not in notice["message"]
    for lang, said in (("en", "no measure matches"), ("ru", "ни одна мера не найдена"),
                       ("kk", "бірде-бір шара табылмады")):
        page = client.simulate_get("/", params={"q": "qzxjvw", "page": "2", "lang": lang})
        [text] = [t for t in page.text.split('data-code="page_out_of_range"')[1:2]]
        assert said in text.split("</p>")[0] and "1" in text.split("</p>")[0], lang
        assert 'href="/?q=qzxjvw' in text.split("</p>")[0]


def test_a_group_named_in_the_query_is_offered_as_its_filter(client, kazakhstan):
    answer = client.simulate_get("/api/search", params={"q": "EAEU"}).json
    assert answer["suggestion"] is None  # not "eec"
    [notice] = [n for n in answer["notices"] if n["code"] == "group_filter"]
    assert notice["group"] == "EAEU" and notice["url"] == "/?group=EAEU"
    followed = client.simulate_get("/api/search", params={"group": "EAEU", "per_page": "100"}).json
    assert {h["id"] for h in followed["hits"]} == kazakhstan
    kept = client.simulate_get("/api/search", params={"q": "data EAEU", "country": "kz"}).json
    [notice] = [n for n in kept["notices"] if n["code"] == "group_filter"]
    assert notice["url"] == "/?q=data&country=Kazakhstan&group=EAEU"
    already = client.simulate_get("/api/search", params={"q": "EAEU", "group": "eaeu"}).json
    assert not [n for n in already["notices"] if n["code"] == "group_filter"]


@pytest.mark.parametrize("q", ["53НК", "418В", "53/НК", "418-В"])
def test_a_law_number_with_a_cyrillic_suffix_is_no_russian_word_for_the_descriptions_notice(holder, q):
    """"53НК" and "418В" (a law number typed without its separator) had the notice that descriptions are in
    English, so they "can only match titles", though the hit matched 53/НК in its description."""
    result = search(holder, SearchRequest(q=q))
    assert result["hits"] and not [n for n in result["notices"] if n["code"] == "english_descriptions"]


def test_cyrillic_words_that_only_titles_can_answer_get_english_words(holder):
    result = search(holder, SearchRequest(q="электронная коммерция"))
    [notice] = [n for n in result["notices"] if n["code"] == "english_descriptions"]
    assert notice["words"] == ["electronic", "commerce"]
    english = search(holder, SearchRequest(q=notice["q"]))
    assert english["total"] > 0  # the English words are the vocabulary's: they find descriptions
    assert not [n for n in search(holder, SearchRequest(q="Казахстан"))["notices"]]  # a name is not such a word
    assert not [n for n in search(holder, SearchRequest(q="data"))["notices"]]


def test_an_english_word_is_offered_only_when_it_spells_most_of_the_russian_stem(holder):
    """"персональные" romanizes to "personaln": the corpus's "person" shares only its beginning, and sends the reader
    to an unrelated measure ("natural person"); no English word is better than that one."""
    result = search(holder, SearchRequest(q="персональные данные"))
    offered = [w for n in result["notices"] if n["code"] == "english_descriptions" for w in n["words"]]
    assert "person" not in offered


@pytest.mark.parametrize("q", ['"электронная коммерция"', '"Об информатизации"'])
def test_a_quoted_cyrillic_phrase_gets_the_notice_too(holder, q):
    result = search(holder, SearchRequest(q=q))
    [notice] = [n for n in result["notices"] if n["code"] == "english_descriptions"]
    assert notice["words"] and all(word.isascii() for word in notice["words"])


@pytest.mark.parametrize("q", ["қaz", "53/НК"])
def test_no_such_notice_for_a_word_a_hit_matched_in_its_description(holder, real_measures, q):
    # ".қaz" and "53/НК" stand in English descriptions: "can only match titles" would contradict the hit
    result = search(holder, SearchRequest(q=q))
    assert result["total"] and any(m["field"] == "description" for h in result["hits"] for m in h["matched"])
    assert not [n for n in result["notices"] if n["code"] == "english_descriptions"]


@pytest.mark.parametrize("q", ["title:shutdowns", "VPN", "infor", "EAEU", "shutdowns"])
def test_no_odd_suggestion(holder, q):
    assert search(holder, SearchRequest(q=q))["suggestion"] is None


def test_a_real_typo_is_still_corrected(holder):
    assert search(holder, SearchRequest(q="shutdwons"))["suggestion"] == {"q": "shutdowns"}


@pytest.mark.parametrize("q", ["информатизации закон", "закон информатизации"])
def test_the_rare_word_outweighs_zakon(holder, q):
    assert search(holder, SearchRequest(q=q))["hits"][0]["id"] == LCR


def test_the_app_serves_the_notices_with_their_links(holder):
    client = falcon.testing.TestClient(create_app(holder))
    page = client.simulate_get("/", params={"q": "EAEU"})
    assert 'data-code="group_filter"' in page.text and 'href="/?group=EAEU"' in page.text


def test_a_partial_answer_with_a_wildcard_of_no_word_is_ranked(holder):
    # "zzqx*" stands for no word: the answer is relaxed to the other word and its clause weighs nothing
    result = search(holder, SearchRequest(q="shutdowns zzqx*"))
    assert result["relaxed"] and result["total"] == search(holder, SearchRequest(q="shutdowns"))["total"] > 0
