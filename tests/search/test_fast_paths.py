"""The query path's shortcuts give what the plain code they replace gives (hypothesis against the reference)."""

import itertools
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measuresearch.index.format.records import _DIGITS_ONLY, _LONG_NUMBER, parsed_record
from measuresearch.query.parser import parse
from measuresearch.query.matching import _intersect_sorted, _sorted_unique
from measuresearch.search.page_words import (SEPARATOR, distinct_words, page, whole_words, word_count, word_numbers,
                                             words_by_script, words_starting)
from measuresearch.search.query_words import QueryWords
from measuresearch.search.word_starts import ascii_prefixes
from measuresearch.text.analysis import COMBINING, PLAIN_WORD, WORD, terms
from measuresearch.text.writing_systems import fold_readings

# letters of both scripts, digits of other kinds, combining marks, "_", separators and white space of several kinds
# and what may stand around a word: brackets, quotes (page_words._PUNCTUATION) and a "*" or "/"
TEXT = st.text(alphabet="ab AБбé\u0301_1²Ⅳ-.,\x00\t\n\u00a0\u2003İıßſKзЗ()«»\"'*/", max_size=40)


def _regex_whole_words(text, words):
    """The highlighter's former way: one regex of the words, longest first, not inside a word."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(r"(?<![^\W_]|[\u0300-\u036f])(?:" + alternatives + r")(?![^\W_]|[\u0300-\u036f])")
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


@settings(max_examples=400)
@given(TEXT, st.data())
def test_whole_words_are_where_the_regex_finds_them(text, data):
    words = sorted(set(WORD.findall(text)) | set(PLAIN_WORD.findall(text)))
    if not words:
        return
    chosen = data.draw(st.sets(st.sampled_from(words), min_size=1))
    assert whole_words(text, chosen) == _regex_whole_words(text, chosen)




# every ASCII character, so that the translation table's split of letters and digits from the rest is checked whole
ASCII_TEXT = st.text(alphabet=st.characters(max_codepoint=127), max_size=40)


@settings(max_examples=400)
@given(st.lists(TEXT | ASCII_TEXT, max_size=5).map(SEPARATOR.join))  # a page's texts, joined as prime() joins them
def test_distinct_words_are_the_regex_words(text):
    for pattern in (WORD, PLAIN_WORD):
        assert distinct_words(text, pattern) == set(pattern.findall(text))


@settings(max_examples=400)
@given(st.lists(TEXT | ASCII_TEXT, max_size=5).map(SEPARATOR.join))
def test_a_page_is_taken_apart_into_the_words_the_regex_finds(text):
    parts = page(text)
    assert parts.combining == bool(COMBINING.search(text))
    if not parts.combining:
        ascii_words, others = words_by_script(text, PLAIN_WORD)
        assert set(parts.spaced.split()) | parts.mixed == ascii_words and parts.others == others
        assert parts.lowered == parts.spaced.lower() and parts.spaced[:1] == " "


@settings(max_examples=400)
@given(st.lists(ASCII_TEXT, max_size=5).map(SEPARATOR.join), st.sets(st.text(alphabet="aAbyzZ09", min_size=1,
                                                                                  max_size=3)))
def test_the_words_starting_with_some_letters_are_found_as_by_looking_at_each(text, heads):
    parts, lowered = page(text), {head.lower() for head in heads}
    found = words_starting(parts.spaced, parts.lowered, lowered)
    assert found == {word for word in PLAIN_WORD.findall(text) if word.lower().startswith(tuple(lowered))}


@settings(max_examples=400)
@given(TEXT | ASCII_TEXT)
def test_words_are_counted_as_the_regex_counts_them(text):
    assert word_count(text) == len(WORD.findall(text))


@settings(max_examples=400)
@given(TEXT | ASCII_TEXT)
def test_words_are_numbered_as_the_regex_numbers_them(text):
    starts = [m.start() for m in WORD.finditer(text)]
    numbers = word_numbers(text, set(starts[::2]))
    assert numbers == {start: number for number, start in enumerate(starts) if number % 2 == 0}


KEYS = st.lists(st.integers(0, 60), max_size=30).map(lambda keys: np.unique(np.array(keys, dtype=np.int64)))


@given(KEYS, KEYS, KEYS)
def test_sorted_keys_merge_and_intersect_as_numpy_does(a, b, c):
    assert _sorted_unique([a, b, c]).tolist() == np.union1d(np.union1d(a, b), c).tolist()
    assert _sorted_unique([a, a.copy()]).tolist() == a.tolist()
    assert _intersect_sorted(a, b).tolist() == np.intersect1d(a, b).tolist()


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**80, 2**80) | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                    max_leaves=12)


@given(JSON)
def test_a_record_parses_as_json_reads_it(value):
    data = json.dumps({"value": value}, ensure_ascii=False).encode("utf-8")
    # repr tells 1 from 1.0 and -0.0 from 0.0; NaN is not equal to itself
    assert repr(parsed_record(data)) == repr(json.loads(data))


# digits of every kind (ASCII, Arabic-Indic, full-width) in runs around 19 long, in UTF-8 as a record holds them
DIGIT_RUNS = st.lists(st.sampled_from(["1", "9", "0", "\u0663", "\uff11", "a", " ", "-", ".", "\u00b2"]), max_size=60)


@given(DIGIT_RUNS, st.integers(0, 25))
def test_a_long_number_is_found_as_the_regex_finds_it(pieces, run):
    data = ("".join(pieces[:len(pieces) // 2]) + "7" * run + "".join(pieces[len(pieces) // 2:])).encode("utf-8")
    assert (_LONG_NUMBER in data.translate(_DIGITS_ONLY)) == bool(re.search(rb"\d{19}", data))


def _starts_as_one_of(word, prefixes):
    return any(word.startswith(prefix) for prefix in prefixes)


def test_an_ascii_word_starts_as_each_of_its_forms_lets_the_highlighter_look_for_it():
    """The highlighter tries an ASCII word of a text only if it starts with the first letters of a
    query form (word_starts.ascii_prefixes): a query word whose stem, reading, lowercase or
    American form is one of the text word's forms must let it through. Checked on wordfreq's
    English words, the most common first, as typed, capitalised and in capitals, on the British
    spellings breame knows, and on random runs of letters (Snowball stems whatever it is given)."""
    import random
    import string

    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS
    from wordfreq import iter_wordlist
    words = [w for w in itertools.islice(iter_wordlist("en"), 60_000) if w.isascii() and w.isalnum()]
    words += [w.capitalize() for w in words[:5_000]] + [w.upper() for w in words[:2_000]]
    words += [w for w in BRITISH_ENGLISH_SPELLINGS if w.isascii() and w.isalnum()]
    rng = random.Random(21)
    for _ in range(30_000):
        word = "".join(rng.choice("aeiouy" if rng.random() < 0.4 else string.ascii_lowercase)
                       for _ in range(rng.randint(2, 12)))
        words.append(word + rng.choice(["", "", "s", "es", "ies", "ed", "ied", "ing", "ying", "ly", "y", "e"]))
    # American spelling makes every "isation" of a long word that ends so "ization", the first letters' too
    words += ["isationxisation", "disationalisation", "Isationalisations", "aisationisation"]
    missed = []
    for word in words:
        keys = [("exact", word.casefold())] + [("lookalike", r) for r in fold_readings(word)]
        keys += [("stem", s) for s in terms(word, False, "text")]
        keys += [("written", s) for s in terms(word, False, "exact")]
        for kind, key in keys:
            tables = {"exact": {}, "lookalike": {}, "stem": {}, "written": {}, "number": {}}
            tables[kind][key] = None
            prefixes = ascii_prefixes(tables)  # as QueryWords.prefixes has them
            if not _starts_as_one_of(word, prefixes):
                missed.append((word, kind, key))
    assert len(words) > 90_000
    assert missed == []


def test_a_query_form_lets_through_the_words_with_its_first_letters_not_all_words():
    """A form's first three letters, or two for a short one: "investment" tries "Invest" and
    "INVESTOR", not "information"; "use" tries "using", "data" tries "database", not "day"."""
    def prefixes(*keys):
        return ascii_prefixes({"exact": dict.fromkeys(keys), "lookalike": {}, "stem": {}, "number": {}})
    assert _starts_as_one_of("Invest", prefixes("investment")) and _starts_as_one_of("INVESTOR", prefixes("invest"))
    assert not _starts_as_one_of("information", prefixes("investment"))
    assert _starts_as_one_of("using", prefixes("use")) and _starts_as_one_of("drying", prefixes("dri"))
    assert _starts_as_one_of("database", prefixes("data")) and not _starts_as_one_of("day", prefixes("data"))


def test_an_ascii_word_has_romanization_keys_only_from_its_first_letters_initials():
    """The highlighter tries an ASCII word of a title against the query's romanization keys only if its
    first letter is one such a key can come from (writing_systems.roman_initials, read from the
    romanizations' tables). Checked on wordfreq's English words as typed and capitalised, every word
    of one to three letters, and random runs of letters and digits."""
    import random
    import string

    from wordfreq import iter_wordlist

    from measuresearch.text.writing_systems import LATIN_KEY, roman_initials
    words = [w for w in itertools.islice(iter_wordlist("en"), 60_000) if w.isascii() and w.isalnum()]
    words += [w.capitalize() for w in words[:5_000]]
    words += ["".join(p) for n in (1, 2, 3) for p in itertools.product(string.ascii_lowercase + "05", repeat=n)]
    rng = random.Random(21)
    alphabet = string.ascii_letters + string.digits
    words += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))) for _ in range(30_000)]
    initials, missed, keys = roman_initials(), [], 0
    for word in words:
        allowed = initials[word[0].lower()]
        for key in terms(word, False, "roman"):
            keys += 1
            if not key.startswith(LATIN_KEY) or key[len(LATIN_KEY)] not in allowed:
                missed.append((word, key))
    assert keys > 100_000
    assert missed == []


def test_a_british_word_that_starts_otherwise_is_tried_for_its_american_query_word():
    """A query word lets through the British words whose American spelling it is, though they start with
    other letters ("pediatric" must try "paediatric" of a text, "gray" "grey": their stems are one), in
    every letter case; the British starts of other American words are not tried."""
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    from measuresearch.search.word_starts import PREFIX_CHANGERS
    from measuresearch.text.analysis import forms
    missed = []
    for british in sorted(PREFIX_CHANGERS):
        if not british.isascii():
            continue
        word = forms(BRITISH_ENGLISH_SPELLINGS[british])
        tables = {"exact": {word.lower: None}, "lookalike": dict.fromkeys(word.readings),
                  "stem": dict.fromkeys(word.stems), "number": {}}
        prefixes = ascii_prefixes(tables)
        if not all(_starts_as_one_of(cased, prefixes) for cased in (british, british.capitalize(), british.upper())):
            missed.append(british)
    assert len(PREFIX_CHANGERS) > 50 and missed == []
    data = ascii_prefixes({"exact": {"data": None}, "lookalike": {}, "stem": {"data": None}, "number": {}})
    assert not _starts_as_one_of("paediatric", data)


@given(st.lists(st.integers(0, 10_000), max_size=12), st.lists(st.integers(0, 10_000), min_size=200, max_size=600))
def test_a_few_keys_intersect_a_long_array_as_numpy_does(few, many):
    """The shorter array's keys looked up in the longer one (matching.SEARCH_SHARE times longer or more)."""
    a, b = np.unique(np.array(few, dtype=np.int64)), np.unique(np.array(many + few[::2], dtype=np.int64))
    assert _intersect_sorted(a, b).tolist() == np.intersect1d(a, b).tolist()
    assert _intersect_sorted(b, a).tolist() == np.intersect1d(a, b).tolist()


LAW_QUERIES = ["418-V", "53/НК", "167-VI", "No. 418-V", "418-V 53/НК", "418-V law", '"on informatization" 418-V']


@pytest.mark.parametrize("q", LAW_QUERIES)
def test_a_query_without_plain_words_marks_what_trying_every_word_of_a_text_marks(q, real_measures):
    """A query of law numbers (and phrases) alone tries no plain word of a text (query_words._tables' words_alone):
    the real corpus's texts, and texts with law numbers among Cyrillic and Latin words, are marked the same."""
    texts = [t for m in real_measures for t in (*m.titles, m.description)]
    texts += ["Закон № 418-V «Об информатизации» 53/НК", "Order 53/НК on data, No. 418-VІ and 167-VI"]
    units = tuple(parse(q).words())
    for titles in (True, False):
        shortcut, every = QueryWords(units), QueryWords(units)
        every.words_alone = True
        for text in texts:
            assert shortcut.matches(text, titles) == every.matches(text, titles)
    assert QueryWords(units).words_alone == ("law" in q)  # the shortcut taken but for a plain word
