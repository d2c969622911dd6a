"""The word analysis's fast paths against the general code they stand for (kept here as the reference)."""

import string
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from measuresearch.text import stemming, writing_systems
from measuresearch.text.analysis import SECTION_GAP, is_law_number, join_sections, pieces, sections, terms, word_runs
from measuresearch.text.writing_systems import is_cyrillic, lookalike_tables, reverse_tables

LATIN_WORD = st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits + "šžčəıñüöäáéíóúýʼ'’-ḥ\u0301"),
                     max_size=14)
ANY_WORD = st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits + "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
                                            "АВЕКМНОРСТХәғқңөұүһіІ" + "šžçñü_-"), max_size=12)


def read_back(word, table, longest):
    """The reading of one romanization, a character at a time, the longest table key first."""
    out, i = [], 0
    while i < len(word):
        for size in range(min(longest, len(word) - i), 0, -1):
            piece = word[i:i + size]
            if piece in table:
                out.append(table[piece])
                i += size
                break
        else:
            char = word[i]
            out.append(table.get(writing_systems._strip_marks(char), char))
            i += 1
    return "".join(out)


def fold_readings(raw):
    lower = unicodedata.normalize("NFKC", raw).casefold().replace("ё", "е")
    lat2cyr, cyr2lat = lookalike_tables()

    def kind(c):
        if c in lat2cyr or c in cyr2lat:
            return "ambiguous"
        return "latin" if c in string.ascii_lowercase else "cyrillic" if is_cyrillic(c) else "other"

    classes = [kind(c) for c in lower]
    latin, cyrillic = classes.count("latin"), classes.count("cyrillic")
    to_cyr = "".join(lat2cyr.get(c, c) for c in lower)
    to_lat = "".join(cyr2lat.get(c, c) for c in lower)
    if cyrillic > latin:
        return (to_cyr,)
    if latin > cyrillic:
        return (to_lat,)
    if latin == cyrillic == 0 and "ambiguous" in classes:
        return tuple(dict.fromkeys((to_lat, to_cyr)))
    return (lower,)


def script_of(reading):
    if any(is_cyrillic(c) for c in reading):
        return "cyrillic"
    return "latin" if any(c in string.ascii_lowercase for c in reading) else "other"


@settings(max_examples=500, deadline=None)
@given(LATIN_WORD)
def test_cyrillic_readings_read_the_longest_key_first(word):
    expected = [read_back(word.lower(), table, max(map(len, table))) for table in reverse_tables()]
    assert writing_systems.cyrillic_readings(word.lower()) == tuple(dict.fromkeys(expected))


def test_cyrillic_readings_of_words_every_table_reads_alike_and_of_words_some_read_otherwise():
    # an ASCII word without a key the tables read otherwise is read by one table (writing_systems._back_readers)
    for word in ("anpelkaal", "data", "shchuka", "zhurnal", "kh", "yuliya", "jozef", "ya", "j", "y", "ij", "ýj", "ýa", "kŷ",
                 "şhahar", "i\u0307a", "ščit", "ts", "yё", "qazaqstan", "ekonomika", ""):
        expected = [read_back(word, table, max(map(len, table))) for table in reverse_tables()]
        assert writing_systems.cyrillic_readings(word) == tuple(dict.fromkeys(expected)), word


@settings(max_examples=500, deadline=None)
@given(ANY_WORD)
def test_fold_readings_and_script_of_take_the_ascii_shortcut_unchanged(word):
    assert writing_systems.fold_readings(word) == fold_readings(word)
    assert stemming.script_of(word.lower()) == script_of(word.lower())


def test_the_shortcuts_meet_words_of_every_kind():
    for word in ("data", "DATA", "Hoc", "CAM", "418", "ход", "Qazaqstan", "x", ""):
        assert writing_systems.fold_readings(word) == fold_readings(word)
        assert stemming.script_of(word) == script_of(word)


ASCII_WORD = st.text(alphabet=st.sampled_from(string.ascii_letters + string.digits + "-/"), min_size=1, max_size=14)


@settings(max_examples=500, deadline=None)
@given(ASCII_WORD)
def test_an_ascii_word_has_the_terms_of_its_lowercase_form(word):
    # FieldPostings._learn analyses "Data" as "data"
    for kind in ("text", "exact", "roman"):
        assert terms(word, is_law_number(word), kind) == terms(word.lower(), is_law_number(word.lower()), kind)


def reference_runs(value, boosts):
    """word_runs() as pieces() splits each section: every word by the regex, law numbers among them."""
    runs, pos = [], 0
    for boost, text, _ in sections(value, boosts):
        found = pieces(text)
        runs.append((boost, [p.raw for p in found], [pos + p.pos for p in found]))
        pos += sum(not p.law for p in found) + SECTION_GAP
    return runs


SECTION_TEXT = st.text(alphabet=st.sampled_from("aZ Бвқ-/_.0123456789²\u0301ІoН"), max_size=40)
SECTIONED = st.lists(st.tuples(st.sampled_from("tsd"), SECTION_TEXT), max_size=3).map(join_sections)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(SECTION_TEXT, SECTIONED))
def test_word_runs_put_law_numbers_where_pieces_do(value):
    boosts = {"t": 3.0, "s": 2.0}
    assert [(b, w, list(p)) for b, w, p in word_runs(value, boosts)] == reference_runs(value, boosts)


def test_word_runs_meet_law_numbers_of_every_kind():
    for text in ("No. 738-II on 12/2020", "53/НК and 418-В", "x418-V", "_418-V", "²418-V", "1-2-3 4/5", "a 7-"):
        assert [(b, w, list(p)) for b, w, p in word_runs(text)] == reference_runs(text, {})
