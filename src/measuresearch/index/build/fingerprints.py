"""Build side of the change history: a content fingerprint per measure, compared with the build before.

Each build writes, beside its other side files,

    fingerprints.json  {"ids": [...], "fingerprints": [...], "first_indexed": [...], "last_changed": [...]}
                       in document order (times as ISO 8601), read only by the next build;
    history.json       {"builds": [{"index_id", "built_at", "added": [ids], "changed": [ids],
                       "removed": [{the fields kept_when_removed (domain/fields.py)}]}],
                       "first_indexed": [...], "last_changed": [...]} for the service (changes.py).

Both live INSIDE the build folder: the next build reads the live build's files and
writes the extended history into its own folder before the atomic swap, so the live
build and its history can never disagree, a crashed build leaves the history as it
was, and the history survives rebuilds for as long as builds follow each other.
`builds` is bounded (MAX_BUILDS); the per-measure times are one entry per measure.
"""

import hashlib
import json

from measuresearch import storage
from measuresearch.domain import fields
from measuresearch.domain.model import DEFAULTS, ENTRY_KEYS
from measuresearch.index.format.layout import FINGERPRINTS_FILE, HISTORY_FILE, current_build, read_meta
from measuresearch.index.format.records import Records

MAX_BUILDS = 50
# What a measure says, as the corpus holds it; derived fields (events, year) are left out,
# so that a new date parser does not make every measure "changed".
CONTENT = fields.names("fingerprint")
REMOVED_KEYS = fields.names("kept_when_removed")


def fingerprint(record):
    """Return the content fingerprint of one record (sha256 of its content fields, 20 hex digits).

    The same for a record and for it written as JSON and read back (a tuple is a list in both).
    """
    content = {key: record.get(key) for key in CONTENT}
    # later keys count only when they say something, so that their arrival does not make every measure "changed"
    content.update((key, record[key]) for key in ENTRY_KEYS
                   if _listed(record.get(key, DEFAULTS[key])) != DEFAULTS[key])
    return hashlib.sha256(storage.json_bytes(content, sort_keys=True)).hexdigest()[:20]


def _listed(value):
    return list(value) if type(value) is tuple else value


def _previous(index_root):
    """Return (the live build's fingerprints.json as {id: (fingerprint, first, changed)}, its history builds)."""
    folder = current_build(index_root)
    try:
        data = json.loads((folder / FINGERPRINTS_FILE).read_text(encoding="utf-8"))
        history = json.loads((folder / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None, []
    known = dict(zip(data["ids"], zip(data["fingerprints"], data["first_indexed"], data["last_changed"])))
    return known, history.get("builds", [])


def _live_records(index_root, gone):
    """Return the records (of the live build) of the ids in `gone`, for the removed entries."""
    folder = current_build(index_root)
    if not gone or folder is None:
        return []
    meta = read_meta(folder)
    if meta is None:
        return []  # a live build without readable metadata is not served either
    records = Records(folder, meta["records"])
    try:
        ids = json.loads((folder / FINGERPRINTS_FILE).read_text(encoding="utf-8"))["ids"]
        return [records.get(n) for n, measure_id in enumerate(ids) if measure_id in gone]
    finally:
        records.close()


def record(work, index_root, ids, prints, index_id, built_at):
    """Compare the new build in `work` with the live one; write its fingerprints.json and history.json.

    ids, prints: each document's measure id and fingerprint(record), in document order, as the writers
    computed them while they wrote the records.
    """
    previous, builds = _previous(index_root)
    first, changed, added, altered = [], [], [], []
    for measure_id, mark in zip(ids, prints):
        before = (previous or {}).get(measure_id)
        if before is None:
            added.append(measure_id)
            first.append(built_at), changed.append(built_at)
        else:
            first.append(before[1])
            changed.append(before[2] if before[0] == mark else built_at)
            if before[0] != mark:
                altered.append(measure_id)
    gone = set(previous or ()) - set(ids)
    removed = [{key: r.get(key) for key in REMOVED_KEYS} for r in _live_records(index_root, gone)]
    builds = (builds + [{"index_id": index_id, "built_at": built_at, "added": added, "changed": altered,
                         "removed": removed}])[-MAX_BUILDS:]
    storage.write_json(work / FINGERPRINTS_FILE, {"ids": ids, "fingerprints": prints, "first_indexed": first,
                                      "last_changed": changed})
    storage.write_json(work / HISTORY_FILE, {"builds": builds, "first_indexed": first, "last_changed": changed})
