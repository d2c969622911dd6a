"""The curator's decisions: close a report, accept a proposal into the corpus, reject one."""

import datetime
import pathlib

from measuresearch.corpus import files as corpus
from measuresearch.corpus import importer
from measuresearch.corpus import merge
from measuresearch.corpus import transaction
from measuresearch.curation import edits
from measuresearch.curation import submissions
from measuresearch.domain import model
from measuresearch.domain import provenance
from measuresearch.domain import taxonomy
from measuresearch.errors import Conflict, InputProblems, InvalidParameter, MeasureSearchError


def accept(store, proposal_id, corpus_dir, as_edit=False, today=None):
    """Write an open proposal into the corpus through the import path; return (proposal, ImportReport).

    The proposal is checked again against the corpus folder's taxonomy (it may have
    changed since it was sent), then written under the import lock, all or nothing.
    A proposal never overwrites a record by accident: one with the identity of an
    existing record (edits.edit_of) is an edit, refused unless `as_edit`; any other
    is always a new record with a new id. One sent as an edit of a record is never
    written as an edit of another (that record removed or changed by an import since). Its `source` is the proposal with its
    source_url, which `sources` keeps too.

    Curators may decide at once. Under the import lock the proposal is claimed (marked
    accepted, no measure yet), then written, then given its measure's id, before the lock
    is let go: a second accept or a reject meanwhile finds it decided, and whether it is an
    edit is decided again there (merge.py). A refused or failed write opens it again. A
    claim without a measure that the lock finds is one whose accept was killed: _settle()
    gives it the record it wrote, or opens it again.
    """
    if corpus_dir is not None and not pathlib.Path(corpus_dir).is_dir():  # a mistyped --corpus: never made here
        raise InvalidParameter(f"{corpus_dir} is no corpus folder; nothing was written, the proposal stays open",
                               "corpus")
    proposal = _settled(store, proposal_id, corpus_dir)
    if proposal["status"] != "open":
        store.decide_proposal(proposal_id, "accepted")  # raises Conflict with its status
    if proposal.get("damaged"):
        raise Conflict(f"proposal {proposal_id} cannot be accepted: {proposal['damaged']}; reject it (the reader "
                       "may send it again); nothing was written")
    fields = {key: value for key, value in proposal["proposal"].items() if key in submissions.PROPOSAL_FIELDS}
    names = taxonomy.load(corpus_dir)
    checked, source_url, _ = submissions.check_proposal(fields, names)
    day = (today or datetime.date.today()).isoformat()
    measure = model.from_dict({**checked, "sources": [source_url], "last_imported": day,
                               "source": provenance.new_source("proposal", f"proposal {proposal_id}", source_url, day)})
    old, _ = importer.existing(corpus_dir, measure.country, names)
    target = edits.edit_of(checked, [m.to_dict() for m in old])
    moved = edits.moved_from(proposal["proposal"], target)
    if moved and (target or as_edit):
        raise Conflict(f"proposal {proposal_id} {moved}; nothing was written: reject it (the reader may send it "
                       "again)" + ("" if target else ", or accept it without --as-edit as a new measure"))
    rebased, target, conflicts = edits.rebase(proposal["proposal"], checked, target)
    if conflicts:
        raise Conflict(f"proposal {proposal_id} {edits.conflict_text(target[0].id, conflicts)}; nothing was "
                       "written: reject it (the reader may send it again)")
    if rebased is not checked:  # the fields the reader left alone, as the record has them now
        measure = model.from_dict({**rebased, "sources": measure.sources, "last_imported": day,
                                   "source": measure.source})
    if target and not as_edit:
        fields = ", ".join(name for name, _, _ in target[1]) or "nothing"
        raise Conflict(f"proposal {proposal_id} is an edit of {target[0].id} (changes: {fields}); "
                       "accept it with --as-edit, or reject it; nothing was written")
    if as_edit and target and not target[1]:
        raise Conflict(f"proposal {proposal_id} changes nothing in {target[0].id} (it says what the record says, "
                       "its address included): reject it; nothing was written")
    if as_edit and not target:
        raise Conflict(f"proposal {proposal_id} is no edit: no measure of {measure.country} has its sub-pillar "
                       "and titles; accept it without --as-edit; nothing was written")
    run = merge.Run.of([measure], day, add_only=not as_edit, edit_of=target[0].id if target else None,
                       edit_base=merge.digest(target[0]) if target else None)
    state = {"claimed": False, "written": False, "proposal": None}

    def claim():
        _settle(store, proposal_id, corpus_dir, names)
        store.claim_proposal(proposal_id)  # Conflict once another curator decided it
        state["claimed"] = True

    def written(report):
        state["written"] = True
        state["proposal"] = store.accepted_as(proposal_id, _written_id(report, checked["id"]))

    try:
        report = importer.import_measures([measure], corpus_dir, names, run=run, on_locked=claim, on_written=written)
    except BaseException:
        if state["claimed"] and not state["written"]:
            # refused, or stopped (Ctrl-C, an error) perhaps after its journal: the lock finishes the renames,
            # and the corpus says whether the proposal was written
            with transaction.locked(corpus_dir):
                _settle(store, proposal_id, corpus_dir, names, ours=True)
        raise
    return state["proposal"], report


def _claimed(proposal):
    """Whether a proposal is claimed by an accept and has no measure yet (being written, or its accept died)."""
    return proposal["status"] == "accepted" and proposal["measure_id"] is None


def settle_left_claims(store, corpus_dir):
    """Settle by the corpus every claim older than CLAIM_SECONDS that a killed accept left (the listing does this
    first: such a proposal said "accepted" with no record, until someone decided it again)."""
    if corpus_dir is None or not pathlib.Path(corpus_dir).is_dir():
        return
    for proposal in store.proposals(status="accepted"):
        if _claimed(proposal) and _age(proposal["decided_at"], store) >= CLAIM_SECONDS:
            try:
                _settled(store, proposal["id"], corpus_dir)
            except (MeasureSearchError, OSError):
                continue  # a busy or unreadable corpus: the listing says "being written", and accept settles it


def _settled(store, proposal_id, corpus_dir):
    """Return the proposal, a claim of a killed accept settled first under the import lock (a running accept
    is waited for there)."""
    proposal = store.proposal(proposal_id)
    if not _claimed(proposal) or corpus_dir is None or not pathlib.Path(corpus_dir).is_dir():
        return proposal
    names = taxonomy.load(corpus_dir)
    with transaction.locked(corpus_dir):
        _settle(store, proposal_id, corpus_dir, names)
    return store.proposal(proposal_id)


def _settle(store, proposal_id, corpus_dir, names, ours=False):
    """Under the import lock: settle a claim without a measure by the corpus: accepted as the record it wrote,
    else open again.

    Every accept claims, writes and records its measure under the lock, so such a claim is one whose accept
    died, or stopped, or is one into another corpus folder (whose lock this is not), or is being let go by its
    accept: one younger than CLAIM_SECONDS is left to its accept (Conflict, try again), unless it is `ours`.
    """
    proposal = store.proposal(proposal_id)
    if not _claimed(proposal):
        return
    if not ours and _age(proposal["decided_at"], store) < CLAIM_SECONDS:
        raise Conflict(f"proposal {proposal_id} is being accepted by another curator (or its accept stopped "
                       f"less than {CLAIM_SECONDS} s ago); try again in a minute")
    found = _written_by(f"proposal {proposal_id}", (proposal.get("proposal") or {}).get("source_url"), corpus_dir,
                        names)
    if found:
        store.accepted_as(proposal_id, found)
    else:
        store.release_proposal(proposal_id)


def _written_by(name, url, corpus_dir, names):
    """Return the id of the record a proposal ("proposal N", its source_url) added or edited, or None; every file
    is looked through, as the proposal's economy may have been renamed since.

    The address is checked beside the name: another database on the same corpus numbers its proposals from 1
    again, and its "proposal 1" is not this one.
    """
    def same(address):
        return str(address or "").strip() == str(url or "").strip()

    for path in corpus.corpus_files(corpus_dir):
        problems = []
        records, _ = importer.existing_file(path, names, problems)
        if problems:
            raise InputProblems(problems)
        for m in records:
            source, edited = m.source or {}, m.edited or {}
            edits = [edited, *edited.get("earlier", [])]  # an edit accepted before the record's last one too
            if (source.get("kind") == "proposal" and source.get("name") == name and same(source.get("url"))) \
                    or any(e.get("by") == name and same(e.get("url")) for e in edits):
                return m.id
    return None


CLAIM_SECONDS = 120  # a claim younger than this may be a live accept's (into another folder, or letting go)


def _age(decided_at, store):
    """Return the seconds since an ISO 8601 UTC time of the store (infinite for none or an unreadable one)."""
    try:
        then = datetime.datetime.strptime(decided_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return float("inf")
    return store.clock() - then.timestamp()


def _written_id(report, proposed_id):
    """Return the id the measure has in the corpus (an edit keeps the edited record's id)."""
    for file_report in report.files:
        for measure in file_report.added + file_report.restored:
            return measure.id
        for old, _, _, _ in file_report.changed:
            return old.id
    return proposed_id


def reject(store, proposal_id, corpus_dir=None):
    """Mark an open proposal rejected; nothing is written to the corpus.

    A claim whose accept died (see accept) is settled first, under the import lock of
    corpus_dir: rejected if it wrote nothing, else it stays accepted (Conflict).
    """
    _settled(store, proposal_id, corpus_dir)
    return store.decide_proposal(proposal_id, "rejected")


def close(store, report_id):
    """Mark a report closed."""
    return store.close_report(report_id)
