"""Schemathesis hooks of test_server_hardening: leave out q texts that the search refuses by its stated limits.

OpenAPI can say of q only "a string of at most 500 characters"; the search also
refuses, with a 400 naming q, a wildcard inside a word ("E?Ü", "a*") and more
than 32 terms (README, "Limits"). Such values are not the schema-valid requests
that the positive-data check means, and whether the seeded run drew one
depended on every other parameter of the document. Every other value of q, and
every value of every other parameter, is still generated and checked.
"""

import schemathesis

from measuresearch.errors import MeasureSearchError
from measuresearch.query.parser import MAX_QUERY_CHARS, parse


@schemathesis.hook
def filter_query(context, query):
    """Keep a generated query string unless its q is within 500 characters and refused by the parser."""
    q = query.get("q") if isinstance(query, dict) else None
    if not isinstance(q, str) or len(q) > MAX_QUERY_CHARS:
        return True
    try:
        parse(q)
    except MeasureSearchError:
        return False
    return True
