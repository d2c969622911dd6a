"""The capitalised operators of the search box, as a table: NOT excludes like -, AND is the default, OR joins."""

import pytest

from measuresearch.errors import InvalidParameter
from measuresearch.query.parser import parse


def shape(q):
    """Return the clauses of a query as comparable data: ((option texts...), negated) in order."""
    def text(option):
        return getattr(option, "text", None) or " ".join(w.text for w in option.words)
    return [(tuple(text(o) for o in c.options), c.negated) for c in parse(q).clauses]


@pytest.mark.parametrize("typed, same_as", [
    ("internet NOT shutdowns", "internet -shutdowns"),
    ("NOT shutdowns internet", "-shutdowns internet"),
    ("data NOT \"internet shutdowns\"", "data -\"internet shutdowns\""),
    ("data AND localisation", "data localisation"),
    ("licence AND NOT data", "licence -data"),
    ("a NOT b OR c", "a -b OR c"),
    ("NOT data", "-data"),
])
def test_operators_mean_what_their_symbols_mean(typed, same_as):
    assert shape(typed) == shape(same_as)


@pytest.mark.parametrize("q, expected", [
    # in lower case they are words (stop words: kept only when nothing else is left)
    ("not data", [(("data",), False)]),
    ("data and not", [(("data",), False)]),
    # with nothing to act on, an operator is the word it spells
    ("NOT", [(("NOT",), False)]),
    ("AND", [(("AND",), False)]),
    ("data NOT", [(("data",), False)]),
    ("NOT OR x", [(("NOT", "x"), False)]),
    ("AND data", [(("data",), False)]),
    ("OR", [(("OR",), False)]),
    ("OR data", [(("data",), False)]),
    ("data OR", [(("data",), False)]),
    ('"data flows" OR', [(("data flows",), False)]),
    # between phrases OR joins them, though nothing stands beside it inside its own stretch of text
    ('"data flows" OR "cross border"', [(("data flows", "cross border"), False)]),
    ('"data flows" OR licence', [(("data flows", "licence"), False)]),
])
def test_operators_without_an_operand_and_lower_case_words(q, expected):
    assert shape(q) == expected


def test_not_breaks_the_proximity_sequence_like_minus():
    assert parse("internet NOT shutdowns data").pairs == parse("internet -shutdowns data").pairs == []
    assert [(a.text, b.text) for a, b in parse("internet AND shutdowns").pairs] == [("internet", "shutdowns")]


@pytest.mark.parametrize("typed, same_as", [
    # words joined by hyphens are a phrase; a law number among them is its words, as inside quotes
    ("law-418-V", '"law 418-V"'),
    ("-закон-167-VІ", '-"закон 167-VІ"'),
    ("data-1-I OR e-commerce", '"data 1-I" OR "e commerce"'),
])
def test_a_law_number_joined_by_hyphens_is_a_phrase_of_its_words(typed, same_as):
    assert shape(typed) == shape(same_as)


def test_words_joined_by_hyphens_keep_the_phrase_limit():
    assert len(parse("-".join("abcdefghijklmnop")).clauses[0].options[0].words) == 16
    with pytest.raises(InvalidParameter, match="at most 16 words"):
        parse("-".join("abcdefghijklmnopq"))


@pytest.mark.parametrize("typed, expected", [
    # apostrophes inside a word: its halves as a phrase, or the word without them (a romanized soft sign)
    ("val'yutnom", [(("val yutnom", "valyutnom"), False)]),
    ("-svyaz’", [(("svyaz",), True)]),  # a trailing apostrophe joins nothing
    ("deyatel'nosti.", [(("deyatel nosti", "deyatelnosti"), False)]),
    # hyphens are not apostrophes: a hyphenated word stays a phrase alone
    ("e-commerce", [(("e commerce",), False)]),
])
def test_a_word_with_apostrophes_inside_is_also_that_word_without_them(typed, expected):
    assert shape(typed) == expected
