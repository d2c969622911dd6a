"""Whether a proposal is an edit of a record the corpus already has, and what it changes (pure).

A proposal whose economy, pillar, sub-pillar and titles are those of an existing record
(compared as a re-import compares them: spacing, case, quotes, look-alike letters) is an
edit of that record. Where several records share those titles (the DTI's "Presence of
Internet shutdowns" entries), the titles do not tell which: the proposal is an edit of
the one whose description is closest only if it is close enough to pair on a re-import
(identity.may_be), and otherwise a new measure. The queue shows "edit of <id>"
with the field diff, and `proposals accept` refuses an edit unless `--as-edit` is given.

A proposal sent as an edit keeps a digest of each field of the record as it was sent
(`sent_base`): a field the reader left as it was then is not written back over what an
import or another accepted edit has put there since (rebase), and a field both changed is
a conflict, which an accept refuses.
"""

import dataclasses

from measuresearch.corpus import identity
from measuresearch.domain import model


def edit_of(proposed, records):
    """Return (record, [(field, old, new)]) of the record a proposal edits, or None.

    `proposed` and `records` are plain data (a proposal's record, records of its economy).
    """
    new = model.from_dict({key: value for key, value in proposed.items() if key in model.FIELDS})
    key = identity.title_key(new)
    same = identity.may_be(new, [model.from_dict(r) for r in records
                                 if r.get("country") == new.country and identity.title_key(model.from_dict(r)) == key])
    if not same:
        return None
    old = max(same, key=lambda r: (identity.similarity(r.description, new.description), r.id))
    # the sources as an accept writes them: the record's, then the proposal's address (merge._edit)
    url = proposed.get("source_url")
    sources = old.sources + ([url] if url and url not in old.sources else [])
    return old, identity.changes(old, dataclasses.replace(new, sources=sources))


def sent_base(found):
    """Return what a proposal keeps of the record it is sent as an edit of (`found`, edit_of()'s answer):
    {field: digest of its value} (identity.field_digests), or None for a new measure."""
    return identity.field_digests(found[0]) if found else None


def rebase(data, proposed, found):
    """Return (proposed, found, conflicts): a stored proposal's record as an accept would write it over the record
    it edits, edit_of()'s answer for that record, and the fields changed both by the reader and, since it was sent,
    in the record.

    `data` is the stored proposal (`sent_edit_of`, `sent_base`), `proposed` its record as plain data, `found`
    edit_of()'s answer now. A field the reader left as the record had it when it was sent takes the record's value
    now, so that a later import's date line, or another reader's accepted correction, is not undone. Proposals
    stored before `sent_base` was kept, and those whose target moved (moved_from), are left as they are.
    """
    base = data.get("sent_base")
    if not found or not isinstance(base, dict) or data.get("sent_edit_of") != found[0].id:
        return proposed, found, []
    now = found[0].to_dict()
    merged, conflicts = dict(proposed), []
    for name in identity.EDIT_FIELDS:
        if name not in base:
            continue
        mine = name in proposed and identity.value_digest(proposed[name]) != base[name]
        theirs = identity.value_digest(now.get(name)) != base[name]
        if not mine:
            if name in now:
                merged[name] = now[name]
            else:  # a field the record leaves at its default (kind, status, values of a measure)
                merged.pop(name, None)
        elif theirs and proposed.get(name) != now.get(name):
            conflicts.append(name)
    return merged, edit_of(merged, [now]), conflicts


def conflict_text(target, conflicts):
    """Return why a proposal may not be written over `target`: the fields it and the record both changed."""
    return (f"changes {', '.join(conflicts)} of {target}, which an import or another accepted edit has changed "
            "since it was sent: writing it would undo that")


def moved_from(data, found):
    """Return why a proposal's edit target is not the one it was sent as an edit of, else None.

    `data` is the stored proposal (its `sent_edit_of`: the id it was an edit of when it was sent,
    absent for proposals stored before it was kept), `found` edit_of()'s answer now.
    """
    sent = data.get("sent_edit_of")
    now = found[0].id if found else None
    if not sent or sent == now:
        return None
    return (f"was sent as an edit of {sent}, which it is no edit of now (an import removed or changed that "
            "measure since); it " + (f"would now edit {now}" if now else "edits no measure now"))


def annotate(proposals, records_of):
    """Add `edit_of` ({id, title, changes: [{field, old, new}]} or None) to each open proposal, and `moved`
    (moved_from: why it may not be written as it was sent, else None).

    `records_of(country, sub_pillar)` returns the records to compare with (the corpus's or the index's).
    """
    for proposal in proposals:
        proposal["edit_of"] = None
        data = proposal["proposal"]
        if proposal["status"] != "open" or proposal.get("damaged"):
            continue
        found = edit_of(data, records_of(data["country"], data["sub_pillar"]))
        proposal["moved"] = moved_from(data, found)
        _, found, conflicts = rebase(data, data, found)
        if conflicts:
            proposal["moved"] = conflict_text(found[0].id, conflicts)
        if found:
            old, fields = found
            proposal["edit_of"] = {"id": old.id, "title": old.titles[0],
                                   "changes": [{"field": f, "old": a, "new": b} for f, a, b in fields]}
    return proposals
