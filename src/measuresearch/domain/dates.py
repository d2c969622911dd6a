"""What a measure's date events mean: the API's event groups, dates as months, the in-force rule.

Pure functions over the events of model.events_of; the indexer turns them into
columns (writers.FacetColumns), facets.py reads the columns, search.py checks
the request's date parameters with them.

Dates are counted in months (`year * 12 + month - 1`): the DTI gives a month
and a year, or a year alone, and a date given as a month or a year counts from
the first day of that month or year. A day D is therefore on or after such a
date exactly when D's month number is, so the columns need no days.
"""

import datetime
import re

from measuresearch.domain.model import MONTHS

# model.py's kinds (what the date line says) -> the `event` parameter's groups.
GROUP_OF_KIND = {
    "since": "in_force",
    "entry_into_force": "in_force",
    "enforcement": "in_force",
    "amended": "amended",
    "last_amended": "amended",
    "reported": "reported",
    "last_reported": "reported",
}
GROUPS = ("in_force", "amended", "reported")
GROUP_LABELS = {"in_force": "In force", "amended": "Amended", "reported": "Reported"}
KIND_LABELS = {"since": "since", "entry_into_force": "entry into force", "enforcement": "enforcement from",
               "amended": "amended", "last_amended": "last amended", "reported": "reported",
               "last_reported": "last reported"}
_NO_PREPOSITION = ("since", "enforcement")  # their label ends with its own preposition
NO_DATE = -1  # a measure without events (its date line is "N/A")
_DAY = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def month_number(year, month=None):
    """Return the month count of a date given as a year and maybe a month (January when absent)."""
    return year * 12 + (month or 1) - 1


def event_month(event):
    """Return the month count of one event of model.events_of."""
    return month_number(event["year"], event.get("month"))


def group_of(event):
    """Return the `event` parameter value (in_force, amended, reported) that selects one event."""
    return GROUP_OF_KIND[event["kind"]]


def in_force_from(events):
    """Return the month count from which a measure is in force, or NO_DATE.

    Its earliest in-force event (since, entry into force); with none, its first
    report. None of the DTI's date forms records a repeal or an expiry, so no
    event ends a measure and this start is the whole rule.
    """
    for groups in (("in_force",), ("reported",)):
        months = [event_month(e) for e in events if group_of(e) in groups]
        if months:
            return min(months)
    return NO_DATE


def span(events):
    """Return (earliest, latest) month counts of a measure's events, NO_DATE for both without events."""
    months = [event_month(e) for e in events]
    return (min(months), max(months)) if months else (NO_DATE, NO_DATE)


def parse_day(text):
    """Return the month count of `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValueError with a reason."""
    match = _DAY.fullmatch(text)  # as typed: no space around it (as year_from), so that the echo is the date
    if not match:
        raise ValueError("must be a date written YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        datetime.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError as exc:
        raise ValueError(f"is not a date of the calendar ({exc})") from None
    return month_number(year, month)


def public_events(events):
    """Return events as the API shows them: kind, event (its group), year, month (None when absent), line.

    line: the 0-based index in `dates` of the date line that says it.
    """
    return [{"kind": e["kind"], "event": group_of(e), "year": e["year"], "month": e.get("month"),
             "line": e.get("line")} for e in events]


def describe(event):
    """Return one event as a reader would say it: "last amended in January 2020"."""
    when = f"{MONTHS[event['month'] - 1].capitalize()} {event['year']}" if event.get("month") else str(event["year"])
    return f"{KIND_LABELS[event['kind']]} {'' if event['kind'] in _NO_PREPOSITION else 'in '}{when}"
