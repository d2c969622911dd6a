"""Completions (/api/suggest) checked against a brute-force scan of the real corpus."""

import re
import unicodedata

import pytest

from measuresearch.search import suggest as completions
from measuresearch.search.service import suggest

WORD = re.compile(r"[^\W_]+")
LAW_NUMBER = re.compile(r"\d+[-/][^\W\d_]+")  # 418-V, 53/НК, 167-VІ


def fold(text):
    return completions._key(" ".join(text.split()))


def corpus_texts(measures):
    return [fold(t) for m in measures for t in (*m.titles, m.description, m.sub_pillar, m.pillar, m.country)]


def occurs(text, texts):
    """Whether text occurs in some measure's text, starting at a word (brute force)."""
    pattern = re.compile(r"(?<![^\W_])" + re.escape(fold(text)))
    return any(pattern.search(t) for t in texts)


def scripts_of(word):
    found = set()
    for char in word:
        name = unicodedata.name(char, "")
        if char.isalpha():
            found.add("cyrillic" if "CYRILLIC" in name else "latin" if "LATIN" in name else "other")
    return found


def prefixes(measures):
    """Prefixes a user could type: one to three words from the corpus, cut inside the last word."""
    found = set()
    for m in measures:
        for text in (*m.titles, m.description):
            words = WORD.findall(text)
            for i in range(0, len(words) - 2, 7):
                for n in (1, 2, 3):
                    last = words[i + n - 1]
                    for cut in (1, 3):
                        found.add(" ".join(words[i:i + n - 1] + [last[:cut]]))
    return sorted(found)


@pytest.fixture(scope="module")
def typed(real_measures):
    return prefixes(real_measures)


def test_every_completion_keeps_the_text_as_typed_and_exists_in_the_corpus(holder, real_measures, typed):
    texts = corpus_texts(real_measures)
    assert len(typed) > 300
    offered = 0
    for prefix in typed:
        for variant in (prefix, prefix.upper(), prefix.capitalize()):
            for completion in suggest(holder, variant):
                offered += 1
                assert completion.startswith(variant) and len(completion) > len(variant), (variant, completion)
                assert occurs(completion, texts), (variant, completion)  # never glued: "data lack"
                # no word mixes scripts, but a law number the source writes so ("167-VІ"), which occurs as it is
                for word in WORD.findall(LAW_NUMBER.sub(" ", completion)):
                    assert len(scripts_of(word)) <= 1, (variant, completion)
    assert offered > 1000


@pytest.mark.parametrize("prefix, expected", [
    ("internet shut", "internet shutdowns"),
    ("Internet shut", "Internet shutdowns"),
    ("INTERNET SHUT", "INTERNET SHUTDOWNS"),
    ("Presence of Int", "Presence of Internet shutdowns"),
    ("presence of int", "presence of internet"),
    ("Law on Amendments", "Law on Amendments and Additions to Certain Legislative Acts of the Republic of Kazakhstan "
                          "on Information and Communications"),
    ("418", "418-V"),
    ("167", "167-V\u0406"),  # the source writes it with a Cyrillic І: offered as written
    ("53", "53/НК"),
    ("No. 41", "No. 417-V"),
    ("No. 41", "No. 418-V"),
    ("law on i", "law on informatization"),
    ("закон о вал", "закон о валютном"),  # the title has "Закон o" with a Latin o
    ("Kaz", "Kazakhstan"),
    ("Каз", "Казахстан"),  # the economy's Russian and Kazakh names (CLDR), which search finds it by
    ("Қаз", "Қазақстан"),
    ("каз", "казахстан"),
    ("de m", "de minimis"),
])
def test_whole_titles_sub_pillars_law_numbers_and_words(holder, prefix, expected):
    assert expected in suggest(holder, prefix)


@pytest.mark.parametrize("prefix, wrong", [
    ("Data l", "Data lack"),
    ("data l", "data lack"),
    ("law on i", "law on іт"),  # a Cyrillic і after Latin letters
    ("law on i", "law on it"),  # "law on" is never followed by "it"
])
def test_no_nonsense(holder, real_measures, prefix, wrong):
    if occurs(wrong, corpus_texts(real_measures)):
        pytest.skip("the corpus has this text")
    assert wrong not in suggest(holder, prefix)


def test_a_word_begun_in_lower_case_is_finished_in_lower_case(holder):
    found = suggest(holder, "ic")
    assert "ict" in found and "iCT" not in found


def test_a_word_begun_in_another_script_is_not_finished(holder):
    assert suggest(holder, "Law on І") == []  # Cyrillic І: "Іnformatization" would mix scripts


@pytest.mark.parametrize("prefix", ["", "   ", "!!!", "zzzzzz", "data lack", "<scr"])
def test_nothing_to_offer(holder, prefix):
    assert suggest(holder, prefix) == []


def test_at_most_ten_without_duplicates(holder):
    for prefix in ("l", "la", "law", "law ", "a", "о", "i"):
        found = suggest(holder, prefix)
        assert len(found) <= 10 and len({f.lower() for f in found}) == len(found)


def test_look_alike_letters_typed_are_not_finished_in_the_other_script_and_every_completion_can_be_searched(
        holder, real_measures, typed):
    """"53/H" (a Latin H) is not finished "53/HК", nor "е." (a Cyrillic е) "е.g": the text offered would be
    in neither script, and in no measure. Every prefix is also typed with each letter swapped for its
    look-alike in the other script. And a completion is a query the search takes ("Dec" once offered a
    whole title of 41 terms, past the limit of 32)."""
    from measuresearch.errors import QueryTooComplex
    from measuresearch.query.parser import parse
    from measuresearch.text.writing_systems import lookalike_tables
    lat2cyr, cyr2lat = lookalike_tables()
    written = [" ".join(t.split()).lower() for m in real_measures for t in (*m.titles, m.description)]
    offered, refused = 0, []
    for prefix in [*typed, "53/H", "Е-", "е.", "Dec", "Order of the M"]:
        swapped = "".join(lat2cyr.get(c, cyr2lat.get(c, c)) for c in prefix)
        for variant in dict.fromkeys((prefix, swapped)):
            for completion in suggest(holder, variant):
                offered += 1
                try:
                    parse(completion)
                except QueryTooComplex:
                    refused.append(completion)
                tail = completion.split()[-1]
                if scripts_of(tail) >= {"latin", "cyrillic"}:  # as the source writes it ("167-VІ"), or not at all
                    assert any(tail.lower() in text for text in written), (variant, completion)
    assert offered > 1000 and refused == []
    assert "53/HК" not in suggest(holder, "53/H") and "53/НК" in suggest(holder, "53/Н")


@pytest.mark.parametrize("prefix", ["Kazakhstan", "закон", "Law"])
def test_a_completion_never_adds_only_a_stop_word(holder, prefix):
    """"Kazakhstan are", "Kazakhstan of", "закон o" (a Latin o): the next word of a text is offered only when it
    is one to search for; the stop words come from Whoosh's English and Russian lists."""
    from whoosh.lang.stopwords import stoplists
    stops = set(stoplists["en"]) | set(stoplists["ru"]) | {"o"}
    found = suggest(holder, prefix)
    for text in found:
        added = text[len(prefix):].split()
        assert not (text[len(prefix):].startswith(" ") and added and added[-1].lower() in stops), found


def test_a_law_numbers_cyrillic_suffix_is_no_stop_word():
    """"418-В", "55-И": the letter is a suffix, not the preposition "в" or "и"; the completion ends with it."""
    texts = completions.Texts([], ["Закон № 418-В о связи принят.", "Закон № 418-В", "Указ 55-И регулирует"])
    assert "418-В" in completions.complete(texts, "418")
    assert completions.complete(texts, "Закон № 418") == ["Закон № 418-В"]
    assert completions.complete(texts, "55") == ["55-И"]
