"""The highlighter's shortcuts (prefix filter, regex fast path, phrase anchors) against a plain reference."""

from hypothesis import given, settings
from hypothesis import strategies as st

from measuresearch.analysis import pieces
from measuresearch.highlight import QueryWords
from measuresearch.queryparse import Phrase, parse

VOCABULARY = ["data", "Data", "localisation", "localization", "licence", "paediatric", "pediatric", "of", "the",
              "on", "law", "laws", "Закон", "закон", "законы", "о", "o", "информатизации", "zakon", "SAM", "САМ",
              "418-V", "418-В", "53/НК", "53/HK", "No", "167-VІ", "e-commerce", "qazaq", "қазақ", "ёлка", "елка"]
text_strategy = st.lists(st.sampled_from(VOCABULARY + [",", ".", " (", ") ", "\n"]), max_size=25).map(" ".join)
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
