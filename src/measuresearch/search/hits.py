"""The hits of one page: their fields, highlights and why each matched (only the page's hits are matched)."""

from measuresearch.domain import dates as date_events
from measuresearch.domain import fields as registry
from measuresearch.domain import model
from measuresearch.search.highlight import explain, highlight, snippet


def _explained_fields(record, economies):
    """Return {field: text} of one record, as hits[].matched names them, in its order (domain/fields.py).

    A list's lines are joined, one a line; the country is matched by all its names.
    """
    fields = {}
    for name in registry.EXPLAINED:
        value = record.get(name) or ""
        if name == "country" and value:
            value = economies.names(value)
        fields[name] = value if isinstance(value, str) else "\n".join(value)
    return fields


def match_page(words, records, romanizable, economies):
    """Match every text of a page of hits in joined scans (titles, then the rest).

    romanizable: for each record, whether its "roman" postings hold a romanization
    key of the query (else its titles are matched without computing any);
    economies: the build's EconomyNames (a country is matched by all its names).
    """
    fields = [_explained_fields(record, economies) for record in records]
    for romanized in (True, False):
        chosen = [(record, f) for record, f, ok in zip(records, fields, romanizable) if ok == romanized]
        words.prime([title for record, _ in chosen for title in record["titles"]]
                    + [f["titles"] for _, f in chosen], titles=True, romanized=romanized)
    words.prime([text for f in fields for name, text in f.items() if name != "titles"])
    return fields


def hit(record, score, words, fields, romanizable=True):
    """Return one hit as the API shows it, its highlights and explanation from `words` primed by match_page().

    romanizable: as match_page() was told it for this record.
    """
    return {
        "id": record["id"],
        # unrounded: the order of hits is by this exact score (then id), so a client can check it
        "score": score,
        # the record's fields a hit shows (domain/fields.py); an indicator (kind) shows its values, its titles are
        # their labels
        **{name: record.get(name, model.DEFAULTS.get(name)) for name in registry.HIT},
        "events": date_events.public_events(record.get("events", [])),
        "highlights": {
            "titles": [highlight(t, words, titles=True) for t in record["titles"]],
            "description": snippet(record["description"], words),
        },
        "matched": explain(fields, words, romanizable) if words.units else [],
    }

