"""Build the URLs of the site: a measure's pages, and the search page, whose every state is a plain query string (pure).

The search layer returns measures by id; their `url` is added here, where pages,
hits, feeds, citations and exports take it from.

Everything here builds paths of the app ("/measures/<id>", "/?q=law"), as its routes name them.
A base URL with a path (`--base-url https://example.org/dti`) mounts the app under that path,
its root ("/dti"); `public` is the one place that puts the root in front of a path handed out:
the HTML pages (rendering.py), redirects (baseurl.py) and the JSON API's `url`s go through it.
"""

import re
import urllib.parse

from measuresearch.search.request import EXCLUDE_PREFIX, FILTER_NAMES

EXCLUSIONS = tuple(EXCLUDE_PREFIX + name for name in FILTER_NAMES)
FILTER_PARAMS = (*FILTER_NAMES, *EXCLUSIONS)  # what the search form carries as hidden fields
ORDER = ("q", *FILTER_PARAMS, "year_from", "year_to", "event", "in_force_on", "sort", "page", "per_page", "lang")
# the interface languages, each named in itself (the language switcher)
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
PAGE_ONLY = ("page", "per_page", "lang")
PAGE_EXTRAS = ("more", "rows", "cols", "status", "measure")  # parameters of the pages that are not a search  # what an export or feed of the same search leaves out


def public(root, path):
    """Return a path of the app as the public reaches it: under root ("" or "/dti", the base URL's path).

    Anything else (an absolute URL, a fragment, "//host") is returned as it is.
    """
    if not root or not path.startswith("/") or path.startswith("//"):
        return path
    return root + path


def measure_path(measure_id, *below):
    """Return the path of a measure's page, or of a page below it (measure_path(id, "report"))."""
    return "/".join(("/measures", urllib.parse.quote(measure_id, safe=""), *below))


def linked(measures, root=""):
    """Return the measures (dicts with an `id`) each with the `url` of its page, after its id.

    root: the app's root for a `url` handed out as it is (the JSON API); a page leaves it to rendering.
    """
    return [{"id": m["id"], "url": public(root, measure_path(m["id"])), **m} for m in measures]


def linked_result(result, key="hits", root=""):
    """Return a result of the search layer with the measures under `key` linked (see linked)."""
    return {**result, key: linked(result[key], root)}


def state_of(request, lang=None):
    """Return the request as an ordered list of (name, value) pairs, defaults left out.

    lang: the interface language chosen with ?lang=, kept by every link built from the pairs.
    """
    pairs = [("q", request.q)] if request.q else []
    for name in FILTER_NAMES:
        pairs.extend((name, value) for value in request.filters.get(name, ()))
    for name in FILTER_NAMES:
        pairs.extend((EXCLUDE_PREFIX + name, value) for value in request.exclusions.get(name, ()))
    pairs.extend(("event", value) for value in request.event)
    for name in ("year_from", "year_to", "in_force_on", "sort"):
        value = getattr(request, name)
        if value is not None:
            pairs.append((name, str(value)))
    if request.page != 1:
        pairs.append(("page", str(request.page)))
    if request.per_page != 20:
        pairs.append(("per_page", str(request.per_page)))
    if lang:
        pairs.append(("lang", lang))
    return pairs


def api_query(pairs):
    """Return the query string ("" or "?...") of the same search for the JSON API: no page, size or language."""
    return href([p for p in pairs if p[0] not in PAGE_ONLY], "")


def localized(path, lang=None):
    """Return a path of this site with ?lang= added when a language was chosen in the URL."""
    if not lang:
        return path
    return f"{path}{'&' if '?' in path else '?'}{urllib.parse.urlencode([('lang', lang)])}"


_SEARCH_BACK = re.compile(r"/(\?[^\s\\#]*)?")


def search_back(value):
    """Return `value` when it is a search of this site to go back to ("/?q=law&country=..."), else None.

    Only the search page's own path with a query string, nothing that a browser could read as another site
    ("//evil.example", "/\\evil", a scheme) and no line breaks: the report form carries it to its thanks.
    """
    if not isinstance(value, str) or len(value) > 2000 or not _SEARCH_BACK.fullmatch(value):
        return None
    return value


def with_back(path, back):
    """Return a path of this site with ?back= added when there is a search to go back to (search_back)."""
    back = search_back(back)
    if not back:
        return path
    return f"{path}{'&' if '?' in path else '?'}{urllib.parse.urlencode([('back', back)])}"


def same_site_path(path):
    """Return a decoded request path as a link that stays on this site.

    The path is percent-encoded again (a browser reads "/\\evil.example", or a tab or line
    break after the first "/", as "//evil.example": another site) and starts with one "/".
    """
    return "/" + urllib.parse.quote(path, safe="/:@!$&'()*+,;=~").lstrip("/")


def language_links(path, query, current):
    """Return the language switcher: this page (its path in the app and its query string) in each language
    (name, code, url, current)."""
    # the page's own parameters only: a shared link's utm_source is not handed on
    kept = [p for p in urllib.parse.parse_qsl(query) if p[0] in ORDER + PAGE_EXTRAS and p[0] != "lang"]
    return [{"code": code, "name": name, "current": code == current,
             "url": same_site_path(path) + "?" + urllib.parse.urlencode(kept + [("lang", code)])}
            for code, name in LANGUAGE_NAMES.items()]


def href(pairs, path="/"):
    """Return path with the pairs as its query string."""
    query = urllib.parse.urlencode(sorted(pairs, key=lambda p: ORDER.index(p[0])))
    return f"{path}?{query}" if query else path


def _without_page(pairs):
    return [p for p in pairs if p[0] != "page"]


def toggle(pairs, name, value):
    """Return the URL that adds value to facet `name`, or removes it if present; back to page 1."""
    value = str(value)
    pairs = _without_page(pairs)
    if (name, value) in pairs:
        return href([p for p in pairs if p != (name, value)])
    return href(pairs + [(name, value)])


def replace(pairs, **changes):
    """Return the URL with some single-valued parameters replaced (None removes them)."""
    keep = [p for p in pairs if p[0] not in changes]
    # page 1 is the default: leaving it out keeps one URL per state
    keep += [(name, str(value)) for name, value in changes.items()
             if value is not None and not (name == "page" and value == 1)]
    return href(keep)


def year_only(pairs, year):
    """Return the URL that narrows the year range to one year."""
    return replace(_without_page(pairs), year_from=year, year_to=year)


def without_filters(pairs):
    """Return the URL with the query kept and every filter removed."""
    return href([p for p in pairs if p[0] in ("q", "sort", "per_page", "lang")])


def exclude(pairs, name, value):
    """Return the URL that turns the filter name=value into not_name=value; back to page 1."""
    value = str(value)
    pairs = [p for p in _without_page(pairs) if p != (name, value)]
    return href(pairs + [(EXCLUDE_PREFIX + name, value)])


def without_blanks(path, query_string):
    """Return path?query without its empty parameters, or None when it has none (the order of the rest kept).

    A query of white space alone (spaces, a non-breaking space, an ideographic space) is empty too: the box
    then says nothing, and the page is the one of no query, not "15 measures for “ ”".
    """
    pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if value != "" and not (name == "q" and value.isspace())]
    if len(kept) == len(pairs):
        return None
    return same_site_path(path) + ("?" + urllib.parse.urlencode(kept) if kept else "")


def with_notice_links(result, request, lang=None, root=""):
    """Give the notices that offer another search their `url` (the page links it, the API returns it).

    group_filter: the query without the group's name, filtered by the group; page_out_of_range: the
    last page; english_descriptions: the English words offered, when there are any. root: as for linked.
    """
    pairs = state_of(request, lang)
    for notice in result["notices"]:
        code = notice["code"]
        if code == "group_filter":
            kept = [p for p in _without_page(pairs) if p[0] != "q" and p != ("group", notice["group"])]
            notice["url"] = href(kept + ([("q", notice["q"])] if notice["q"] else []) + [("group", notice["group"])])
        elif code == "page_out_of_range":
            notice["url"] = replace(pairs, page=notice["last_page"])
        elif code == "english_descriptions" and notice["q"]:
            notice["url"] = replace(pairs, q=notice["q"], page=None)
        if "url" in notice:
            notice["url"] = public(root, notice["url"])
    return result
