"""Each analyzer stage, as tables of input and expected output."""

import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measuresearch.text.analysis import forms, law_keys, pieces, text_analyzer
from measuresearch.text.stemming import american, stem
from measuresearch.text.writing_systems import (cyrillic_readings, fold_readings, lookalike_tables, roman_keys, skeleton,
                                                typed_roman_keys, written_folded)


@pytest.mark.parametrize("text, words", [
    ("Law No. 167-VІ SAM", ["Law", "No", "167", "VІ", "SAM"]),
    ("(Закон o валютном)", ["Закон", "o", "валютном"]),
    ('".қaz" domains', ["қaz", "domains"]),
    ("e-commerce 70%", ["e", "commerce", "70"]),
])
def test_tokenizer_words(text, words):
    assert [p.raw for p in pieces(text) if not p.law] == words


@pytest.mark.parametrize("text, law", [
    ("Law No. 418-V ZRK", "418-V"), ("No. 53/НК on", "53/НК"), ("No. 167-VІ SAM", "167-VІ"),
    ("July 5, 2004 No. 567-II", "567-II"),
])
def test_tokenizer_law_numbers_keep_their_span(text, law):
    found = [p for p in pieces(text) if p.law]
    assert [text[p.start:p.end] for p in found] == [law]


@pytest.mark.parametrize("word, readings", [
    ("Закон", ("закон",)),
    ("o", ("o", "о")),            # a lone Latin o reads in both scripts
    ("VІ", ("vi",)),              # Latin V + Cyrillic І reads as Latin
    ("НК", ("hk", "нк")),
    ("Kаzаkhstаn", ("kazakhstan",)),  # Cyrillic а inside a Latin word
    ("вaлютный", ("валютный",)),      # Latin a inside a Cyrillic word
    ("Ёлка", ("елка",)),
    ("Қазақ", ("қазақ",)),            # Kazakh letters are kept
])
def test_fold_readings(word, readings):
    assert fold_readings(word) == readings


def test_lookalikes_come_from_the_confusables_data():
    lat2cyr, cyr2lat = lookalike_tables()
    assert lat2cyr["o"] == "о" and lat2cyr["a"] == "а" and lat2cyr["p"] == "р"
    assert cyr2lat["і"] == "i" and cyr2lat["н"] == "h" and cyr2lat["к"] == "k"
    assert len(lat2cyr) >= 12 and "z" not in lat2cyr and "ж" not in cyr2lat


@pytest.mark.parametrize("british, us", [
    ("harbour", "harbor"), ("licence", "license"), ("localisation", "localization"), ("localise", "localize"),
    ("centre", "center"), ("informatisation", "informatization"), ("law", "law"),
])
def test_british_spellings(british, us):
    assert american(british) == us


@pytest.mark.parametrize("a, b", [
    ("shutdowns", "shutdown"), ("harbour", "harbor"), ("licence", "licensing"), ("localisation", "localization"),
    ("валютный", "валютном"), ("контроль", "контроле"), ("информатизация", "информатизации"),
])
def test_stems_meet(a, b):
    assert stem(fold_readings(a)[0]) == stem(fold_readings(b)[0])


@pytest.mark.parametrize("word", ["law", "control", "regulation"])
def test_english_words_never_get_the_russian_stemmer(word):
    assert stem(word) == __import__("Stemmer").Stemmer("english").stemWord(word)


@pytest.mark.parametrize("latin, cyrillic", [
    ("informatizatsii", "информатизации"),   # BGN/PCGN, informal
    ("informatizacii", "информатизации"),    # GOST 7.79-B, ISO 9
    ("valyutnom", "валютном"), ("valjutnom", "валютном"), ("valûtnom", "валютном"), ("valutnom", "валютном"),
    ("shchuka", "щука"), ("ŝuka", "щука"), ("zhurnal", "журнал"), ("žurnal", "журнал"),
    ("otsutstviye", "отсутствие"), ("tsifrovoy", "цифровой"), ("cifrovoj", "цифровой"),
    ("qazaq", "қазақ"), ("Qazaqstan", "Қазақстан"), ("aqparat", "ақпарат"),
])
def test_romanizations_meet_the_cyrillic_word(latin, cyrillic):
    assert set(typed_roman_keys(fold_readings(latin)[0])) & set(roman_keys(fold_readings(cyrillic)[0]))


@pytest.mark.parametrize("latin, cyrillic", [("informatsiya", "коммуникация"), ("zakon", "закат")])
def test_romanizations_do_not_meet_other_words(latin, cyrillic):
    assert not set(typed_roman_keys(fold_readings(latin)[0])) & set(roman_keys(fold_readings(cyrillic)[0]))


def test_reverse_tables_cover_each_scheme():
    readings = cyrillic_readings("shchi")
    assert "щи" in readings or "шчи" in readings
    assert skeleton("цифровой") == skeleton("тсифровои")


@pytest.mark.parametrize("typed, canonical", [
    ("418-V", "418-v"), ("418/V", "418-v"), ("418-В", "418-v"), ("53/НК", "53-hk"), ("53/HK", "53-hk"),
    ("53/нк", "53-nk"), ("53/NK", "53-nk"), ("167-VІ", "167-vi"), ("167-VI", "167-vi"),
    ("４１８-Ｖ", "418-v"), ("５３/НК", "53-hk"),
])
def test_law_numbers_in_any_script(typed, canonical):
    assert canonical in law_keys(typed)


def test_analyzer_keeps_positions_for_phrases_and_numbers():
    tokens = [(t.text, t.pos) for t in text_analyzer()("Закон o валютном No. 418-V", positions=True)]
    # the Latin "o" is indexed as written; a query's Cyrillic "о" is also looked up as the Latin one
    assert ("o", 1) in tokens and ("о", 1) not in tokens and ("валютн", 2) in tokens
    assert "o" in [t.text for t in text_analyzer()("о", mode="query")]
    assert ("418-v", 4) in tokens and ("418", 4) in tokens and ("no", 3) in tokens


def test_forms_are_cached_and_complete():
    f = forms("Informatizatsii")
    assert f.lower == "informatizatsii" and f.readings == ("informatizatsii",) and f.roman
    assert forms("418-V", True).law == ("418-v",)



def _char_by_char(word):
    """fold_readings' rule letter by letter, in plain Python (the tables' dict lookups, no str.translate)."""
    lat2cyr, cyr2lat = lookalike_tables()
    lower = written_folded(word)
    both = set(lat2cyr) | set(cyr2lat)
    latin = sum(1 for c in lower if c in string.ascii_lowercase and c not in both)
    cyrillic = sum(1 for c in lower if "CYRILLIC" in unicodedata.name(c, "") and c not in both)
    to_cyr, to_lat = "".join(lat2cyr.get(c, c) for c in lower), "".join(cyr2lat.get(c, c) for c in lower)
    if cyrillic > latin:
        return (to_cyr,)
    if latin > cyrillic:
        return (to_lat,)
    if not latin and any(c in both for c in lower):
        return tuple(dict.fromkeys((to_lat, to_cyr)))
    return (lower,)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="aceopxyhkmtbdfgrRiIAECHKMOPTXҚқіІӘәаеорсухвнкмтгГүҮһҺАВЕКМНОРСТХЖжЁё0123456789-",
               min_size=1, max_size=12))
def test_fold_readings_maps_each_letter_through_the_look_alike_tables(word):
    """fold_readings translates a word at C speed (str.translate), ASCII or not: what mapping it letter by letter
    through the look-alike tables gives."""
    assert fold_readings.__wrapped__(word) == _char_by_char(word)
