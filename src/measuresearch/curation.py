"""The curator's decisions: close a report, accept a proposal into the corpus, reject one."""

from . import importer, model, submissions, taxonomy


def accept(store, proposal_id, corpus_dir):
    """Write an open proposal into the corpus through the import path; return (proposal, ImportReport).

    The proposal is checked again against the corpus folder's taxonomy (it may have
    changed since it was sent), gets its id by the import's identity rule, and is
    merged like an imported measure (same-id check, atomic write). Only then is it
    marked accepted, so a refused write leaves it open.
    """
    proposal = store.proposal(proposal_id)
    if proposal["status"] != "open":
        store.decide_proposal(proposal_id, "accepted")  # raises Conflict with the current status
    fields = {key: value for key, value in proposal["proposal"].items() if key in submissions.PROPOSAL_FIELDS}
    checked, _, _ = submissions.check_proposal(fields, taxonomy.load(corpus_dir))
    report = importer.merge_measures([model.from_dict(checked)], corpus_dir)
    return store.decide_proposal(proposal_id, "accepted", measure_id=checked["id"]), report


def reject(store, proposal_id):
    """Mark an open proposal rejected; nothing is written to the corpus."""
    return store.decide_proposal(proposal_id, "rejected")


def close(store, report_id):
    """Mark a report closed."""
    return store.close_report(report_id)
