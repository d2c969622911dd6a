"""identity.fold: its fast paths fold as the plain definition does, on every title of the corpus and on odd text."""

import random
import unicodedata

import pytest

from measuresearch.corpus import files as corpus
from measuresearch.corpus import identity
from measuresearch.text.writing_systems import lookalike_tables

from conftest import CORPUS

QUOTES = "“”„‟«»‘’‚‛'`´″"


def folded_by_definition(text):
    """Fold as identity's docstring says, step by step: NFKC, casefold, quotes to '"', Cyrillic look-alike
    letters to Latin, runs of white space to one space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join('"' if c in QUOTES else c for c in text)
    text = "".join(lookalike_tables()[1].get(c, c) for c in text)
    return " ".join(text.split())


def corpus_titles():
    return [t for m in corpus.load(CORPUS) for t in m.titles]


def test_every_title_of_the_corpus_folds_as_the_definition_says():
    titles = corpus_titles()
    assert titles and any(not t.isascii() for t in titles) and any(t.isascii() for t in titles)
    assert [identity.fold(t) for t in titles] == [folded_by_definition(t) for t in titles]


@pytest.mark.parametrize("text", [
    "Law 'On Informatization'", "Law `On` Data", 'Order "No. 5"', "ＬＡＷ ｏｎ ｄａｔａ", "ﬁnancial", "\u212aelvin",
    "Закон «О связи»", "Закон ‘О связи’", "ЗАКОН О СВЯЗИ", "Заkон о связи", "167-VІ", ".қaz", "ß straße",
    "İstanbul", "ΣΊΣΥΦΟΣ", "a\x1cb\x1dc\x1ed\x1ff", "a\u00a0b\u2003c\u3000d", "tab\tand\nline", "", "   ",
    "e\u0301", "é", "Ё и ё", "“smart” ″quotes″ ´acute´",
])
def test_odd_text_folds_as_the_definition_says(text):
    assert identity.fold(text) == folded_by_definition(text)


def test_random_mixed_text_folds_as_the_definition_says():
    rng = random.Random(7)
    letters = ("aAbBeEoOpPcCxXyYkKhHmMtT iI'`\"\t\n\x1c\u00a0\u2003 аАеЕоОрРсСхХуУкКнНмМтТвВіІқҚөӨүҮ"
               + QUOTES + "ﬁＡ①İßΣςé\u0301")
    texts = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 24))) for _ in range(3000)]
    assert [identity.fold(t) for t in texts] == [folded_by_definition(t) for t in texts]
