"""The curator's decisions: close a report, accept a proposal into the corpus, reject one."""

from measuresearch.corpus import importer
from measuresearch.domain import model
from measuresearch.curation import submissions
from measuresearch.domain import taxonomy


def accept(store, proposal_id, corpus_dir):
    """Write an open proposal into the corpus through the import path; return (proposal, ImportReport).

    The proposal is checked again against the corpus folder's taxonomy (it may have
    changed since it was sent) and merged exactly like an imported measure
    (importer.import_measures: identity matching with the file's measures and
    tombstones, the import lock, an all-or-nothing write). Only then is it marked
    accepted, so a refused write leaves it open. A proposal that the identity rules
    match with a measure already in the corpus updates that measure (the output says so).
    """
    proposal = store.proposal(proposal_id)
    if proposal["status"] != "open":
        store.decide_proposal(proposal_id, "accepted")  # raises Conflict with the current status
    fields = {key: value for key, value in proposal["proposal"].items() if key in submissions.PROPOSAL_FIELDS}
    names = taxonomy.load(corpus_dir)
    checked, _, _ = submissions.check_proposal(fields, names)
    report = importer.import_measures([model.from_dict(checked)], corpus_dir, names)
    return store.decide_proposal(proposal_id, "accepted", measure_id=_written_id(report, checked["id"])), report


def _written_id(report, proposed_id):
    """Return the id the measure has in the corpus (the import keeps an existing measure's id)."""
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
