"""Recognise the measures a re-imported page already has, so that ids never change.

Pure: lists of Measures in, a Matching out. For one economy, in this order:
1. unchanged measures (every field equal);
2. the same pillar, sub-pillar and titles, compared tolerant of spacing, case,
   quotes and Latin/Cyrillic look-alike letters; among several candidates the
   closest description wins. Titles one live record has identify it, unless a
   removed record of those titles is closer and close enough; titles several live
   records share only with a description close enough (DESCRIPTION_CUTOFF), or by
   elimination when the page lists them as many times as records are left and
   none was removed;
3. titles changed too: the closest description in the same sub-pillar, if it
   is close enough (the report says the titles changed);
4. a measure removed earlier with --prune whose sub-pillar and titles come back
   gets its old id again (among several removed, or beside a record of those
   titles, the one whose description is close enough).
A record carrying an accepted edit is also what the page says when the page still
says what the edit replaced (edited["fields"]): its description is compared as
the source had it. A choice between candidates that are equally close is refused,
listing them.
"""

import collections
import dataclasses
import difflib
import functools
import hashlib
import json
import operator
import unicodedata

from measuresearch.domain import fields
from measuresearch.domain import model
from measuresearch.text.analysis import WORD
from measuresearch.text.writing_systems import lookalike_tables

# The closest description must share at least this share of its words, in order.
DESCRIPTION_CUTOFF = 0.6
COMPARED = fields.names("compared")
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»‘’‚‛'`´″"})


@dataclasses.dataclass
class Matching:
    """How the incoming measures of one economy relate to those it already has."""

    pairs: list = dataclasses.field(default_factory=list)  # (old, new, how): how in exact/titles/description
    added: list = dataclasses.field(default_factory=list)  # new measures
    restored: list = dataclasses.field(default_factory=list)  # (tombstone, new)
    missing: list = dataclasses.field(default_factory=list)  # old measures the page no longer lists
    ties: list = dataclasses.field(default_factory=list)  # (new, [old candidates])


@functools.cache
def _folding():
    """Return one table for both steps: quotes to '"', then Cyrillic look-alike letters to Latin.

    One table does both because no quote is a letter and no letter becomes a quote.
    """
    return {**_QUOTES, **str.maketrans(lookalike_tables()[1])}


# An ASCII text's NFKC form is itself, its casefold is its lower(), and its only quotes are these
_ASCII_QUOTES = str.maketrans({c: '"' for c in map(chr, _QUOTES) if c.isascii()})


def fold(text):
    """Return text folded for comparison: case, spacing, quotes and look-alike letters."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_QUOTES).split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().translate(_folding()).split())


def title_key(measure):
    """Return what identifies a measure within its economy: pillar, sub-pillar, folded titles."""
    return (measure.pillar, measure.sub_pillar, tuple(fold(t) for t in measure.titles))


def may_be(measure, candidates):
    """Return the candidates (records with the measure's pillar, sub-pillar and titles) that the measure may be.

    Titles one record has identify it, whatever its description says. Titles several records share (the DTI's
    "Presence of Internet shutdowns" entries) do not: the measure may be those whose description is close
    enough to pair on a re-import (DESCRIPTION_CUTOFF), and is another measure if none is.
    """
    if len(candidates) <= 1:
        return list(candidates)
    return [c for c in candidates if similarity(c.description, measure.description) >= DESCRIPTION_CUTOFF]


# The fields an accepted edit keeps one digest each of, as it found them (edited["fields"]), and a proposal of the
# record it was sent as an edit of (sent_base): the sources only grow, apart (merge._with_sources).
EDIT_FIELDS = tuple(name for name in COMPARED if name != "sources")


def field_digests(measure):
    """Return {field: the SHA-1 of its value} of a measure's compared fields but its sources."""
    return {name: value_digest(getattr(measure, name)) for name in EDIT_FIELDS}


def value_digest(value):
    """Return the SHA-1 of one field's value (its JSON, keys sorted)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def changes(old, new):
    """Return [(field, old value, new value)] for the compared fields that differ."""
    return [(name, getattr(old, name), getattr(new, name)) for name in COMPARED
            if getattr(old, name) != getattr(new, name)]


@functools.lru_cache(maxsize=4096)
def _words(text):
    return tuple(WORD.findall(fold(text)))


def similarity(a, b):
    """Return how alike two descriptions are, 0..1 (difflib on their folded words)."""
    return difflib.SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def closeness(record, measure):
    """Return how alike a record's description and an incoming measure's are, 0..1.

    A record carrying an accepted edit is compared as its source had it too: 1 when the measure's description
    is the one the edit replaced (edited["fields"]) or the measure says all the edit replaced (edited["replaced"],
    for an edit made before the fields' digests were kept); else the closer of its description and the one
    the edit replaced, when the edit kept it (edited["found_description"]).
    """
    edit = getattr(record, "edited", None) or {}
    if edit and (as_found(record, measure, ("description",)) or says_what_edit_replaced(record, measure)):
        return 1.0
    score = similarity(record.description, measure.description)
    before = edit.get("found_description")
    return max(score, similarity(before, measure.description)) if isinstance(before, str) else score


def as_found(record, measure, names):
    """Whether a record carries an accepted edit that kept its fields' digests (edited["fields"]) and the measure
    has each of these fields as the edit found it."""
    found = (getattr(record, "edited", None) or {}).get("fields")
    return isinstance(found, dict) and all(found.get(name) == value_digest(getattr(measure, name)) for name in names)


def content_digest(measure):
    """Return the SHA-1 of a measure's compared fields (what an accepted edit replaced: edited["replaced"])."""
    text = json.dumps(content(measure), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def says_what_edit_replaced(record, measure):
    """Whether a record carries an accepted edit and the incoming measure says what that edit replaced.

    The sources a page shows say nothing of its text: another layout shows none, F's list is cut by
    "Show more...", and the DTI adds one now and then (they only grow). So the measure's text is compared
    with the record's sources when the edit was made: those the record had before its first edit added to
    it. Each edit appends its reader's address, so those are a beginning of the record's sources: each is tried.
    """
    replaced = (record.edited or {}).get("replaced")
    if not replaced:
        return False
    return any(content_digest(dataclasses.replace(measure, sources=record.sources[:n])) == replaced
               for n in range(len(record.sources) + 1))


def content(measure):
    """Return every compared field of a measure, for exact comparison."""
    return _content(measure)


_COMPARED_OF = operator.attrgetter("pillar", "sub_pillar", *COMPARED)


def _content(measure):
    """Return the compared fields, each list made a hashable tuple (of lines, or of {label, value, unit} items).

    In comprehensions rather than a call per field: an import asks it of each of 100,000 measures.
    """
    return tuple([tuple([tuple(item.items()) if isinstance(item, dict) else item for item in value])
                  if isinstance(value, list) else value for value in _COMPARED_OF(measure)])


def _per_measure(function):
    """Return function(measure) remembered by the measure's identity, for one call of match (which holds them all)."""
    found = {}

    def of(measure):
        key = id(measure)
        if key not in found:
            found[key] = function(measure)
        return found[key]
    return of


def match(old, new, tombstones=()):
    """Match the incoming measures `new` of one economy with its measures `old`."""
    key_of = _per_measure(title_key)  # each step below asks again: a measure's titles are folded once
    result = Matching()
    old_left, new_left = list(old), []
    by_content = {}
    for index, measure in enumerate(old_left):
        by_content.setdefault(_content(measure), []).append(index)
    taken = set()
    for measure in new:
        # (no record to pair with, a first import: no content to compute)
        free = [i for i in by_content.get(_content(measure), []) if i not in taken] if by_content else None
        if free:
            taken.add(free[0])
            result.pairs.append((old_left[free[0]], measure, "exact"))
        else:
            new_left.append(measure)
    old_left = [m for i, m in enumerate(old_left) if i not in taken]
    graves = {}
    for tomb in tombstones:
        graves.setdefault((tomb.get("sub_pillar"), tuple(fold(t) for t in tomb["titles"])), []).append(tomb)
    live = collections.Counter(key_of(m) for m in old)

    def removed_closer(measure, score):
        """Whether a removed record of the measure's titles is it rather than the live one (closer, and close)."""
        return any(removed > score and removed >= DESCRIPTION_CUTOFF
                   for removed in (_tomb_closeness(t, measure) for t in graves.get(key_of(measure)[1:], ())))
    new_left, old_left = _assign(result, new_left, old_left, key_of, "titles", cutoff=0.0,
                                 shared=lambda key: live[key] > 1, veto=removed_closer if graves else None)
    new_left, old_left = _eliminate(result, new_left, old_left, graves, key_of)
    new_left, old_left = _assign(result, new_left, old_left, lambda m: (m.pillar, m.sub_pillar),
                                 "description", cutoff=DESCRIPTION_CUTOFF, veto=removed_closer if graves else None)
    result.missing = old_left
    for measure in new_left:
        if not graves:  # nothing removed to bring back: no titles to fold
            result.added.append(measure)
            continue
        key = key_of(measure)
        found = [t for t in graves.get(key[1:], []) if t not in [u for u, _ in result.restored]]
        if len(found) > 1 or (found and live[key]):  # titles others have too: the close one, if one is
            scores = {t["id"]: _tomb_closeness(t, measure) for t in found}
            best = max(scores.values(), default=0.0)
            found = [t for t in found if scores[t["id"]] == best and best >= DESCRIPTION_CUTOFF]
        if len(found) == 1:
            result.restored.append((found[0], measure))
        else:
            result.added.append(measure)
    return result


def _tomb_closeness(tomb, measure):
    """Return how alike a removed record (its tombstone keeps it, with its edit) and a measure are: 1 for the
    measure whose id is the tombstone's (made from the same text: a tombstone written before provenance keeps
    no record), else by closeness; 0 when unknown."""
    if tomb.get("id") == measure.id:
        return 1.0
    record = tomb.get("record")
    if not isinstance(record, dict) or not isinstance(record.get("description"), str):
        return 0.0
    try:
        kept = model.from_dict(record)
    except (TypeError, ValueError, KeyError):
        return similarity(record["description"], measure.description)
    return closeness(kept, measure)


def _eliminate(result, new, old, graves, key_of):
    """Pair by titles several records share, in any case, where the page lists them as many times as records of
    them are left and none was removed (each then is one of them: the closest descriptions pair first)."""
    if not new or not old:  # nothing to pair (a first import): no titles to fold
        return new, old
    left_new = collections.Counter(key_of(m) for m in new)
    left_old = collections.Counter(key_of(m) for m in old)
    even = {key for key, count in left_new.items() if left_old[key] == count and key[1:] not in graves}
    if not even:
        return new, old
    paired_new, paired_old = _assign(result, [m for m in new if key_of(m) in even],
                                     [m for m in old if key_of(m) in even], key_of, "titles", cutoff=0.0)
    unpaired = {id(m) for m in paired_new} | {id(m) for m in paired_old}
    return ([m for m in new if key_of(m) not in even or id(m) in unpaired],
            [m for m in old if key_of(m) not in even or id(m) in unpaired])


def _assign(result, new, old, key, how, cutoff, shared=None, veto=None):
    """Pair new with old measures of the same key, closest descriptions first; return what is left.

    shared(key): whether several records have that key, which then pairs only from DESCRIPTION_CUTOFF on;
    veto(measure, score): whether a pair of that closeness is not to be made (a removed record is closer).
    """
    if not new or not old:  # nothing to pair (a first import): no key to compute
        return list(new), list(old)
    groups = {}
    for measure in old:
        groups.setdefault(key(measure), []).append(measure)
    scored = []
    for n, measure in enumerate(new):
        group = key(measure)
        least = DESCRIPTION_CUTOFF if shared is not None and shared(group) else cutoff
        for candidate in groups.get(group, []):
            score = closeness(candidate, measure)
            if score >= least and not (veto is not None and veto(measure, score)):
                scored.append((score, n, id(candidate), candidate))
    scored.sort(key=lambda item: -item[0])
    used_new, used_old = set(), set()
    for position, (score, n, old_id, candidate) in enumerate(scored):
        if n in used_new or old_id in used_old:
            continue
        rivals = [c for s, m, o, c in scored[position + 1:]
                  if s == score and m not in used_new and o not in used_old and (m == n or o == old_id)]
        used_new.add(n)
        used_old.add(old_id)
        if rivals:
            result.ties.append((new[n], [candidate, *rivals]))
        else:
            result.pairs.append((candidate, new[n], how))
    return ([m for n, m in enumerate(new) if n not in used_new],
            [m for m in old if id(m) not in used_old])
