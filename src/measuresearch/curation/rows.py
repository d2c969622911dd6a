"""Rows of the store read back as plain data: reports and proposals, a damaged row set aside, not raised."""

import json


def report(row):
    """Return a report row as plain data."""
    return {key: _readable(row[key]) for key in ("id", "measure_id", "status", "created_at", "message", "email",
                                                   "closed_at")}


def _readable(value):
    """Return a value read from the database, a damaged text's bad bytes shown as U+FFFD."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


# what every proposal's text holds (submissions.py checks it on the way in) and the queue reads to compare it
# with the corpus: a row without it is damaged
_PROPOSAL_KEYS = {"country": str, "sub_pillar": str, "titles": list}


def proposal(row):
    """Return a proposal row as plain data; one whose text cannot be read is listed as damaged."""
    proposal = {"id": row["id"], "status": row["status"], "created_at": row["created_at"], "proposal": {},
                "email": row["email"], "decided_at": row["decided_at"], "measure_id": row["measure_id"]}
    try:
        text = row["data"]
        text.encode("utf-8")  # bytes that were not UTF-8 (sqlite_engine reads them as lone surrogates)
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"a {type(data).__name__}, not an object")
        wrong = [key for key, kind in _PROPOSAL_KEYS.items() if not isinstance(data.get(key), kind)]
        if wrong or not data["titles"]:
            raise ValueError(f"no {', '.join(wrong or ['titles'])}")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        # one damaged row (a disk fault) must not stop the queue: listed as damaged, and it can be rejected
        proposal["damaged"] = f"its text in the database cannot be read ({str(exc)[:80]})"
    else:
        proposal["proposal"] = data
    return proposal
