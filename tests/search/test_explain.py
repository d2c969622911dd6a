"""Every hit says why it matched, and the words it matched on are marked."""

import re

import pytest

from measuresearch.search.service import SearchRequest, search

LCR = "kazakhstan-local-content-requirements-lcrs-on-ce7714ab"


@pytest.mark.parametrize("q, word, kind, marked", [
    ("No. 418-VII", "418-VII", "number", "418-V"),  # another instrument of the bare number, marked whole
    ("418-VII", "418-VII", "number", "418-V"),
    ("informatizaton~", "informatizaton~", "fuzzy", "Informatization"),
    ("informatizaton~1", "informatizaton~1", "fuzzy", "Informatization"),
    ("informati*", "informati*", "prefix", "Informatization"),
    # Latin letters that romanize a Russian title word: with ~ it had found nothing, without ~ the law
    ("informatizatsii~", "informatizatsii~", "fuzzy", "информатизации"),
])
def test_a_hit_found_through_a_number_a_typo_or_a_prefix_says_so(holder, q, word, kind, marked):
    result = search(holder, SearchRequest(q=q, per_page=100))
    hit = next(h for h in result["hits"] if h["id"] == LCR)
    assert {"word": word, "field": "titles", "kind": kind} in hit["matched"]
    assert any(f"<mark>{marked}</mark>" in title for title in hit["highlights"]["titles"])


@pytest.mark.parametrize("q", ["No. 418-VII", "informatizaton~", "regul*", "data OR валютн*", "shutdwons~",
                               "418V", "\"the law on\"", "53/НК", "licence", "ob informatizatsii", "e-commerce",
                               # an English title word found through its romanization ("ZRK"),
                               # stop words alone, and a stop word OR-ed with another word
                               "ЗРК", "the", "AND", "No.", "NOT OR x"])
def test_every_hit_has_an_explanation_and_a_mark(holder, q):
    result = search(holder, SearchRequest(q=q, per_page=100))
    assert result["hits"], q
    for hit in result["hits"]:
        assert hit["matched"], (q, hit["id"])
        shown = hit["highlights"]["titles"] + [hit["highlights"]["description"]]
        fields = {m["field"] for m in hit["matched"]}
        if fields & {"titles", "description"}:
            assert any("<mark>" in text for text in shown), (q, hit["id"])


@pytest.mark.parametrize("q", ["regulation regulations", "законы закон", "закон закону", "informatization informatisation",
                               "currency currencies", "regul* regulation", "regul* regulations", "licen* licence",
                               "informatiza* informatisation", "licence license", "services service",
                               "shutdown shutdowns", "закон zakon", "ЗРК ZRK", "валютном valyutnom",
                               "informatizaton~ informatization", "417 417-V", "No. 418-V 418"])
def test_each_word_is_explained_in_each_field_as_it_is_alone(holder, q):
    """One text word can match several query words of a query ("regulation regulations"): each is said, in each
    field, with the kind it has there. The reference is each word searched alone, where no other word takes
    a text word first."""
    together = {h["id"]: h for h in search(holder, SearchRequest(q=q, per_page=100))["hits"]}
    assert together
    for word in q.replace("No. ", "").split():
        for hit_id, hit in {h["id"]: h for h in search(holder, SearchRequest(q=word, per_page=100))["hits"]}.items():
            if hit_id in together:
                alone = {(m["word"], m["field"], m["kind"]) for m in hit["matched"] if m["word"] == word}
                said = {(m["word"], m["field"], m["kind"]) for m in together[hit_id]["matched"] if m["word"] == word}
                assert said == alone, (word, hit_id)


def test_a_typed_word_keeps_its_own_explanation_beside_a_prefix(holder):
    hit = search(holder, SearchRequest(q="currency curr*"))["hits"][0]
    words = {(m["word"], m["kind"]) for m in hit["matched"]}
    assert ("currency", "exact") in words


@pytest.mark.parametrize("glued, written", [("418V", "418-V"), ("418v", "418-V"), ("567II", "567-II"),
                                            ("No. 417V", "No. 417-V"), ("167VІ", "167-VІ"),
                                            # Cyrillic letters glued: В romanizes as V; two or more letters
                                            ("418В", "418-В"), ("№418в", "418-В"), ("167ВІ", "167-ВІ"),
                                            ("53НК", "53/НК"), ("N418-V", "No. 418-V"), ("53HK", "53/HK")])
def test_a_law_number_typed_without_its_hyphen_finds_what_the_number_finds(holder, glued, written):
    ids = [h["id"] for h in search(holder, SearchRequest(q=written, per_page=100))["hits"]]
    assert ids
    assert [h["id"] for h in search(holder, SearchRequest(q=glued, per_page=100))["hits"]] == ids


@pytest.mark.parametrize("typed, written", [("４１８-V", "418-V"), ("No. ４１８-Ｖ", "No. 418-V"), ("５３/НК", "53/НК"),
                                            ("１６７-VІ", "167-VІ")])
def test_a_law_number_in_full_width_characters_finds_what_the_number_finds(holder, typed, written):
    """What a CJK keyboard or a PDF types (NFKC makes them the ASCII ones) finds the same measures, in order."""
    ids = [h["id"] for h in search(holder, SearchRequest(q=written, per_page=100))["hits"]]
    assert ids
    assert [h["id"] for h in search(holder, SearchRequest(q=typed, per_page=100))["hits"]] == ids


@pytest.mark.parametrize("q", ["5G", "3D", "100", "5Г", "n5", "10GB", "4th", "10km", "2pm", "100тыс", "53нк",
                               "N95-masks"])
def test_a_number_glued_to_other_letters_stays_a_word(q):
    from measuresearch.query.parser import LawNumber, parse
    assert not any(isinstance(o, LawNumber) for c in parse(q).clauses for o in c.options)


def _corpus_words(measure):
    """Every word a measure is searched in, lowercased: its texts and its economy under all its names."""
    from measuresearch.index.format.schema import country_names
    texts = [*measure.titles, measure.description, measure.pillar, measure.sub_pillar, measure.coverage or "",
             *country_names(measure.country)]
    return {w.lower() for text in texts for w in re.findall(r"[^\W\d_]+", text)}


def test_a_prefix_finds_the_measures_with_a_word_that_starts_with_it_and_marks_only_those_words(holder,
                                                                                              real_measures):
    """Every prefix of 3 to 7 letters of the real corpus's words, in both scripts, against a scan of the
    measures: `accorda*` finds the measure with "accordance" and marks it, never "According" (which shares
    its stem); `контр*` (letters that all have Latin look-alikes) finds "контроле"."""
    from measuresearch.text.writing_systems import fold_readings
    words = {m.id: _corpus_words(m) for m in real_measures}
    prefixes = sorted({w[:n] for ws in words.values() for w in ws for n in range(3, 8) if len(w) > n})
    assert {"accorda", "контр", "регу"} <= set(prefixes) and len(prefixes) > 500
    wrong = []
    for prefix in prefixes:
        readings = fold_readings(prefix)
        expected = {mid for mid, ws in words.items()
                    if any(r.startswith(p) for w in ws for r in fold_readings(w) for p in readings)}
        result = search(holder, SearchRequest(q=prefix + "*", per_page=100))
        if {h["id"] for h in result["hits"]} != expected:
            wrong.append((prefix, len(expected), result["total"]))
        marked = {w for h in result["hits"] for text in [*h["highlights"]["titles"], h["highlights"]["description"]]
                  for w in re.findall(r"<mark>(.*?)</mark>", text)}
        wrong += [(prefix, w) for w in marked
                  if not any(r.startswith(p) for r in fold_readings(w.lower()) for p in readings)]
    assert wrong == []


def test_a_word_of_look_alike_letters_finds_only_the_measures_with_its_english_stem(holder, real_measures):
    """"they", "the", "hope": words of letters that Cyrillic has too are read in both scripts, but only
    their own script's reading is stemmed, so "they" (Cyrillic reading "тнеу", stemmed "тне") no longer
    finds every measure with "the". Each such word of the real corpus, asked alone, against a scan with
    Snowball's English stemmer (PyStemmer, not the engine's analysis): a hit matched as exact or by stem
    holds a word of the same stem."""
    import Stemmer

    from measuresearch.text.writing_systems import lookalike_tables
    english = Stemmer.Stemmer("english")
    shared = set(lookalike_tables()[0])
    stems = {m.id: {english.stemWord(w) for w in _corpus_words(m)} for m in real_measures}
    words = sorted({w for ws in map(_corpus_words, real_measures) for w in ws
                    if w.isascii() and len(w) > 1 and set(w) <= shared})
    assert "they" in words and len(words) > 20
    wrong = []
    for word in words:
        for hit in search(holder, SearchRequest(q=word, per_page=100))["hits"]:
            kinds = {m["kind"] for m in hit["matched"]}
            if kinds <= {"exact", "stem"} and english.stemWord(word) not in stems[hit["id"]]:
                wrong.append((word, hit["id"]))
    assert wrong == []


def test_or_alone_is_the_word_it_spells(holder):
    lone = search(holder, SearchRequest(q="OR", per_page=100))
    assert lone["total"] and not [n for n in lone["notices"] if n["code"] == "no_words"]
    assert [h["id"] for h in lone["hits"]] == [h["id"] for h in search(holder, SearchRequest(q="or", per_page=100))["hits"]]


@pytest.mark.parametrize("q", ["4-1", "3-10", "No. 418-VII", "567-V", "105-V", "3-V", "4-V", "4-II"])
def test_a_law_number_finds_by_its_bare_number_only_other_law_numbers(holder, real_measures, q):
    """"3-10" may find "Annex 3-10" and "No. 418-VII" "No. 418-V", but never a plain "3" ("a score of 3") nor the
    "4" of "6.2.4": checked against a scan of each hit's text for a law number of that bare number."""
    number, typed = re.search(r"\d+", q).group(), re.search(r"\d+[-/]\w+", q).group()
    texts = {m.id: " ".join([*m.titles, m.description, m.coverage or ""]) for m in real_measures}
    # "Arts. 105-1", "Annex 3-10": numbers with a numeric suffix are no other instrument's; the one typed is found
    expected = {i for i, text in texts.items() if re.search(rf"(?<![^\W_]){number}[-/][^\W\d_]", text)
                or re.search(rf"(?<![^\W_]){re.escape(typed)}(?![^\W_])", text, re.IGNORECASE)}
    result = search(holder, SearchRequest(q=q, per_page=100))
    assert {hit["id"] for hit in result["hits"]} == expected, (q, [h["matched"] for h in result["hits"]])
