"""Mark matched words in the source text, cut snippets, and say why each hit matched.

What matches is QueryWords' (query_words.py); this module only marks it.
"""

import bisect
import html
import operator

from measuresearch.query.parser import Expansion, Fuzzy, Phrase, Prefix
from measuresearch.search.query_words import KINDS
from measuresearch.text.analysis import WORD

SNIPPET_CHARS = 240
WHOLE_UNDER = 300


def _spans(found):
    """Merge the character spans of matches; a law number covers its words."""
    spans = sorted((p.start, p.end) for p, _, _ in found)
    merged = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text, spans, start=0, end=None):
    """Return text[start:end] escaped, with <mark> around each span."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def highlight(text, words, titles=False):
    """Return the whole text escaped with every match marked (words: QueryWords)."""
    return mark(text, _spans(words.matches(text, titles)))


def snippet(text, words, size=SNIPPET_CHARS):
    """Return an escaped excerpt of about `size` characters that shows the matches.

    The window is the one holding the most distinct matched query words; it
    is widened to word boundaries and marked "…" where text was cut.
    """
    found = words.matches(text)
    spans = _spans(found)
    if len(text) <= WHOLE_UNDER:
        return mark(text, spans)
    start, _, best_end = _window(found, len(text), size)
    start = _word_start(text, start, spans)
    # the start may move back to a word's beginning: the end still takes in every match the window was chosen for
    end = _word_end(text, max(min(len(text), start + size), best_end), spans)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + mark(text, spans, start, end) + suffix


def _window(found, length, size):
    """Return (start, query words inside, end of the last match inside) of the window of `size` characters of a
    text of `length` that holds the most distinct query words of `found`.

    A window starts a quarter of its size before a match (never past the text's end); the first match, in
    the order found, whose window holds the most wins. Each window's matches are looked up among the matches
    sorted by start (those starting inside it) rather than among all, and the search stops at a window that
    holds every query word of the text: no later one can hold more (a stop word's hundreds of matches in a
    long description were hundreds of times hundreds of comparisons).
    """
    # query words by value: a word's unit may come from an earlier request of the same query (its memo)
    every = len({unit for _, unit, _ in found})
    ordered = sorted([(p.start, p.end, unit) for p, unit, _ in found], key=operator.itemgetter(0))
    starts = [start for start, _, _ in ordered]
    best = (0, -1, 0)
    for piece, _, _ in found:
        # a quarter of the window before the match, but never run past the end
        start = max(0, min(piece.start - size // 4, length - size))
        end = start + size
        inside = [(stop, unit) for _, stop, unit in ordered[bisect.bisect_left(starts, start):
                                                            bisect.bisect_right(starts, end)] if stop <= end]
        covered = len({unit for _, unit in inside})
        if covered > best[1]:
            best = (start, covered, max((stop for stop, _ in inside), default=0))
            if covered == every:
                break
    return best


def _inside_word(text, index):
    """True when index falls between two characters of one word (letters, digits, combining marks)."""
    return 0 < index < len(text) and bool(WORD.match(text[index - 1])) and bool(WORD.match(text[index]))


def _word_start(text, index, spans=()):
    """Return where an excerpt that should start near index may start: never inside a word or a match.

    After the nearest space within 30 characters; else at the start of the
    word that index falls in (the text's start when the text has no break).
    """
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    if space >= 0 and index - space < 30:
        index = space + 1
    while _inside_word(text, index):
        index -= 1
    for span_start, span_end in spans:  # a law number spans several words
        if span_start < index < span_end:
            index = span_start
    return index


def _word_end(text, index, spans=()):
    """Return where an excerpt that should end near index may end: never inside a word or a match."""
    if index >= len(text):
        return len(text)
    space = text.find(" ", index)
    if space >= 0 and space - index < 30:
        index = space
    while _inside_word(text, index):
        index += 1
    for span_start, span_end in spans:
        if span_start < index < span_end:
            index = span_end
    # nothing but punctuation left ("asked."): no "…" for it
    return index if WORD.search(text, index) else len(text)


def explain(fields, words, romanized=True):
    """Return hits[].matched: for each matched query word, each field and its strongest kind.

    romanized: whether the record's titles can match by romanization (as match_page primed them).
    """
    best = {}
    _keep_best(best, [(field, words.matches(text, field == "titles")) for field, text in fields.items()])
    if words.sharing:  # a text word matches one query word (the first), and may match another too
        _keep_best(best, [(field, words.other_matches(text, field == "titles", romanized))
                          for field, text in fields.items()])
    order = {}
    for unit in words.units:
        for word in unit.words if isinstance(unit, Phrase) else (unit,):
            order.setdefault(typed(word.source if isinstance(word, Expansion) else word), len(order))
    field_order = list(fields)
    ranked = sorted(best.items(), key=lambda item: (order.get(item[0][0], len(order)), field_order.index(item[0][1])))
    return [{"word": word, "field": field, "kind": kind} for (word, field), kind in ranked]


def _keep_best(best, found):
    """Keep in best {(word as typed, field): kind} the strongest kind of each match: found, [(field, matches)]."""
    for field, matches in found:
        for _, word, kind in matches:
            key = (typed(word), field)
            if key not in best or KINDS.index(kind) < KINDS.index(best[key]):
                best[key] = kind


def typed(unit):
    """Return a query unit as the user typed it: "regul*", "goverment~", "goverment~1"."""
    if isinstance(unit, Prefix):
        return unit.text + "*"
    if isinstance(unit, Fuzzy):
        return unit.text + ("~" if unit.distance == 2 else f"~{unit.distance}")
    return unit.text
