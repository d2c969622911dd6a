"""The hits of one page: their fields, highlights and why each matched (only the page's hits are matched)."""

from measuresearch.domain import dates as date_events
from measuresearch.domain import model
from measuresearch.search.highlight import explain, highlight, snippet


def _explained_fields(record, economies):
    """Return {field: text} of one record, as hits[].matched names them (the country by all its names)."""
    fields = {"titles": "\n".join(record["titles"]), "description": record["description"]}
    for source in ("sub_pillar", "pillar", "coverage", "country"):
        if record.get(source):
            fields[source] = record[source]
    if record.get("country"):
        fields["country"] = "\n".join(economies.names(record["country"]))
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


def hit(record, score, words, fields):
    """Return one hit as the API shows it, its highlights and explanation from `words` primed by match_page()."""
    return {
        "id": record["id"],
        # unrounded: the order of hits is by this exact score (then id), so a client can check it
        "score": score,
        "country": record["country"],
        "pillar": record["pillar"],
        "sub_pillar": record["sub_pillar"],
        "coverage": record.get("coverage"),
        "titles": record["titles"],
        "dates": record["dates"],
        "year": record.get("year"),
        "events": date_events.public_events(record.get("events", [])),
        "description": record["description"],
        # an indicator (kind) shows its values; its titles are their labels
        **{key: record.get(key, model.DEFAULTS[key]) for key in model.ENTRY_KEYS},
        "highlights": {
            "titles": [highlight(t, words, titles=True) for t in record["titles"]],
            "description": snippet(record["description"], words),
        },
        "matched": explain(fields, words) if words.units else [],
    }

