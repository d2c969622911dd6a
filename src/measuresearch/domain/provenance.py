"""Where a record came from and why one went: its `source`, its credit, its tombstone (pure)."""

DTI = "Digital Trade Integration (DTI) database"
DTI_URL = "https://dti.eui.eu"
# What a run of each kind reads, for messages ("the DTI page kazakhstan.txt no longer lists it").
KIND_WORDS = {"dti_page": "the DTI page", "sheet": "the sheet", "proposal": "the proposal", "manual": "the file"}
# Why a tombstone's measure went: `pruned` by an import with --prune, `withdrawn` by the curator.
REASONS = ("pruned", "withdrawn")


def new_source(kind, name, url, day):
    """Return a record's `source` as it is set at its first import (day: YYYY-MM-DD)."""
    return {"kind": kind, "name": name, "url": url, "first_imported": day}


def kind_of(record):
    """Return the source kind of a record (dict or Measure); None for records made before provenance."""
    source = record.get("source") if isinstance(record, dict) else record.source
    return source["kind"] if source else None


def contribution(record):
    """Return "contributed (proposal 12), source <url>" for a reader's contribution, else None."""
    source = record.get("source") or {}
    if source.get("kind") != "proposal":
        return None
    text = f"contributed ({source['name']})"
    return f"{text}, source {source['url']}" if source.get("url") else text


def credit(record):
    """Return who a citation credits: the DTI, or the contribution and its source."""
    return contribution(record) or f"{DTI}, {DTI_URL}"


def tombstone(record, reason, day, by=None):
    """Return the tombstone of a removed record: its whole last record, why and when it went (by: the files of
    the run with --prune that no longer list it)."""
    return {"id": record["id"], "sub_pillar": record["sub_pillar"], "titles": list(record["titles"]),
            "removed_on": day, "reason": reason, **({"pruned_by": list(by)} if by else {}), "record": record}


def why_removed(tomb):
    """Return the true sentence of why a removed measure went (its 410 message)."""
    day = tomb.get("removed_on")
    reason = tomb.get("reason")
    if reason == "withdrawn":
        return f"it was withdrawn by the curator on {day}"
    source = (tomb.get("record") or {}).get("source")
    if reason == "pruned" and source:
        # the files that pruned it (tombstones written before they were kept: its first file, which it then was)
        names = tomb.get("pruned_by") or [source["name"]]
        words = KIND_WORDS.get(source["kind"], "its source")
        where = f"{words} {names[0]}" if len(names) == 1 else f"{words}s {', '.join(names)}"
        return f"it was removed on {day}: {where} no longer {'lists' if len(names) == 1 else 'list'} it (import with " \
               "--prune)"
    return f"it was removed on {day} by an import with --prune"
