"""The highlighter's shortcuts (prefix filter, regex fast path, phrase anchors) against a plain reference."""

import concurrent.futures
import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measuresearch.text.analysis import pieces
from measuresearch.search.highlight import highlight, snippet
from measuresearch.search import query_words
from measuresearch.search.service import SearchRequest, search
from measuresearch.search.query_words import QueryWords
from measuresearch.query.parser import Phrase, parse

VOCABULARY = ["data", "Data", "localisation", "localization", "licence", "paediatric", "pediatric", "of", "the",
              "on", "law", "laws", "Закон", "закон", "законы", "о", "o", "информатизации", "zakon", "SAM", "САМ",
              "418-V", "418-VII", "418V", "418-В", "53/НК", "53/HK", "No", "167-VІ", "e-commerce", "qazaq", "қазақ", "ёлка", "елка",
              # romanizations of one word that start with other letters (the title filter's roman_initials)
              "Zhambyl", "Jambyl", "Жамбыл", "Tsentr", "Centr", "Центр", "Yurist", "Iurist", "юрист"]
# law numbers glued to what stands before them: a letter, "_", "№", a combining mark (the word then starts before it)
GLUED = ["x418-V", "_418-V", "№418-V", "e\u0301418-V", "No.53/НК", "418-V-VII"]
text_strategy = st.lists(st.sampled_from(VOCABULARY + GLUED + [",", ".", " (", ") ", "\n"]), max_size=25).map(" ".join)
query_strategy = st.lists(st.sampled_from(VOCABULARY + ['"law on data"', '"закон о"', '"of the"', '"No 418-V"']),
                          min_size=1, max_size=4).map(" ".join)


def reference(query_words, text, titles):
    """Every piece classified one by one, no filter, no memo; phrases checked at every position."""
    found = set()
    all_pieces = pieces(text)
    for piece in all_pieces:
        hit = query_words._kind_of(piece, titles)
        if hit:
            found.add((piece.start, piece.end, hit[0].text, hit[1]))
    words = [p for p in all_pieces if not p.law]
    for unit in query_words.phrases:
        matchers, required = [QueryWords([w]) for w in unit.words], unit.required()
        # stop words before the first or after the last required word may stand outside the text
        for i in range(-len(matchers), len(words) + 1):
            hits = [m._kind_of(words[i + k], titles) if 0 <= i + k < len(words) else None
                    for k, m in enumerate(matchers)]
            if all(hit or not required[k] for k, hit in enumerate(hits)):
                found.update((words[i + k].start, words[i + k].end, hit[0].text, hit[1])
                             for k, hit in enumerate(hits) if hit)
    return found


@settings(max_examples=400, deadline=None)
@given(query_strategy, text_strategy, st.booleans())
def test_matches_equal_the_reference(q, text, titles):
    query_words = QueryWords(parse(q).words())
    got = {(p.start, p.end, unit.text, kind) for p, unit, kind in query_words.matches(text, titles)}
    assert got == reference(query_words, text, titles)


@pytest.mark.parametrize("q, text, word", [("die", "The dying man", "dying"), ("lie", "Lying", "Lying"),
                                           ("vie", "vying", "vying"), ("tie", "tying", "tying"),
                                           ("dizationalization", "the disationalisation", "disationalisation")])
def test_a_word_whose_stem_changes_its_second_letter_is_marked(q, text, word):
    # Snowball's English stem of "dying" is "die": the search finds the measure, so the highlight must mark it
    # (and American spelling makes every "isation" of a word ending so "ization", its third letter's too)
    query_words = QueryWords(parse(q).words())
    got = {(p.start, p.end, unit.text, kind) for p, unit, kind in query_words.matches(text)}
    assert got == reference(query_words, text, False) == {(text.index(word), text.index(word) + len(word), q, "stem")}


def test_phrase_words_are_marked_only_in_order():
    query_words = QueryWords(parse('"personal data"').words())
    assert isinstance(query_words.units[0], Phrase)
    text = "data personal, personal data"
    assert sorted(p.start for p, _, _ in query_words.matches(text)) == [15, 24]


@settings(max_examples=200, deadline=None)
@given(query_strategy, st.lists(text_strategy, min_size=2, max_size=5), st.booleans())
def test_a_primed_page_matches_like_each_text_alone(q, texts, titles):
    query_words = QueryWords(parse(q).words())
    query_words.prime(texts, titles)
    for text in texts:
        got = {(p.start, p.end, unit.text, kind) for p, unit, kind in query_words.matches(text, titles)}
        assert got == reference(query_words, text, titles)


def test_a_phrase_stop_word_is_primed_only_in_the_texts_that_hold_the_required_words(monkeypatch):
    scans = []
    word_spans = QueryWords._word_spans

    def recorded(self, text, titles, romanized=True, within=None):
        scans.append((self, text, within))
        return word_spans(self, text, titles, romanized, within)
    monkeypatch.setattr(QueryWords, "_word_spans", recorded)
    query = QueryWords(parse('"law on data"').words())
    texts = ["law on data", "the law of data", "data law", "on law on data on", "nothing here"]
    query.prime(texts, False)
    (law, on, data), required = query._phrase_words[0]
    assert list(required) == [True, False, True]
    held = [text for text in texts if "law" in text and "data" in text]  # the texts with both required words
    # one scan of them, trying the words the page's scan split (the page holds them)
    assert [(text, within) for matcher, text, within in scans if matcher is on] == [("\x00".join(held),
                                                                                     "\x00".join(texts))]
    scans.clear()
    for text in texts:
        got = {(p.start, p.end, unit.text, kind) for p, unit, kind in query.matches(text)}
        assert got == reference(query, text, False)
    assert all(matcher is not on for matcher, _, _ in scans)  # nothing left to match text by text


def test_a_phrase_stop_word_is_matched_in_titles_as_matches_matches_it():
    # titles primed without romanization keys (their measure's "roman" postings hold none of the query's):
    # a stop word is still matched as matches() would match it alone, romanized, as it was text by text
    query = QueryWords(parse('"data для law"').words())
    query.prime(["data dlya law", "law data", "data dlya law x"], True, romanized=False)
    assert sorted((p.start, p.end, unit.text, kind) for p, unit, kind in query.matches("data dlya law", True)) == [
        (0, 4, "data", "exact"), (5, 9, "для", "romanized"), (10, 13, "law", "exact")]


@pytest.mark.parametrize("typed, text", [("и", "Law No. 567-II on communications"), ("в", "Law No. 418-V"),
                                         ("ii", "Закон и порядок")])
def test_a_word_too_short_to_tell_is_not_matched_by_romanization(typed, text):
    # a word or key of one letter is a Roman numeral's or a preposition's: neither the hits nor the marks take it
    query = QueryWords(parse(typed).words())
    assert [kind for _, _, kind in query.matches(text, True)] == []
    assert query.forms["romanized"] == {}


def _classifications(monkeypatch):
    """Count the words QueryWords classifies (its memo's misses)."""
    calls = []
    unit_kind = QueryWords._unit_kind

    def counted(self, piece, titles, romanized=True):
        calls.append(piece.raw)
        return unit_kind(self, piece, titles, romanized)
    monkeypatch.setattr(QueryWords, "_unit_kind", counted)
    return calls


def test_a_query_classifies_a_word_once_across_its_requests(monkeypatch):
    query_words._classified.cache_clear()
    calls = _classifications(monkeypatch)
    q, texts = 'закон "law on data" 418-V', ["Law on data No. 418-V", "Закон о данных", "законы data 418-VII"]
    first = QueryWords(parse(q).words())
    first.prime(texts, True)
    assert calls
    calls.clear()
    again = QueryWords(parse(q).words())  # the same query's next request: a page 2, the same search again
    again.prime(texts, True)
    assert calls == []
    for text in texts:
        got = {(p.start, p.end, unit.text, kind) for p, unit, kind in again.matches(text, True)}
        assert got == reference(again, text, True)
    QueryWords(parse("закон").words()).prime(texts, True)  # another query classifies on its own
    assert "Закон" in calls


@settings(max_examples=100, deadline=None)
@given(query_strategy, st.lists(text_strategy, min_size=2, max_size=5), st.booleans())
def test_a_full_memo_starts_again_and_answers_the_same(q, texts, titles):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(query_words, "MEMO_WORDS", 2)
        query_words._classified.cache_clear()
        for _ in range(2):
            matcher = QueryWords(parse(q).words())
            matcher.prime(texts, titles)
            for text in texts:
                got = {(p.start, p.end, unit.text, kind) for p, unit, kind in matcher.matches(text, titles)}
                assert got == reference(matcher, text, titles)
            phrase_words = [m for matchers, _ in matcher._phrase_words for m in matchers]  # stop words too
            tables = [table for m in [matcher] + phrase_words for table in m._kinds.values()]
            assert all(len(table) <= 2 for table in tables)


def test_requests_on_threads_share_a_query_memo_and_answer_alike(monkeypatch):
    """Threads of a server classify into the same tables, emptied under them (two words each) meanwhile."""
    monkeypatch.setattr(query_words, "MEMO_WORDS", 2)
    query_words._classified.cache_clear()
    q = 'закон "law on data" 418-V informatizaton'
    texts = [" ".join(VOCABULARY[i:] + VOCABULARY[:i]) for i in range(len(VOCABULARY))]
    expected = {text: reference(QueryWords(parse(q).words()), text, True) for text in texts}

    def request(number):
        words = QueryWords(parse(q).words())
        page = texts[number % len(texts):] + texts[:number % len(texts)]
        words.prime(page, True)
        return all({(p.start, p.end, u.text, kind) for p, u, kind in words.matches(text, True)} == expected[text]
                   for text in page)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert all(pool.map(request, range(200)))


# --- snippets: cut only between words, never through a match --------------------------------

SNIPPET_WORDS = ["data", "localisation", "Dismerl", "activities", "online", "418-V", "of", "закон",
                 "Verylongwordwithoutanybreakatallthatgoesonandon", "e-commerce", "x"]
SEPARATORS = ["", " ", " ", "/", "-", "\n", ", ", "(", ")"]
long_text = st.lists(st.tuples(st.sampled_from(SNIPPET_WORDS), st.sampled_from(SEPARATORS)),
                     min_size=40, max_size=160).map(lambda parts: "".join(w + s for w, s in parts))
WORD_CHAR = re.compile(r"[^\W_]|[\u0300-\u036f]")


def _plain(fragment):
    return html.unescape(re.sub(r"</?mark>", "", fragment))


def _at_word_edges(text, start, end):
    return not (start > 0 and WORD_CHAR.match(text[start - 1]) and WORD_CHAR.match(text[start])) and \
        not (end < len(text) and WORD_CHAR.match(text[end - 1]) and WORD_CHAR.match(text[end]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SNIPPET_WORDS), min_size=1, max_size=3).map(" ".join), long_text)
def test_a_snippet_is_a_cut_of_the_whole_highlight_between_words(q, text):
    words = QueryWords(parse(q).words())
    whole = highlight(text, words)  # the reference: the whole text, marked
    excerpt = snippet(text, words)
    body = excerpt.removeprefix("… ").removesuffix(" …")
    # a cut through a match would leave a <mark> the whole highlight does not have
    places = [m.start() for m in re.finditer(re.escape(body), whole)]
    assert places, (excerpt, whole)
    starts = [len(_plain(whole[:i])) for i in places]
    plain = _plain(body)
    assert any(_at_word_edges(text, s, s + len(plain)) and excerpt.startswith("… ") == (s > 0)
               and excerpt.endswith(" …") == (s + len(plain) < len(text)) for s in starts), (excerpt, text)


@pytest.mark.parametrize("shift", range(8))
def test_a_text_without_spaces_is_not_cut_inside_a_word(shift):
    text = "/" * shift + "Dismerl/" * 40 + " activities online " + "z " * 200
    excerpt = snippet(text, QueryWords(parse("Dismerl online").words()))
    body = excerpt.removeprefix("… ")
    assert body.startswith(("<mark>Dismerl</mark>", "/<mark>Dismerl</mark>")), excerpt


def test_a_one_letter_cyrillic_word_finds_the_measures_that_hold_it_and_no_roman_numeral(holder, real_measures):
    # the real corpus: "и" in one Cyrillic title; "II" of "No. 567-II" in another measure's title
    holding = {m.id for m in real_measures
               if any("и" in re.findall(r"[^\W_]+", text.casefold()) for text in [*m.titles, m.description])}
    result = search(holder, SearchRequest(q="и", per_page=100))
    assert holding and {hit["id"] for hit in result["hits"]} == holding
    assert not [m for hit in result["hits"] for m in hit["matched"] if m["kind"] == "romanized"]


def test_a_snippet_counts_a_query_word_once_whatever_request_classified_its_forms_first():
    # the query's memo keeps the unit of the request that classified a form first ("data"); a later request
    # of the same query classifies "Data" itself: both are the one word "data", and the window holding it
    # and "beta" is the one shown, as for a first request
    q = "data beta"
    text = "Data data " + "filler " * 40 + "and then data beta at the end " + "tail " * 20
    fresh = snippet(text, QueryWords(parse(q).words()))
    query_words._classified.cache_clear()
    QueryWords(parse(q).words()).matches("only data here")
    assert snippet(text, QueryWords(parse(q).words())) == fresh
    assert "<mark>beta</mark>" in fresh


def test_a_description_word_matched_at_either_end_of_its_text_is_marked_in_the_snippet(holder, real_measures):
    """The first and the last word of every long description of the corpus (the window may move back to a word's
    start, and must still reach "…whenever asked."): each hit matched in its description shows a mark there."""
    words = set()
    for measure in real_measures:
        found = re.findall(r"[^\W\d_]{4,}", measure.description)
        if len(measure.description) > 300 and found:
            words.update((found[0], found[-1]))
    assert len(words) > 10
    for word in sorted(words):
        for hit in search(holder, SearchRequest(q=word, per_page=100))["hits"]:
            if any(m["field"] == "description" for m in hit["matched"]):
                assert "<mark>" in hit["highlights"]["description"], (word, hit["id"], hit["highlights"])


def test_a_matched_word_longer_than_the_window_is_cut_into_a_snippet_without_an_error():
    long = "data" + "x" * 200
    excerpt = snippet("word " * 80 + long + " end.", QueryWords(parse(long).words()))
    assert "<mark>" in excerpt


def _every_window(found, length, size):
    """The window a snippet shows, by its definition: of the windows starting a quarter of `size` before each
    match (inside the text), in the order of `found`, the first that holds the most distinct query words;
    each one compared with every match (quadratic)."""
    best = (0, -1, 0)
    for piece, _, _ in found:
        start = max(0, min(piece.start - size // 4, length - size))
        inside = [(p, u) for p, u, _ in found if start <= p.start and p.end <= start + size]
        if len({u for _, u in inside}) > best[1]:
            best = (start, len({u for _, u in inside}), max((p.end for p, _ in inside), default=0))
    return best


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 300), st.sampled_from("abcde")), max_size=60),
       st.integers(300, 3300), st.sampled_from([40, 240, 500]))
def test_the_snippet_window_is_the_first_that_holds_the_most_query_words(spans, length, size):
    # matches of any length (a law number spans words), in any order (a phrase's after the words'), repeated
    from measuresearch.search.highlight import _window
    from measuresearch.text.analysis import Piece
    found = [(Piece(start, start + width, 0, "w"), unit, "exact") for start, width, unit in spans]
    assert _window(found, length, size) == _every_window(found, length, size)


def test_a_snippet_of_a_description_with_hundreds_of_stop_word_matches_is_the_whole_highlights_cut():
    text = " ".join(["the data of the law"] * 400)
    words = QueryWords(parse('"the law" data').words())
    cut = snippet(text, words)
    assert cut.startswith("the <mark>data</mark> of <mark>the</mark> <mark>law</mark> the") and cut.endswith(" …")
    assert highlight(text, words).startswith(cut[:-len(" …")])


@settings(max_examples=60, deadline=None)
@given(query_strategy, st.lists(text_strategy, min_size=1, max_size=6))
def test_matchers_of_one_query_share_its_tables_and_match_as_one_built_afresh(q, texts):
    # the tables a query's words are looked up by are kept per query (query_words._tables): a matcher that
    # used them on texts, and the one the next request builds, match as one built with nothing kept
    units = parse(q).words()
    first = QueryWords(units)
    used = [(first.matches(text), first.matches(text, True)) for text in texts]
    second = QueryWords(units)
    assert second.forms is first.forms
    query_words._tables.cache_clear()
    query_words._classified.cache_clear()
    fresh = QueryWords(units)
    assert fresh.forms is not first.forms
    assert [(second.matches(t), second.matches(t, True)) for t in texts] == used
    assert [(fresh.matches(t), fresh.matches(t, True)) for t in texts] == used
