"""Recognise the measures a re-imported page already has, so that ids never change.

Pure: lists of Measures in, a Matching out. For one economy, in this order:
1. unchanged measures (every field equal);
2. the same pillar, sub-pillar and titles, compared tolerant of spacing, case,
   quotes and Latin/Cyrillic look-alike letters; among several candidates the
   closest description wins;
3. titles changed too: the closest description in the same sub-pillar, if it
   is close enough (the report says the titles changed);
4. a measure removed earlier with --prune whose sub-pillar and titles come back
   gets its old id again.
A choice between candidates that are equally close is refused, listing them.
"""

import dataclasses
import difflib
import functools
import hashlib
import json
import unicodedata

from measuresearch.domain import fields
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
def _to_latin():
    return str.maketrans(lookalike_tables()[1])


def fold(text):
    """Return text folded for comparison: case, spacing, quotes and look-alike letters."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES).translate(_to_latin())
    return " ".join(text.split())


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


def content(measure):
    """Return every compared field of a measure, for exact comparison."""
    return _content(measure)


def _content(measure):
    return (measure.pillar, measure.sub_pillar, *(_frozen(getattr(measure, name)) for name in COMPARED))


def _frozen(value):
    """Return a field's value as a hashable tuple (a list of lines, or of {label, value, unit})."""
    if isinstance(value, list):
        return tuple(tuple(item.items()) if isinstance(item, dict) else item for item in value)
    return value


def match(old, new, tombstones=()):
    """Match the incoming measures `new` of one economy with its measures `old`."""
    result = Matching()
    old_left, new_left = list(old), []
    by_content = {}
    for index, measure in enumerate(old_left):
        by_content.setdefault(_content(measure), []).append(index)
    taken = set()
    for measure in new:
        free = [i for i in by_content.get(_content(measure), []) if i not in taken]
        if free:
            taken.add(free[0])
            result.pairs.append((old_left[free[0]], measure, "exact"))
        else:
            new_left.append(measure)
    old_left = [m for i, m in enumerate(old_left) if i not in taken]
    new_left, old_left = _assign(result, new_left, old_left, title_key, "titles", cutoff=0.0)
    new_left, old_left = _assign(result, new_left, old_left, lambda m: (m.pillar, m.sub_pillar),
                                 "description", cutoff=DESCRIPTION_CUTOFF)
    result.missing = old_left
    graves = {}
    for tomb in tombstones:
        graves.setdefault((tomb.get("sub_pillar"), tuple(fold(t) for t in tomb["titles"])), []).append(tomb)
    for measure in new_left:
        found = graves.get((measure.sub_pillar, title_key(measure)[2]), []) if graves else []
        if len(found) == 1 and found[0] not in [t for t, _ in result.restored]:
            result.restored.append((found[0], measure))
        else:
            result.added.append(measure)
    return result


def _assign(result, new, old, key, how, cutoff):
    """Pair new with old measures of the same key, closest descriptions first; return what is left."""
    if not new or not old:  # nothing to pair (a first import): no key to compute
        return list(new), list(old)
    groups = {}
    for measure in old:
        groups.setdefault(key(measure), []).append(measure)
    scored = []
    for n, measure in enumerate(new):
        for candidate in groups.get(key(measure), []):
            score = similarity(candidate.description, measure.description)
            if score >= cutoff:
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
