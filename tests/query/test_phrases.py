"""Phrases against a brute-force scan of the positions Whoosh's own analyzer gives each document."""

import collections
import functools
import random
import re

import pytest

from measuresearch.index.build import indexer
from measuresearch.text.analysis import LAW_NUMBER, STOP_WORDS
from measuresearch.index.engine import IndexHolder
from measuresearch.query.parser import parse
from measuresearch.index.format.schema import build_schema, document
from measuresearch.search.service import SearchRequest, search
from devtools.synthetic import EN_KINDS, Generator
from conftest import make_measure

SCHEMA = build_schema()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    measures = Generator(seed=11).measures(400)
    root = tmp_path_factory.mktemp("phrases")
    indexer.build(None, root, measures=measures)
    holder = IndexHolder(root)
    yield measures, holder
    holder.close()


@functools.lru_cache(maxsize=None)  # each measure's text is scanned for every phrase: analysed once
def positions(value):
    """Return {position: frozenset of terms} of one text value, from the schema's analyzer itself."""
    found = collections.defaultdict(set)
    for token in SCHEMA["text"].analyzer(value, positions=True):
        found[token.pos].add(token.text)
    return {place: frozenset(terms) for place, terms in found.items()}


@functools.lru_cache(maxsize=None)
def analysed(word):
    return frozenset(token.text for token in SCHEMA["text"].analyzer(word))


def brute_force(measures, phrase_words):
    """Return the ids whose text has the phrase: its non-stop words at consecutive places.

    Stop words hold a place without having to match, so before the first and
    after the last non-stop word they may lie outside the text.
    """
    loose = [w.lower() in STOP_WORDS for w in phrase_words]
    if all(loose):
        loose = [False] * len(loose)
    wanted = [(k, analysed(w)) for k, w in enumerate(phrase_words) if not loose[k]]
    ids = set()
    for measure in measures:
        at = positions(document(measure)["text"])
        first_k, first_terms = wanted[0]
        starts = {p - first_k for p, terms in at.items() if terms & first_terms}
        if any(all(at.get(s + k, set()) & terms for k, terms in wanted) for s in starts):
            ids.add(measure.id)
    return ids


def phrases(measures, seed=5, count=60):
    """Phrases that start with stop words, many of them before a field's first word."""
    rng = random.Random(seed)
    found = [f"the {kind} of" for kind in EN_KINDS] + ["the law no", "of the law", "the resolution of"]
    for _ in range(count):
        measure = rng.choice(measures)
        text = rng.choice([measure.titles[0], measure.description, measure.sub_pillar])
        words = text.replace(".", " ").replace(",", " ").split()
        start = rng.choice([0, 0, rng.randrange(len(words))])
        piece = words[start:start + rng.randint(1, 3)]
        found.append(" ".join([rng.choice(["the", "of", "a", "on"])] + piece + rng.choice([[], ["the"]])))
    return found


def test_phrases_starting_with_stop_words_equal_a_brute_force_scan(corpus):
    measures, holder = corpus
    at_field_start = 0
    for text in phrases(measures):
        parsed = parse(f'"{text}"')
        words = [w.text for w in parsed.positive[0].options[0].words]
        expected = brute_force(measures, words)
        result = search(holder, SearchRequest(q=f'"{text}"', per_page=100))
        assert result["total"] == len(expected), text
        assert {hit["id"] for hit in result["hits"]} == expected or result["total"] > 100, text
        at_field_start += any(positions(document(m)["text"]).get(0, set()) & analysed(words[1])
                              for m in measures if m.id in expected)
    assert at_field_start >= 10  # the case of the bug: the first required word is a field's first word


def test_the_phrase_words_are_marked_where_the_phrase_starts_a_title(corpus):
    measures, holder = corpus
    result = search(holder, SearchRequest(q='"the resolution of"', per_page=100))
    starting = [h for h in result["hits"] if h["titles"][0].startswith("Resolution of ")]
    assert starting
    for hit in starting:
        assert hit["highlights"]["titles"][0].startswith("<mark>Resolution</mark> <mark>of</mark> ")


def test_a_law_number_joined_to_a_word_by_a_hyphen_matches_as_that_phrase(corpus):
    # "No-824-V": the words No, 824, V in a row, which a title "... No. 824-V on ..." holds
    measures, holder = corpus
    numbers = sorted({match.group() for m in measures for t in m.titles for match in LAW_NUMBER.finditer(t)
                      if "-" in match.group()})
    assert len(numbers) >= 20
    for number in random.Random(3).sample(numbers, 20):
        typed = f"No-{number}"
        words = [w.text for w in parse(typed).positive[0].options[0].words]
        expected = brute_force(measures, words)
        result = search(holder, SearchRequest(q=typed, per_page=100))
        assert expected and result["total"] == len(expected), typed
        assert {hit["id"] for hit in result["hits"]} == expected, typed


def _words(text):
    """A text's words as a reader counts them: runs of letters and digits, case folded (no stemming)."""
    return re.findall(r"[^\W_]+", text.casefold())


def _holds(text, words):
    found = _words(text)
    return any(found[i:i + len(words)] == words for i in range(len(found) - len(words) + 1))


def _boundary_phrases(measures):
    """[(measure, words)]: the last words of one title with the first of the next, no stop word among them (a stop
    word at a phrase's end may stand outside the text, README), that no single text of the measure holds."""
    spans = []
    for measure in measures:
        texts = [*measure.titles, measure.description, measure.coverage or "", measure.sub_pillar, measure.pillar]
        for first, second in zip(measure.titles, measure.titles[1:]):
            end, start = _words(first)[-2:], _words(second)[:2]
            for words in ([end[-1], start[0]], end + start[:1], end[-1:] + start):
                if not STOP_WORDS.intersection(words) and not any(_holds(text, words) for text in texts):
                    spans.append((measure, words))
    return spans


def _not_found_across_titles(holder, spans):
    for measure, words in spans:
        result = search(holder, SearchRequest(q='"' + " ".join(words) + '"', per_page=100))
        assert measure.id not in {hit["id"] for hit in result["hits"]}, (words, measure.titles)


def test_no_phrase_spans_two_titles_of_a_measure(real_measures, holder, corpus):
    # "... No. 544" then "Order On approval ...": "544 Order" is in no title of the measure, nor in any of its
    # other texts, so the phrase finds nothing there (the titles were indexed as one run of positions)
    spans = _boundary_phrases(real_measures)
    assert len(spans) >= 3  # the corpus has measures of two and three titles
    _not_found_across_titles(holder, spans)
    synthetic, synthetic_holder = corpus
    spans = _boundary_phrases(synthetic)
    assert len(spans) >= 50
    _not_found_across_titles(synthetic_holder, random.Random(5).sample(spans, 50))
    # the control: a phrase inside one title still finds its measure
    measure = next(m for m in real_measures if len(m.titles) > 1)
    inside = " ".join(_words(measure.titles[1])[:3])
    assert measure.id in {hit["id"] for hit in search(holder, SearchRequest(q=f'"{inside}"'))["hits"]}


# Quoted words typed as a romanization spells a Cyrillic title's (BGN/PCGN, or the scholarly "j" and "c"),
# and the original they stand for, as a reader of the title would pair them.
ROMANIZED_PHRASES = [
    ("ob informatizatsii", "Об информатизации"),
    ("ob informatizacii", "Об информатизации"),
    ("zakon o valyutnom regulirovanii", "Закон o валютном регулировании"),
    ("zakon o valjutnom", "Закон o валютном"),
    ("regulirovanii i valyutnom kontrole", "регулировании и валютном контроле"),
]


@pytest.mark.parametrize("typed, original", ROMANIZED_PHRASES)
def test_a_phrase_typed_in_latin_letters_finds_the_cyrillic_title(real_measures, holder, typed, original):
    """The "roman" field keeps no positions: the phrase stands on the "text" positions of the words whose
    romanization keys it has, so quoting the words finds what typing them without quotes finds, in order."""
    holding = {m.id for m in real_measures if any(original in title for title in m.titles)}
    assert holding
    quoted = search(holder, SearchRequest(q=f'"{typed}"'))
    assert {hit["id"] for hit in quoted["hits"]} == holding
    assert {hit["id"] for hit in search(holder, SearchRequest(q=typed))["hits"]} >= holding
    marked = [re.sub(r"</?mark>", "", m) for hit in quoted["hits"] for title in hit["highlights"]["titles"]
              for m in re.findall(r"<mark>.*?</mark>", title)]
    assert {w for w in original.split() if w.lower() not in STOP_WORDS} <= set(marked)  # its words marked
    reversed_words = " ".join(reversed(typed.split()))
    assert not {hit["id"] for hit in search(holder, SearchRequest(q=f'"{reversed_words}"'))["hits"]} & holding


def test_a_romanized_phrase_word_stands_only_on_the_forms_its_key_finds(make_index):
    """A Russian stem stands for more forms than a romanization key: "regulirovana" finds "регулирования" alone,
    not "регулировании". Quoted, it had found "регулировании валют" by the stem, with no word marked and no
    `matched` entry; a leading stop word had added the other form the same way. "regulirovanii" has the key of
    its stem too (the stem's skeleton, "регулирован"), and finds both forms as "регулировании" does, each hit
    explained and marked. (Synthetic titles.)"""
    holder = make_index([make_measure("Правила регулирования электронной торговли", "First test-only text."),
                         make_measure("О регулировании валют", "Second test-only text.")])

    def ids(q):
        result = search(holder, SearchRequest(q=q))
        assert all(hit["matched"] for hit in result["hits"]), q
        return [hit["titles"][0] for hit in result["hits"]]
    assert ids("regulirovana") == ["Правила регулирования электронной торговли"]
    both = {"О регулировании валют", "Правила регулирования электронной торговли"}
    assert set(ids("regulirovanii")) == set(ids('"regulirovanii"')) == set(ids('"o regulirovanii"')) == both
    assert set(ids('"the regulirovanii"')) == both
    assert ids('"regulirovana valyut"') == []
    assert ids('"regulirovanii valyut"') == ["О регулировании валют"]
