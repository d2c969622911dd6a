"""What changed between builds: /api/changes, the Atom feed of a search, first indexed / last changed.

The history is written by each build into its own folder (fingerprints.py); the
service reads it lazily, once per build (index/format/history.py). Added and changed measures are filtered
by the search as they are now; a removed measure is no longer in the index, so
only the facet filters (the string facets of domain/fields.py, group, and their
not_*) apply to it, with the values it had: the query text and the date filters do not.
That holds for every change of a measure removed since: the build that added it still
lists it as added.
"""

import datetime
import re

from measuresearch.domain.economy_names import key
from measuresearch.errors import InvalidParameter, NotFound
from measuresearch.search.selection import evaluate

INDEX_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")
FEED_ENTRIES = 50
KINDS = ("added", "changed", "removed")


def _instant(text):
    """Return an aware datetime of an ISO date or date-time (a date is its first instant, UTC), else None."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def builds_after(builds, since):
    """Return the kept builds made after `since` (an index_id or an ISO date); all of them for None."""
    if since is None:
        return builds
    ids = [b["index_id"] for b in builds]
    if since in ids:
        return builds[ids.index(since) + 1:]
    if INDEX_ID.match(since):
        oldest = f" (the oldest kept is {ids[0]})" if ids else ""
        raise NotFound(f"build {since} is not in the change history{oldest}; give a date instead", "since")
    moment = _instant(since)
    if moment is None:
        raise InvalidParameter("since must be an index_id (as /healthz gives it) or an ISO date such as "
                               "2026-11-28 or 2026-11-28T21:00:00Z", "since")
    return [b for b in builds if _instant(b["built_at"]) > moment]


def _removed_passes(entry, request, groups):
    """Whether a removed measure passes the facet filters of a request, with the values it had (in any case, as
    the filters match the measures of the build)."""
    def values(name):
        if name == "group":
            return {g for g in groups.names if entry.get("country") in groups.info[g]["members"]}
        return {key(entry[name])} if isinstance(entry.get(name), str) else set()

    def chosen_values(name, chosen):
        return {groups.canonical(v) or v for v in chosen} if name == "group" else {key(v) for v in chosen}
    for name, chosen in request.filters.items():
        if not values(name) & chosen_values(name, chosen):
            return False
    for name, chosen in request.exclusions.items():
        if values(name) & chosen_values(name, chosen):
            return False
    return True


def _docnums(data):
    return {measure_id: n for n, measure_id in enumerate(data.ids)}


def changes(holder, request, since=None):
    """Return the /api/changes answer: the changes of the builds after `since` that the search keeps."""
    request.validate()
    parsed = request.parsed()
    with holder.using() as snapshot:
        kept = snapshot.history.data()["builds"]
        builds = builds_after(kept, since)
        run = evaluate(snapshot, request, parsed)
        docnum = _docnums(snapshot.facets)
        groups = snapshot.facets.groups
        # a measure removed since: the record its removal kept (the latest), filtered as removed measures are
        gone = {entry["id"]: entry for build in kept for entry in build["removed"]}

        def passes(measure_id):
            if measure_id in docnum:
                return bool(run.allowed[docnum[measure_id]])
            return measure_id in gone and _removed_passes(gone[measure_id], request, groups)
        found = []
        for build in reversed(builds):
            at = {"index_id": build["index_id"], "at": build["built_at"]}
            for kind in ("added", "changed"):
                found += [{"id": i, "kind": kind, **at} for i in sorted(build[kind]) if passes(i)]
            found += [{"id": e["id"], "kind": "removed", **at} for e in sorted(build["removed"], key=lambda e: e["id"])
                      if _removed_passes(e, request, groups)]
        live = snapshot.stamp()
    return {"since": since, "builds": [{"index_id": b["index_id"], "built_at": b["built_at"]} for b in builds],
            "changes": found} | live


def feed_entries(holder, request, limit=FEED_ENTRIES):
    """Return (entries, build) of a search's feed: its measures added or changed in the kept builds, newest first.

    Each entry is the measure's record with "updated" (when its build was made) and "kind".
    """
    request.validate()
    parsed = request.parsed()
    with holder.using() as snapshot:
        run = evaluate(snapshot, request, parsed)
        docnum = _docnums(snapshot.facets)
        latest = {}
        for build in snapshot.history.data()["builds"]:
            for kind in ("added", "changed"):
                for measure_id in build[kind]:
                    latest[measure_id] = (build["built_at"], kind)
        chosen = sorted(((at, measure_id, kind) for measure_id, (at, kind) in latest.items()
                         if measure_id in docnum and run.allowed[docnum[measure_id]]),
                        key=lambda item: (_instant(item[0]), item[1]), reverse=True)[:limit]
        entries = [snapshot.records.get(docnum[measure_id]) | {"updated": at, "kind": kind}
                   for at, measure_id, kind in chosen]
        build = snapshot.stamp()
    return entries, build
