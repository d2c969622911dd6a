"""More like this: the measures a measure's page lists beside it."""

import numpy as np

from measuresearch.search.selection import date_key


def related(searcher, data, docnum, record, limit):
    """Return up to `limit` docnums like this one.

    The measures of the same sub-pillar (the DTI's subject) come first, the most
    alike in text first; then measures alike in text from elsewhere; then the
    rest of the same pillar, newest first.
    """
    if limit < 1:  # the record alone (a report form names its measure)
        return []
    text = " ".join(record["titles"]) + " " + record["description"]
    alike = [hit.docnum for hit in searcher.more_like(docnum, "text", text=text, top=10 * limit, numterms=15)]
    sub_pillars = data.columns["sub_pillar"]
    same = [d for d in alike if sub_pillars[d] == sub_pillars[docnum]]
    found = same + _newest_first(data, "sub_pillar", docnum, exclude=set(same))
    found += [d for d in alike if d not in found]
    found += _newest_first(data, "pillar", docnum, exclude=set(found))
    return found[:limit]


def _newest_first(data, facet, docnum, exclude, limit=50):
    """Return docnums sharing `facet` with docnum (not it, not in exclude), newest first, ties by docnum.

    Newest: by each measure's latest event, as sort=newest orders (measures without dates last).
    """
    same = np.flatnonzero(data.columns[facet] == data.columns[facet][docnum])
    key, missing = date_key(data, same, "newest")
    same = same[np.lexsort((same, key, missing))]
    return [int(d) for d in same[:limit + len(exclude) + 1] if d != docnum and d not in exclude]


def summary(record):
    """Return what a measure's page shows of a related measure."""
    return {"id": record["id"], "titles": record["titles"],
            "country": record["country"], "sub_pillar": record["sub_pillar"], "year": record.get("year")}

