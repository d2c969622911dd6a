"""Completions for search-as-you-type: whole titles, sub-pillars, law numbers and words, as typed.

A completion is always the user's text exactly as typed (case included)
followed by the rest of a text found in the build: a whole title, sub-pillar,
pillar or economy that starts with what was typed, or the rest of the word
(law numbers such as 418-V included) where the typed words occur together in
a title or description. So a completed word is never glued to words it does
not follow anywhere ("data lack"), and a word is never finished in another
script than it was begun in (no "іт" with a Cyrillic і after a Latin i).
"""

import bisect
import collections
import re
import threading
import weakref

from measuresearch.errors import QueryTooComplex
from measuresearch.query.parser import parse
from measuresearch.text.analysis import LAW_NUMBER, LAW_TAIL, STOP_WORDS, WORD, WORD_CHAR
from measuresearch.text.writing_systems import fold_readings, is_cyrillic, lookalike_tables

# the rest of a word, as the index splits words: letters and digits, then law-number tails such as -V, /НК
_REST = re.compile(rf"{WORD_CHAR}*{LAW_TAIL}*")
_NEXT_WORD = re.compile(rf"[ ]?({WORD_CHAR}+{LAW_TAIL}*)")
MAX_MATCHES = 5000  # occurrences looked at per request: enough to rank, bounded for one-letter prefixes
MAX_WHOLE = 5  # whole texts offered before word completions
# descriptions are scanned up to this many characters (a 10k corpus has about 11 million): the scan
# string and its key stay within tens of MB per build; titles and facet values are always scanned
MAX_DESCRIPTION_CHARS = 12_000_000
SEPARATOR = "\n"


def _clean(text):
    return " ".join(text.split())


def _key(text, table=[]):
    """Return text lowercased with Cyrillic look-alikes read as Latin letters (same length)."""
    if text.isascii():
        return text.lower()
    if not table:
        table.append(str.maketrans(lookalike_tables()[1]))
    return text.lower().translate(table[0])


def mixes_scripts(text):
    """Return whether a word of text has both Latin and Cyrillic letters."""
    return any(map(_both_scripts, WORD.findall(text)))


def _both_scripts(text):
    """Return whether text has both Latin and Cyrillic letters."""
    return any(is_cyrillic(c) for c in text) and any("a" <= c.lower() <= "z" for c in text)


class Texts:
    """The texts of one build joined into one lowercased string, for C-speed scans.

    Lowercasing and reading look-alike letters as Latin ("Закон o" with a
    Latin o is found by "закон о") keep every text's length (texts whose
    length lowercasing would change are left out), so an offset found in the
    key string is the same offset in the text as written.
    """

    def __init__(self, wholes, others):
        self.whole = collections.Counter()  # short texts a completion may finish whole, by measure count
        for text in wholes:
            clean = _clean(text)
            if clean and len(clean.lower()) == len(clean):
                self.whole[clean] += 1
        self.sorted = sorted((_key(text), text) for text in self.whole)
        originals = list(self.whole)
        budget = MAX_DESCRIPTION_CHARS
        for text in map(_clean, others):
            if len(text) > budget:
                break
            if text and len(text.lower()) == len(text):
                originals.append(text)
                budget -= len(text) + 1
        self.text = SEPARATOR + SEPARATOR.join(originals) + SEPARATOR
        self.lower = SEPARATOR + SEPARATOR.join(map(_key, originals)) + SEPARATOR

    def starting_with(self, key):
        """Return the whole texts whose lowercased form starts with key."""
        found = []
        for lower, text in self.sorted[bisect.bisect_left(self.sorted, (key,)):]:
            if not lower.startswith(key):
                break
            found.append(text)
        return found

    def occurrences(self, typed):
        """Yield offsets where the lowercased typed text starts at the beginning of a word."""
        start, seen = 0, 0
        while seen < MAX_MATCHES:
            found = self.lower.find(typed, start)
            if found < 0:
                return
            start = found + 1
            if not self.lower[found - 1].isalnum():
                seen += 1
                yield found


def _completion(texts, typed, offset):
    """Return the rest that completes typed at offset: the rest of the word, else the next word."""
    end = offset + len(typed)
    rest = _REST.match(texts.text, end).group(0)
    if rest:
        # a word begun in lower case is finished in lower case ("ict", not "iCT"), one in capitals in capitals
        begun = WORD.findall(typed)[-1] if typed[-1:].isalnum() else ""
        if begun.islower():
            return rest.lower()
        return rest.upper() if begun.isupper() and len(begun) > 1 else rest
    if typed[-1:].isalnum() or typed.endswith(" "):
        following = _NEXT_WORD.match(texts.text, end)
        if following:
            return following.group(0) if not typed.endswith(" ") else following.group(1)
    return ""


def complete(texts, prefix, limit=10):
    """Return up to `limit` completions of prefix, each starting with prefix exactly as typed."""
    typed = " ".join(prefix.split()) + (" " if prefix[-1:].isspace() and prefix.strip() else "")
    if not typed.strip():
        return []
    key = _key(typed)
    if len(key) != len(typed):
        return []
    whole = [text for text in texts.starting_with(key) if len(text) > len(typed)]
    whole.sort(key=lambda text: (-texts.whole[text], len(text), text))
    found = [typed + text[len(typed):] for text in whole[:MAX_WHOLE]]
    # completions whose typed part is the source's own letters (case aside), not look-alikes of them
    as_written = {typed + text[len(typed):] for text in whole[:MAX_WHOLE] if text.lower().startswith(typed.lower())}
    words = collections.Counter()
    for offset in texts.occurrences(key):
        rest = _past_stop_words(texts, typed, offset, _completion(texts, typed, offset))
        if rest:
            words[typed + rest] += 1
            if texts.text[offset:offset + len(typed)].lower() == typed.lower():
                as_written.add(typed + rest)
    found += sorted(words, key=lambda text: (-words[text], text))
    result, seen = [], set()
    for text in found:
        # a law number is the source's own ("167-VІ", with a Cyrillic І): offered as written; a completion
        # of look-alike letters typed keeps to their script ("53/H" is not finished "53/HК", "е." not "е.g")
        if text.lower() not in seen and not mixes_scripts(LAW_NUMBER.sub(" ", text)) \
                and (text in as_written or not _mixed_tail(text)) and _searchable(text):
            seen.add(text.lower())
            result.append(text)
    return result[:limit]


def _past_stop_words(texts, typed, offset, rest):
    """Return a completion that adds a stop word taken on to the next word ("закон o" -> "закон o валютном"), past
    two stop words at most; "" when the text has no other word there."""
    for _ in range(2):
        if not rest or not _adds_a_stop_word(typed, rest):
            return rest
        following = _NEXT_WORD.match(texts.text, offset + len(typed) + len(rest))
        if not following or not following.group(0).startswith(" "):
            return ""
        rest += following.group(0)
    return "" if _adds_a_stop_word(typed, rest) else rest


def _adds_a_stop_word(typed, rest):
    """Return whether a completion adds a stop word after what was typed ("Kazakhstan are", "закон o"): the next
    word of a text offers nothing to search for when it is one."""
    if typed[-1:].isalnum() and (rest[:1].isalnum() or rest[:1] in "-/"):  # the rest finishes the word typed, or
        return False  # its law number ("418" -> "418-В": the В is a suffix, not the preposition)
    added = WORD.findall(rest)
    return bool(added) and any(reading in STOP_WORDS for reading in fold_readings(added[-1]))


def _searchable(text):
    """Return whether the search takes text as a query (a long title may hold more terms than it takes)."""
    try:
        parse(text)
    except QueryTooComplex:
        return False
    return True


def _mixed_tail(text):
    """Return whether the last stretch of text without white space has both Latin and Cyrillic letters."""
    return _both_scripts(text.split()[-1]) if text.split() else False


_TEXTS = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def texts_of(snapshot):
    """Return the Texts of one build, read from its records once and kept while the build is in use."""
    with _LOCK:
        texts = _TEXTS.get(snapshot)
        if texts is None:
            records = [snapshot.records.get(docnum) for docnum in range(len(snapshot.records))]
            # an economy by every name its measures are found by (CLDR's Russian and Kazakh ones too: "Каз" ->
            # "Казахстан"), once each
            economies = snapshot.facets.economies
            names = dict.fromkeys(name for r in records if r["country"] for name in economies.names(r["country"]))
            wholes = [text for r in records for text in (*r["titles"], r["sub_pillar"], r["pillar"]) if text]
            wholes += list(names)
            texts = _TEXTS[snapshot] = Texts(wholes, [r["description"] for r in records])
        return texts
