"""Whether a proposal is an edit of a record the corpus already has, and what it changes (pure).

A proposal whose economy, pillar, sub-pillar and titles are those of an existing record
(compared as a re-import compares them: spacing, case, quotes, look-alike letters) is an
edit of that record; of several such records, the one with the closest description.
Anything else is a new measure. The queue shows "edit of <id>" with the field diff, and
`proposals accept` refuses an edit unless `--as-edit` is given.
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
    same = [model.from_dict(r) for r in records
            if r.get("country") == new.country and identity.title_key(model.from_dict(r)) == key]
    if not same:
        return None
    old = max(same, key=lambda r: (identity.similarity(r.description, new.description), r.id))
    # the sources as an accept writes them: the record's, then the proposal's address (merge._edit)
    url = proposed.get("source_url")
    sources = old.sources + ([url] if url and url not in old.sources else [])
    return old, identity.changes(old, dataclasses.replace(new, sources=sources))


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
        if found:
            old, fields = found
            proposal["edit_of"] = {"id": old.id, "title": old.titles[0],
                                   "changes": [{"field": f, "old": a, "new": b} for f, a, b in fields]}
    return proposals
