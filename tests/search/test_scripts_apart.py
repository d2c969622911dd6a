"""A word is matched in its own script, on the real corpus, against a scan of the corpus with Snowball's stemmers.

Look-alike letters and romanization bridge the two scripts; they must never
bridge a word to another word of its own script ("off" is not "of", "same" is
not "SAM") nor a Russian word to an English one by a stem or key that only
its look-alike reading has ("той" is not "to", "весь" is not "be").
"""

import re

import pytest
import Stemmer

from measuresearch.search.service import SearchRequest, search

ENGLISH, RUSSIAN = Stemmer.Stemmer("english"), Stemmer.Stemmer("russian")
CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")


def _stem(word):
    word = word.casefold().replace("ё", "е")
    return ("ru", RUSSIAN.stemWord(word)) if CYRILLIC.search(word) else ("en", ENGLISH.stemWord(word))


def _words(measure):
    texts = [*measure.titles, measure.description, measure.sub_pillar, measure.pillar, measure.coverage or ""]
    return {word for text in texts for word in re.findall(r"[^\W_]+", text)}


@pytest.fixture(scope="module")
def stems_by_record(real_measures):
    return {m.id: {_stem(w) for w in _words(m)} for m in real_measures}


READ_AS = {"thеy": "they"}  # a word with letters of both scripts, as its Latin letters say it is meant


@pytest.mark.parametrize("q", [
    # English words that share a romanization key with another English title word ("of", "on", "to", "SAM", "EEC")
    "off", "one", "too", "same", "came", "yes", "eyes", "listen", "asia", "die", "they",
    # typed in Latin, read in Cyrillic only by look-alikes ("сам", "стате"): not romanizations of "SAM", "state"
    "cam", "CAM", "ctate",
    # Russian words whose stem or key is the look-alike or romanized reading of an English title word
    "той", "весь", "она", "оно", "они", "статья", "июле", "ее",
    # an English word typed with one Cyrillic letter: read as English, not as the Cyrillic "тне" of "the"
    "thеy",
])
def test_a_word_finds_only_the_records_that_hold_it_in_its_own_script(holder, stems_by_record, q):
    expected = {record for record, stems in stems_by_record.items() if _stem(READ_AS.get(q, q)) in stems}
    result = search(holder, SearchRequest(q=q, per_page=100))
    assert {hit["id"] for hit in result["hits"]} == expected, [hit["matched"] for hit in result["hits"]]


@pytest.mark.parametrize("q, written", [("ЗРК", "ZRK"), ("qaz", ".қaz"), ("valyutnom", "валютном")])
def test_romanization_still_crosses_the_scripts(holder, real_measures, q, written):
    """A Cyrillic word finds its romanized spelling, and a romanized word the Cyrillic (or mixed) one."""
    expected = {m.id for m in real_measures if any(written in text for text in [*m.titles, m.description])}
    assert expected
    result = search(holder, SearchRequest(q=q, per_page=100))
    assert {hit["id"] for hit in result["hits"]} >= expected
    for hit in result["hits"]:
        if hit["id"] in expected:
            assert any(m["kind"] == "romanized" for m in hit["matched"]), hit["matched"]


@pytest.mark.parametrize("typed, word", [("сомміттее", "Committee"), ("СОММІТТЕЕ", "Committee"),
                                         ("сарасіту", "capacity")])
def test_an_english_word_typed_in_cyrillic_look_alikes_finds_it_stemmed_as_english(holder, real_measures, typed, word):
    """Every letter of "committee" has a Cyrillic look-alike: typed so, it is read as the English word, whose
    stem ("committe") the index holds."""
    expected = {m.id for m in real_measures if word.lower() in " ".join([*m.titles, m.description]).lower()}
    assert expected
    assert {hit["id"] for hit in search(holder, SearchRequest(q=typed, per_page=100))["hits"]} == expected
