"""The curator's decisions: close a report, accept a proposal into the corpus, reject one."""

import datetime
import pathlib

from measuresearch.corpus import importer
from measuresearch.corpus import merge
from measuresearch.curation import edits
from measuresearch.curation import submissions
from measuresearch.domain import model
from measuresearch.domain import provenance
from measuresearch.domain import taxonomy
from measuresearch.errors import Conflict, InvalidParameter


def accept(store, proposal_id, corpus_dir, as_edit=False, today=None):
    """Write an open proposal into the corpus through the import path; return (proposal, ImportReport).

    The proposal is checked again against the corpus folder's taxonomy (it may have
    changed since it was sent), then written under the import lock, all or nothing.
    A proposal never overwrites a record by accident: one with the identity of an
    existing record (edits.edit_of) is an edit, refused unless `as_edit`; any other
    is always a new record with a new id. Its `source` is the proposal with its
    source_url, which `sources` keeps too. Only then is it marked accepted, so a
    refused write leaves it open.

    Curators may decide at once: the proposal is claimed (marked accepted) before anything
    is written, so a second accept or a reject of it is refused, and opened again if the
    write is refused or fails. Whether it is an edit is decided again under the import
    lock (merge.py), where another proposal accepted meanwhile is seen.
    """
    if corpus_dir is not None and not pathlib.Path(corpus_dir).is_dir():  # a mistyped --corpus: never made here
        raise InvalidParameter(f"{corpus_dir} is no corpus folder; nothing was written, the proposal stays open",
                               "corpus")
    proposal = store.claim_proposal(proposal_id)  # Conflict with its status once it was decided
    try:
        report, measure_id = _write(proposal, corpus_dir, as_edit, today)
    except BaseException:
        store.release_proposal(proposal_id)
        raise
    return store.accepted_as(proposal_id, measure_id), report


def _write(proposal, corpus_dir, as_edit, today):
    """Write a claimed proposal into the corpus; return (ImportReport, the id of its measure there)."""
    proposal_id = proposal["id"]
    fields = {key: value for key, value in proposal["proposal"].items() if key in submissions.PROPOSAL_FIELDS}
    names = taxonomy.load(corpus_dir)
    checked, source_url, _ = submissions.check_proposal(fields, names)
    day = (today or datetime.date.today()).isoformat()
    measure = model.from_dict({**checked, "sources": [source_url], "last_imported": day,
                               "source": provenance.new_source("proposal", f"proposal {proposal_id}", source_url, day)})
    old, _ = importer.existing(corpus_dir, measure.country, names)
    target = edits.edit_of(checked, [m.to_dict() for m in old])
    if target and not as_edit:
        fields = ", ".join(name for name, _, _ in target[1]) or "nothing"
        raise Conflict(f"proposal {proposal_id} is an edit of {target[0].id} (changes: {fields}); "
                       "accept it with --as-edit, or reject it; nothing was written")
    if as_edit and not target:
        raise Conflict(f"proposal {proposal_id} is no edit: no measure of {measure.country} has its sub-pillar "
                       "and titles; accept it without --as-edit; nothing was written")
    run = merge.Run.of([measure], day, add_only=not as_edit, edit_of=target[0].id if target else None,
                       edit_base=merge.digest(target[0]) if target else None)
    report = importer.import_measures([measure], corpus_dir, names, run=run)
    return report, _written_id(report, checked["id"])


def _written_id(report, proposed_id):
    """Return the id the measure has in the corpus (an edit keeps the edited record's id)."""
    for file_report in report.files:
        for measure in file_report.added + file_report.restored:
            return measure.id
        for old, _, _, _ in file_report.changed:
            return old.id
    return proposed_id


def reject(store, proposal_id):
    """Mark an open proposal rejected; nothing is written to the corpus."""
    return store.decide_proposal(proposal_id, "rejected")


def close(store, report_id):
    """Mark a report closed."""
    return store.close_report(report_id)
