"""What a search did that its numbers alone would not say, as notices {code, message} (pure).

The API returns them as `notices` and the page shows the same list, so a
query that was ignored, an empty year range or a filter value that no
measure has never looks like an ordinary answer.
"""

import difflib

from measuresearch.search.request import EXCLUDE_PREFIX


def notice(code, message):
    """Return one notice as plain data."""
    return {"code": code, "message": message}


def _no_words(request):
    scope = "every measure the filters allow" if request.filters else "every measure"
    return notice("no_words", f"“{request.q.strip()}” has no word or number to search for, so it was ignored: "
                              f"showing {scope}, not matches for it.")


def _year_range(request):
    return notice("empty_year_range", f"The year range {request.year_from}–{request.year_to} is empty: "
                                      "“from” comes after “to”, so no measure can match.")


def _unknown_value(name, value, known, excluded=False):
    label = name.replace("_", "-")
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    hint = f" Did you mean “{close[0]}”?" if close else ""
    effect = "this exclusion leaves out nothing" if excluded else "this filter matches nothing"
    found = notice("unknown_value", f"No measure has the {label} “{value}”, so {effect}.{hint}")
    return found | {"parameter": EXCLUDE_PREFIX + name if excluded else name, "value": value,
                    "suggestion": close[0] if close else None}


def search_notices(request, parsed, known_values):
    """Return the notices of one search.

    parsed: the query as parsed (no clauses although text was typed: nothing
    searchable); known_values: {facet: values present in the build}.
    """
    found = []
    if request.q.strip() and not parsed.clauses:
        found.append(_no_words(request))
    if request.year_from is not None and request.year_to is not None and request.year_from > request.year_to:
        found.append(_year_range(request))
    for excluded, chosen in ((False, request.filters), (True, request.exclusions)):
        for name, values in chosen.items():
            known = known_values.get(name)
            if known is not None:  # a typo in an exclusion would leave everything in without a word
                found.extend(_unknown_value(name, value, known, excluded) for value in values if value not in known)
    return found


def only_excluded(request):
    """Every word of the query is excluded (`-data`, `NOT data`): nothing scores, so the order is a browse."""
    return notice("only_excluded", f"Every word of “{request.q.strip()}” is excluded, so nothing is ranked: "
                                   f"showing the measures without them, {request.effective_sort()} first.")


def page_out_of_range(page, last_page, total):
    """The page asked for is past the last one; the answer keeps the true total.

    With no match the last page is 1, the empty one: the message says no measure matches, not "on 1 page".
    """
    if not total:
        return notice("page_out_of_range", f"There is no page {page}: no measure matches (page 1 is empty).") | {
            "last_page": last_page}
    found = f"{total:,} {'measure matches' if total == 1 else 'measures match'}"
    return notice("page_out_of_range", f"There is no page {page}: {found}, on {last_page} "
                                       f"{'page' if last_page == 1 else 'pages'}.") | {"last_page": last_page}


def group_filter(word, group, q):
    """A query word names a jurisdiction group: offer the group filter instead (`q`: the query without it)."""
    return notice("group_filter", f"“{word}” is the name of a jurisdiction group, which measures do not "
                                  f"mention by name: filter by the group {group} instead.") | {
        "word": word, "group": group, "q": q}


def law_number_by_number(typed, number):
    """No measure shown has a law number as typed ("418-VI"): those that match it have its number with another
    suffix."""
    return notice("law_number_by_number", f"No measure shown has the law number “{typed}”: those that match it have "
                                          f"the number {number} with another suffix.") | {
        "typed": typed, "number": number}


def english_descriptions(words, english):
    """Cyrillic query words can only match titles; `english`: the English words the vocabulary has for them."""
    typed, q = " ".join(words), " ".join(english)
    offer = f" Search the descriptions in English: “{q}”." if english else ""
    return notice("english_descriptions", f"Descriptions are in English, so “{typed}” can only match titles."
                                          f"{offer}") | {"typed": list(words), "words": list(english),
                                                         "q": q or None}
