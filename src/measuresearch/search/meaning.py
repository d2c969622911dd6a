"""What a request meant beyond its literal text, read against one build's data (pure).

- Filter values in any case or by alias (`country=kz`, `country=Казахстан`, `group=eu`) stand for the
  canonical value, which the answer echoes.
- A query word that names a jurisdiction group (`EAEU`) is offered as the group filter.
- Russian or Kazakh words can only match titles (descriptions are in English): the English words of the
  vocabulary that their romanization points to are offered.
"""

import functools
import os

from measuresearch.query.parser import Phrase, Word
from measuresearch.search import notices
from measuresearch.text.analysis import forms, terms
from measuresearch.text.writing_systems import is_cyrillic, roman_letters

MIN_SHARED = 5  # letters an English word must share with a romanized one, from the start
SHARED_RATIO = 0.6  # ... and at least this share of the shorter of the two
STEM_SHARE = 0.8  # ... and of the romanized stem: "person" is not the word of "персональн" (a "personal" would be)


def resolve_filters(request, data):
    """Replace the request's filter and exclusion values by the canonical ones the build knows (in place).

    A value no spelling of which the build knows is kept as typed (the unknown_value notice names it).
    Links built from the request afterwards carry the canonical values.
    """
    for chosen in (request.filters, request.exclusions):
        for name, values in chosen.items():
            canonical = [data.canonical(name, value) or (romanized_economy(data.economies, value)
                                                         if name == "country" else None) or value
                         for value in values]
            chosen[name] = list(dict.fromkeys(canonical))
    return request


def romanized_economy(economies, value):
    """Return the one economy a name typed in Latin letters romanizes a Cyrillic name of (`Qazaqstan`:
    "Қазақстан"), word by word, as the query finds it; None if none or several do."""
    words = value.split()
    if not words or any(is_cyrillic(c) for c in value) or len(value) < 4:
        return None
    typed = [set(forms(word).roman) for word in words]
    found = {economy for economy, name in _cyrillic_names(economies)
             if len(name) == len(typed) and all(keys & word for keys, word in zip(typed, name))}
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=4)
def _cyrillic_names(economies):
    """Return [(economy, [the romanization keys of each word])] of the Cyrillic names of a build's economies."""
    return [(economy, [set(terms(word, False, "roman")) for word in name.casefold().split()])
            for economy, entry in economies.data.items() for name in entry["names"]
            if any(is_cyrillic(c) for c in name)]


def named_groups(parsed, data):
    """Return [(word as typed, group)] for the plain query words that name a jurisdiction group."""
    found = []
    for clause in parsed.positive:
        for option in clause.options:
            group = data.groups.canonical(option.text) if type(option) is Word else None
            if group is not None:
                found.append((option.text, group))
    return found


def without_word(q, word):
    """Return query text with the whitespace-separated word left out."""
    return " ".join(chunk for chunk in q.split() if chunk != word)


def cyrillic_words(parsed, data):
    """Return the plain query words written in Cyrillic that do not name an economy, a phrase's included."""
    typed = [word for clause in parsed.positive for option in clause.options
             for word in (option.words if isinstance(option, Phrase) else (option,))]
    # a word with digits is a law number glued ("53НК", "418В"), no Russian word
    return list(dict.fromkeys(word.text for word in typed if type(word) is Word and not word.is_stop
                              and any(is_cyrillic(c) for c in word.text)
                              and not any(c.isdigit() for c in word.text)
                              and data.economies.economy(word.text) is None))


def _latin(word):
    """Return a Cyrillic word in Latin letters (the informal romanization people type)."""
    letters = roman_letters()
    return "".join(letters.get(char, char) for char in word.casefold())


def _english_spelling(latin):
    """Return a romanized word spelled the way English borrows it (elektronnaya -> electronnaia)."""
    return latin.replace("kh", "h").replace("ts", "c").replace("k", "c").replace("y", "i")


def english_word(word, vocabulary, scan=500):
    """Return the English word of the vocabulary that a Cyrillic word's romanization points to, else None.

    информатизации -> informatization, электронная -> electronic: the English word that shares
    the longest beginning with the romanized stem (at least MIN_SHARED letters and SHARED_RATIO of
    the shorter word), the closest in length among equals, then the commonest.
    """
    latin = _latin(forms(word).stems[0])
    target = _english_spelling(latin)
    best = None
    for start in dict.fromkeys((latin[:4], target[:4])):
        for candidate in vocabulary.expand_prefix(start, scan)[:scan]:
            spelled = _english_spelling(candidate)
            shared = len(os.path.commonprefix([spelled, target]))
            if (candidate.isascii() and shared >= MIN_SHARED and shared >= STEM_SHARE * len(target)
                    and shared >= SHARED_RATIO * min(len(target), len(spelled))):
                key = (shared, -len(spelled), vocabulary.df[candidate], candidate)
                best = max(best, key) if best else key
    return best[-1] if best else None


def meaning_notices(request, parsed, data, vocabulary, total, described=frozenset()):
    """Return the notices of what the request meant: only excluded words, a page past the end, a group
    named in the query, Cyrillic words that only titles can answer (described: the query words that a hit
    shown matched outside its titles, such as the ".қaz" of a description: no such notice for them)."""
    found = []
    if parsed.negative and not parsed.positive:
        found.append(notices.only_excluded(request))
    last_page = max(1, -(-total // request.per_page))
    if request.page > last_page:
        found.append(notices.page_out_of_range(request.page, last_page, total))
    chosen = set(request.filters.get("group", ()))
    found.extend(notices.group_filter(word, group, without_word(request.q, word))
                 for word, group in named_groups(parsed, data) if group not in chosen)
    words = [word for word in cyrillic_words(parsed, data) if word not in described]
    if words:
        english = [w for w in dict.fromkeys(english_word(word, vocabulary) for word in words) if w]
        found.append(notices.english_descriptions(words, english))
    return found
