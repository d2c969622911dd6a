"""Mark matched words in the source text and say why each hit matched.

The same forms() the index uses decide what matches, so a word is marked
exactly when it was indexed under one of the query's terms, and the marked
characters are the source's own, at their own offsets.
"""

import html

from .analysis import forms, pieces
from .queryparse import LawNumber, Phrase

SNIPPET_CHARS = 240
WHOLE_UNDER = 300
# The kinds of match, strongest first: a word that matches in several ways
# is reported under the first.
KINDS = ("law_number", "exact", "lookalike", "stem", "romanized")


def match_kind(query_unit, piece):
    """Return how a query word or law number matches one text piece, or None."""
    doc = forms(piece.raw, piece.law)
    if isinstance(query_unit, LawNumber):
        query = forms(query_unit.text, True)
        return "law_number" if piece.law and set(doc.law) & set(query.law) else None
    query = forms(query_unit.text)
    if piece.law:
        return None
    if doc.lower == query.lower:
        return "exact"
    if set(doc.readings) & set(query.readings):
        return "lookalike"
    if set(doc.stems) & set(query.stems):
        return "stem"
    if set(doc.roman) & set(query.roman):
        return "romanized"
    return None


def matches(text, units):
    """Return [(piece, word, kind)] for every piece of text that a query unit matches.

    A word or law number matches wherever it occurs; the words of a phrase
    only where they occur in order.
    """
    all_pieces = pieces(text)
    found = []
    singles = [u for u in units if not isinstance(u, Phrase)]
    for piece in all_pieces:
        for unit in singles:
            kind = match_kind(unit, piece)
            if kind:
                found.append((piece, unit, kind))
                break
    words = [p for p in all_pieces if not p.law]
    for phrase in (u for u in units if isinstance(u, Phrase)):
        size = len(phrase.words)
        for i in range(len(words) - size + 1):
            kinds = [match_kind(w, words[i + k]) for k, w in enumerate(phrase.words)]
            if all(kinds):
                found.extend((words[i + k], w, kinds[k]) for k, w in enumerate(phrase.words))
    return found


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


def highlight(text, units):
    """Return the whole text escaped with every match marked."""
    return mark(text, _spans(matches(text, units)))


def snippet(text, units, size=SNIPPET_CHARS):
    """Return an escaped excerpt of about `size` characters that shows the matches.

    The window is the one holding the most distinct matched query words; it
    is widened to word boundaries and marked "…" where text was cut.
    """
    found = matches(text, units)
    spans = _spans(found)
    if len(text) <= WHOLE_UNDER:
        return mark(text, spans)
    best, best_score = 0, -1
    for piece, _, _ in found:
        # a quarter of the window before the match, but never run past the end
        start = max(0, min(piece.start - size // 4, len(text) - size))
        covered = {id(u) for p, u, _ in found if start <= p.start and p.end <= start + size}
        if len(covered) > best_score:
            best, best_score = start, len(covered)
    start = _word_start(text, best)
    end = _word_end(text, min(len(text), start + size))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + mark(text, spans, start, end) + suffix


def _word_start(text, index):
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    return space + 1 if space >= 0 and index - space < 30 else index


def _word_end(text, index):
    if index >= len(text):
        return len(text)
    space = text.find(" ", index)
    return space if space >= 0 and space - index < 30 else index


def explain(fields, units):
    """Return hits[].matched: for each matched query word, each field and its strongest kind."""
    best = {}
    for field, text in fields.items():
        for _, word, kind in matches(text, units):
            key = (word.text, field)
            if key not in best or KINDS.index(kind) < KINDS.index(best[key]):
                best[key] = kind
    order = [w.text for u in units for w in (u.words if isinstance(u, Phrase) else (u,))]
    field_order = list(fields)
    ranked = sorted(best.items(), key=lambda item: (order.index(item[0][0]), field_order.index(item[0][1])))
    return [{"word": word, "field": field, "kind": kind} for (word, field), kind in ranked]
